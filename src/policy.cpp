#include "policy.hpp"

#include "installation.hpp"
#include "statements.hpp"

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

// Bounded, each map, so that a caller cycling through many workspaces or actions cannot grow a backend
// without limit.
constexpr size_t max_cached_policies = 10000;

// What an action's rows say before any workspace is named. Without a workspace's own row, the answer
// is the action's default for every workspace; only an action with such rows is cached per
// workspace, so an ungated call in front of thousands of tenants takes one entry, not one per tenant.
struct ActionPolicy {
    bool per_workspace = false;
    std::optional<Policy> policy;  // the answer for every workspace, unless per_workspace
};

// Backend-static on purpose: they must outlive each call. Emptied whenever policies may have changed.
std::unordered_map<std::string, ActionPolicy> by_action;
std::unordered_map<Key, std::optional<Policy>, KeyHash> by_workspace;
std::uint64_t cached_under = 0;

// The policy columns, in the order both policy statements return them.
Policy decode_policy(const Row &row)
{
    Policy p;
    p.gated = row.boolean(1);
    p.required_approvals = row.int4(2);
    p.approver_role = row.text(3);
    p.pending_ttl = row.opt_interval(4);
    p.approval_ttl = row.opt_interval(5);
    p.deny_cooldown = row.opt_interval(6).value_or(Interval{});
    p.allow_self_approval = row.boolean(7);
    p.consumable_by_any = row.boolean(8);
    return p;
}

std::optional<Policy> load(const pg_uuid_t &workspace_id, const std::string &action)
{
    if (run(Stmt::LoadPolicy, {p_text(action), p_uuid(workspace_id)}) == 0)
        return std::nullopt;
    return decode_policy(Row(0));
}

ActionPolicy load_action(const std::string &action)
{
    run(Stmt::LoadActionPolicy, {p_text(action)});
    Row row(0);
    ActionPolicy a;
    a.per_workspace = row.boolean(9);
    if (!a.per_workspace && !row.is_null(1))
        a.policy = decode_policy(row);
    return a;
}

void drop_stale_cache()
{
    if (cached_under != policy_generation() || by_action.size() >= max_cached_policies ||
        by_workspace.size() >= max_cached_policies) {
        by_action.clear();
        by_workspace.clear();
        cached_under = policy_generation();
    }
}

// The cached answer for (workspace, action), or nullptr while the cache does not know it.
const std::optional<Policy> *cached(const Key &key)
{
    auto known = by_action.find(key.action);
    if (known == by_action.end())
        return nullptr;
    if (!known->second.per_workspace)
        return &known->second.policy;
    auto found = by_workspace.find(key);
    return found == by_workspace.end() ? nullptr : &found->second;
}

} // namespace

std::optional<bool> cached_is_gated(const pg_uuid_t &workspace_id, std::string_view action)
{
    // Only a cache filled under a valid installation answers: after the extension is dropped,
    // updated, or has the wrong version, every call goes the full way and meets that error.
    if (!installation_known())
        return std::nullopt;
    drop_stale_cache();
    // C++17 maps find by their own key type only; reusing one probe keeps the action's copy from
    // allocating on the path in front of every ungated call.
    static Key probe;
    probe.workspace_id = workspace_id;
    probe.action.assign(action);
    const std::optional<Policy> *policy = cached(probe);
    if (!policy)
        return std::nullopt;
    return *policy && (*policy)->gated;
}

std::optional<Policy> policy_for(const pg_uuid_t &workspace_id, const std::string &action)
{
    installation();
    // A REPEATABLE READ snapshot may predate a change whose invalidation this backend has already
    // processed: what it reads is answered, never cached, or the cache would stay stale.
    if (IsolationUsesXactSnapshot())  // unguarded: reads two variables
        return load(workspace_id, action);
    drop_stale_cache();
    Key key{workspace_id, action};
    if (const std::optional<Policy> *policy = cached(key))
        return *policy;
    auto known = by_action.find(action);
    if (known == by_action.end())
        known = by_action.emplace(action, load_action(action)).first;
    if (!known->second.per_workspace)
        return known->second.policy;
    return by_workspace.emplace(std::move(key), load(workspace_id, action)).first->second;
}

} // namespace approval_gate
