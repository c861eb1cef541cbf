// Gated-action policies, answered from a backend-local cache that every policy change invalidates.
#pragma once

#include "boundary.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/uuid.h"
}

#include <optional>
#include <string>
#include <string_view>

namespace approval_gate {

constexpr const char *default_approver_role = "approval_gate_approver";

struct Policy {
    bool gated = false;
    int32 required_approvals = 1;
    std::string approver_role = default_approver_role;
    std::optional<Interval> pending_ttl;
    std::optional<Interval> approval_ttl;
    Interval deny_cooldown{};
    bool allow_self_approval = false;
    bool consumable_by_any = false;
};

// The workspace's own row if it has one, else the action's default row, else the built-in default;
// nullopt when none exists. Needs an open OwnerScope.
std::optional<Policy> policy_for(const pg_uuid_t &workspace_id, const std::string &action);

// Whether the action is gated, when the cache already knows: no SQL, no scope, no server call.
std::optional<bool> cached_is_gated(const pg_uuid_t &workspace_id, std::string_view action);

} // namespace approval_gate
