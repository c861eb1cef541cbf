// Policies and the workspace hierarchy: managed by the extension owner or a superuser only. Every
// function here runs inside an OwnerScope with the caller's Identity.
#pragma once

#include "identity.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/uuid.h"
}

#include <optional>
#include <string>

namespace approval_gate {

struct PolicyChange {
    std::string action;
    std::optional<pg_uuid_t> workspace_id;
    bool gated;
    int32 required_approvals;
    std::string approver_role;
    std::optional<Interval> pending_ttl;
    Interval approval_ttl;
    Interval deny_cooldown;
    bool allow_self_approval;
    bool consumable_by_any;
};

// 42501 unless the role in effect is a superuser or has the extension owner's privileges.
void require_policy_manager(const Identity &who);

void set_policy(const PolicyChange &change, const Identity &who);
bool drop_policy(const std::string &action, const std::optional<pg_uuid_t> &workspace_id, const Identity &who);
void set_parent(const pg_uuid_t &workspace_id, const std::optional<pg_uuid_t> &parent_id, const Identity &who);

} // namespace approval_gate
