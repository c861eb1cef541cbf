#include "policy.hpp"

extern "C" {
#include "access/xact.h"
}

#include <cstring>
#include <unordered_map>

namespace approval_gate {

namespace {

struct Key {
    pg_uuid_t workspace_id;
    std::string action;
    bool operator==(const Key &o) const
    {
        return action == o.action && std::memcmp(workspace_id.data, o.workspace_id.data, UUID_LEN) == 0;
    }
};

struct KeyHash {
    size_t operator()(const Key &k) const
    {
        size_t h = std::hash<std::string>()(k.action);
        for (unsigned char byte : k.workspace_id.data)
            h = h * 131 + byte;
        return h;
    }
};

// Bounded so that a caller cycling through many workspaces cannot grow a backend without limit.
constexpr size_t max_cached_policies = 10000;

// Backend-static on purpose: it must outlive each call. Emptied whenever policies change.
std::unordered_map<Key, std::optional<Policy>, KeyHash> cache;
uint64 cache_generation = 0;

std::optional<Policy> load(const pg_uuid_t &workspace_id, const std::string &action)
{
    if (run(Stmt::LoadPolicy, {p_text(action), p_uuid(workspace_id)}, 1) == 0)
        return std::nullopt;
    Policy p;
    p.gated = bool_at(0, 1);
    p.required_approvals = static_cast<int32>(int_at(0, 2));
    p.approver_role = text_at(0, 3);
    p.pending_ttl = opt_interval_at(0, 4);
    p.approval_ttl = opt_interval_at(0, 5);
    p.deny_cooldown = opt_interval_at(0, 6).value_or(Interval{});
    p.allow_self_approval = bool_at(0, 7);
    return p;
}

void drop_stale_cache()
{
    if (policies_changed_since(cache_generation) || cache.size() >= max_cached_policies)
        cache.clear();
}

} // namespace

std::optional<bool> cached_is_gated(const pg_uuid_t &workspace_id, const std::string &action)
{
    drop_stale_cache();
    auto found = cache.find(Key{workspace_id, action});
    if (found == cache.end())
        return std::nullopt;
    return found->second && found->second->gated;
}

std::optional<Policy> policy_for(const pg_uuid_t &workspace_id, const std::string &action)
{
    installation();
    drop_stale_cache();
    Key key{workspace_id, action};
    auto found = cache.find(key);
    if (found != cache.end())
        return found->second;
    // A REPEATABLE READ snapshot may predate a change whose invalidation this backend has already
    // processed: what it reads may be answered, never cached, or the cache would stay stale.
    if (IsolationUsesXactSnapshot())
        return load(workspace_id, action);
    return cache.emplace(std::move(key), load(workspace_id, action)).first->second;
}

} // namespace approval_gate
