#include "admin.hpp"

#include "ids.hpp"
#include "installation.hpp"
#include "statements.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
}

namespace approval_gate {

namespace {

int compare_intervals(const Interval &a, const Interval &b)
{
    Interval left = a, right = b;
    return DatumGetInt32(guarded(DirectFunctionCall2Coll, interval_cmp, InvalidOid, IntervalPGetDatum(&left),
                                 IntervalPGetDatum(&right)));
}

} // namespace

void require_policy_manager(const Identity &who)
{
    Oid owner = installation().owner;
    if (!guarded(superuser_arg, who.role) && !guarded(has_privs_of_role, who.role, owner))
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "only the owner of extension approval_gate or a superuser may do this");
}

void set_policy(const PolicyChange &c, const Identity &who)
{
    require_policy_manager(who);
    if (c.action.empty() || c.action.size() > 128)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "action must be between 1 and 128 bytes long");
    if (c.required_approvals < 1 || c.required_approvals > 100)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "required_approvals must be between 1 and 100");
    if (!OidIsValid(guarded(get_role_oid, c.approver_role.c_str(), true)))
        fail(ERRCODE_UNDEFINED_OBJECT, "role \"" + c.approver_role + "\" does not exist");
    Interval zero{};
    if ((c.pending_ttl && compare_intervals(*c.pending_ttl, zero) <= 0) || compare_intervals(c.approval_ttl, zero) <= 0)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "pending_ttl and approval_ttl must be positive intervals");
    if (compare_intervals(c.deny_cooldown, zero) < 0)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "deny_cooldown must not be negative");
    require_writable("approval_gate_set_policy");
    run(Stmt::UpsertPolicy, {p_text(c.action), p_uuid_or_null(c.workspace_id), p_bool(c.gated),
                             p_int4(c.required_approvals), p_name(c.approver_role), p_interval_or_null(c.pending_ttl),
                             p_interval_or_null(c.approval_ttl), p_interval_or_null(c.deny_cooldown),
                             p_bool(c.allow_self_approval), p_bool(c.consumable_by_any)});
}

bool drop_policy(const std::string &action, const std::optional<pg_uuid_t> &workspace_id, const Identity &who)
{
    require_policy_manager(who);
    require_writable("approval_gate_drop_policy");
    return run(Stmt::DeletePolicy, {p_text(action), p_uuid_or_null(workspace_id)}) > 0;
}

void set_parent(const pg_uuid_t &workspace_id, const std::optional<pg_uuid_t> &parent_id, const Identity &who)
{
    require_policy_manager(who);
    require_writable("approval_gate_set_parent");
    if (!parent_id) {
        run(Stmt::DeleteParent, {p_uuid(workspace_id)});
        return;
    }
    // Serialise hierarchy changes so two concurrent links cannot close a cycle between them. The check
    // reads past the transaction snapshot: under REPEATABLE READ, a link committed while we waited for
    // the lock would otherwise be invisible and the cycle would close.
    run(Stmt::LockWorkspaces, {});
    run(Stmt::ParentCycle, {p_uuid(workspace_id), p_uuid(*parent_id)}, Snap::Latest);
    if (Row(0).boolean(1))
        fail(ERRCODE_INVALID_PARAMETER_VALUE,
             "workspace " + uuid_text(*parent_id) + " cannot be the parent of " + uuid_text(workspace_id),
             "that link would make a cycle in the workspace hierarchy");
    run(Stmt::UpsertParent, {p_uuid(workspace_id), p_uuid(*parent_id)});
}

} // namespace approval_gate
