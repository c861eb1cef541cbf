// The gate on the data: triggers that make a gated role's DELETE, UPDATE or TRUNCATE of a protected
// table consume a matching approval in the same transaction. Everything here that touches the user's
// table (its catalog, its rows, its types, its DDL) runs as the caller; only the extension's own
// statements run as the owner.
#pragma once

#include "identity.hpp"

extern "C" {
#include "commands/trigger.h"
#include "utils/array.h"
#include "utils/jsonb.h"
}

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

struct ProtectRequest {
    Oid target;
    std::string action;
    std::string workspace_column;
    std::optional<std::vector<std::string>> key_columns;  // nullopt: the primary key
    std::vector<std::string> operations;                  // DELETE, UPDATE, TRUNCATE
    std::optional<std::vector<std::string>> gated_roles;  // nullopt: every role
};

void protect(const ProtectRequest &request, const Identity &who);
bool unprotect(Oid target, const Identity &who);

// The context a protected row's change needs, as UTF-8 JSON text, from the row's key given as JSON.
std::string row_context(Oid target, Jsonb *row_key);

// The check behind every firing of approval_gate_protect_trigger; raises AG001 when no approval can be
// consumed, and 39P01 when the trigger fires where no protection of this table asked for it.
void check_protected_change(TriggerData *trigger);

} // namespace approval_gate
