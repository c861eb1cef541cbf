// The gate enforced on the data: triggers that make a gated role's DELETE/UPDATE/TRUNCATE of a
// protected table consume a matching approval in the same transaction.
#pragma once

#include "gate.hpp"

extern "C" {
#include "commands/trigger.h"
#include "utils/jsonb.h"
}

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

struct Protection {
    std::string action;
    std::string workspace_column;
    std::vector<std::string> key_columns;  // NULL: the primary key
    std::vector<std::string> operations;   // DELETE, UPDATE, TRUNCATE
    std::optional<std::vector<std::string>> gated_roles;  // NULL: every role
};

void protect(Oid target, const std::string &action, const std::string &workspace_column,
             const std::optional<std::vector<std::string>> &key_columns, const std::vector<std::string> &operations,
             const std::optional<std::vector<std::string>> &gated_roles, const Caller &caller);
bool unprotect(Oid target, const Caller &caller);

// The context a protected row's change needs, from the row's key given as JSON (values in any form
// their column type accepts: {"id": 5} and {"id": "5"} give the same context).
std::string row_context(Oid target, Jsonb *row_key);

// Runs the check for one trigger event; raises AG001 when no approval can be consumed.
void check_protected_change(TriggerData *trigger, const Caller &caller);

} // namespace approval_gate
