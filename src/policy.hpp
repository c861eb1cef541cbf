// Gated-action policies, answered from a backend-local cache that every policy change invalidates.
#pragma once

#include "spi.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace approval_gate {

struct Policy {
    bool gated = false;
    int32 required_approvals = 1;
    std::string approver_role;
    std::optional<Interval> pending_ttl;
    std::optional<Interval> approval_ttl;
    Interval deny_cooldown{};
    bool allow_self_approval = false;
};

// The workspace's own row if it has one, else the default row; nullopt when neither exists.
// Needs an open GateScope.
std::optional<Policy> policy_for(const pg_uuid_t &workspace_id, const std::string &action);

// Whether the action is gated, when the cache already knows: no SQL, no GateScope needed.
std::optional<bool> cached_is_gated(const pg_uuid_t &workspace_id, std::string_view action);

} // namespace approval_gate
