#include "gate.hpp"

#include "events.hpp"
#include "live_requests.hpp"
#include "policy.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace approval_gate {

namespace {

constexpr int max_insert_attempts = 3;
const char *const default_approver_role = "approval_gate_approver";

TimestampTz statement_time() { return GetCurrentStatementStartTimestamp(); }

// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Requests are made and
// consumed in roughly time order, so their primary-key entries (written again by every consumption,
// which cannot be a HOT update) stay on a few recent index pages instead of landing anywhere in an
// index that grows with history.
pg_uuid_t time_ordered_uuid()
{
    pg_uuid_t id;
    if (!pg_strong_random(id.data, UUID_LEN))
        fail(ERRCODE_INTERNAL_ERROR, "could not generate random values for a request id");
    uint64 unix_ms = static_cast<uint64>(GetCurrentTimestamp() / 1000 +
                                         (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * INT64CONST(1000));
    for (int i = 0; i < 6; i++)
        id.data[i] = static_cast<unsigned char>(unix_ms >> (8 * (5 - i)));
    id.data[6] = (id.data[6] & 0x0F) | 0x70;  // version 7
    id.data[8] = (id.data[8] & 0x3F) | 0x80;  // RFC 9562 variant
    return id;
}

// t shifted by span with PostgreSQL's own arithmetic (timestamptz_pl_interval or timestamptz_mi_interval),
// so that months and days follow the calendar as they do in SQL.
TimestampTz shift(PGFunction by, TimestampTz t, const Interval &span)
{
    return pg_call([&] {
        return DatumGetTimestampTz(
            DirectFunctionCall2(by, TimestampTzGetDatum(t), IntervalPGetDatum(const_cast<Interval *>(&span))));
    });
}

void record(const pg_uuid_t &workspace_id, const pg_uuid_t &request_id, const std::string &action,
            const char *event, const char *status, const Caller &caller,
            const std::optional<pg_uuid_t> &to_workspace_id = std::nullopt)
{
    record_event({workspace_id, request_id, action, event, status, caller.actor, caller.role_name, to_workspace_id});
}

// Candidates in approval order; the first that no one else holds is consumed.
std::optional<pg_uuid_t> consume_approved(const GateKey &key, const std::vector<Consumable> &candidates,
                                          const Caller &caller)
{
    for (const Consumable &candidate : candidates) {
        if (consume_unless_held(candidate)) {
            record(key.workspace_id, candidate.id, key.action, "consumed", "consumed", caller);
            return candidate.id;
        }
    }
    return std::nullopt;
}

std::optional<PendingRow> find_pending(const GateKey &key)
{
    if (run(Stmt::FindPending, {p_text(key.request_hash), p_uuid(key.workspace_id), p_text(key.action)}, 1) == 0)
        return std::nullopt;
    return PendingRow{uuid_at(0, 1), opt_timestamptz_at(0, 2)};
}

bool denied_within_cooldown(const GateKey &key, const Policy &policy, pg_uuid_t &denied_id)
{
    if (run(Stmt::LatestRequest, {p_text(key.request_hash), p_uuid(key.workspace_id), p_text(key.action)}, 1) == 0)
        return false;
    if (text_at(0, 2) != "denied")
        return false;
    std::optional<TimestampTz> decided_at = opt_timestamptz_at(0, 3);
    denied_id = uuid_at(0, 1);
    return decided_at && *decided_at > shift(timestamptz_mi_interval, statement_time(), policy.deny_cooldown);
}

std::optional<pg_uuid_t> insert_pending(const GateKey &key, const std::optional<std::string> &reason,
                                        const Policy &policy, const Caller &caller)
{
    // The parent is read by the insert itself: one statement, and the escalation names the parent the row got.
    if (run(Stmt::InsertPending,
            {p_uuid(key.workspace_id), p_text(key.action), p_jsonb(key.context), p_text(key.request_hash),
             p_text_or_null(reason), p_text(caller.actor), p_name(caller.role_name), p_int4(policy.required_approvals),
             p_interval_or_null(policy.pending_ttl), p_uuid(time_ordered_uuid())},
            1) == 0)
        return std::nullopt;  // another transaction holds the pending row; the caller looks again
    pg_uuid_t id = uuid_at(0, 1);
    std::optional<pg_uuid_t> parent = opt_uuid_at(0, 2);
    record(key.workspace_id, id, key.action, "requested", "pending", caller);
    if (parent)
        record(key.workspace_id, id, key.action, "escalated", "pending", caller, parent);
    return id;
}

bool has_role(Oid role, const std::string &role_name)
{
    return pg_call([&] {
        Oid target = get_role_oid(role_name.c_str(), true);
        return OidIsValid(target) ? is_member_of_role(role, target) : superuser_arg(role);
    });
}

LockedRequest lock_existing_request(const pg_uuid_t &id)
{
    std::optional<LockedRequest> r = lock_request(id);
    if (!r)
        fail(ERRCODE_NO_DATA_FOUND, "approval request " + uuid_to_string(id) + " does not exist");
    return *r;
}

void require_pending(const LockedRequest &r)
{
    if (r.status != "pending")
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
             "approval request " + uuid_to_string(r.id) + " is " + r.status + ", not pending");
    if (r.expires_at && *r.expires_at <= statement_time())
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "approval request " + uuid_to_string(r.id) + " has expired");
}

Policy policy_or_default(const pg_uuid_t &workspace_id, const std::string &action)
{
    std::optional<Policy> found = policy_for(workspace_id, action);
    if (found)
        return *found;
    Policy fallback;
    fallback.approver_role = default_approver_role;
    return fallback;
}

} // namespace

void require_extension_admin(const Caller &caller)
{
    Oid owner = installation().owner;
    bool allowed = pg_call([&] { return superuser_arg(caller.role) || has_privs_of_role(caller.role, owner); });
    if (!allowed)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "only the owner of extension approval_gate or a superuser may do this");
}

void check_action(const std::string &action)
{
    if (action.empty() || action.size() > 128)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "action must be between 1 and 128 bytes long");
}

Decision require(const GateKey &key, const std::optional<std::string> &reason, const Caller &caller)
{
    std::optional<Policy> found = policy_for(key.workspace_id, key.action);
    if (!found || !found->gated)
        return {"not_gated", std::nullopt};
    const Policy &policy = *found;

    LiveRequests live = read_live_requests(key);
    if (std::optional<pg_uuid_t> consumed = consume_approved(key, live.consumable, caller))
        return {"approved", consumed};

    std::optional<PendingRow> pending = live.pending;
    for (int attempt = 0; attempt < max_insert_attempts; attempt++) {
        if (attempt > 0)
            pending = find_pending(key);
        if (pending) {
            if (!pending->expires_at || *pending->expires_at > statement_time())
                return {"pending", pending->id};
            // Past its deadline but not yet swept: it must not be reused.
            if (run(Stmt::ExpirePendingById, {p_uuid(pending->id)}, 1) == 1)
                record(key.workspace_id, pending->id, key.action, "expired", "expired", caller);
        } else {
            pg_uuid_t denied_id;
            if (denied_within_cooldown(key, policy, denied_id))
                return {"denied", denied_id};
        }
        if (std::optional<pg_uuid_t> created = insert_pending(key, reason, policy, caller))
            return {"pending", created};
    }
    fail(ERRCODE_T_R_SERIALIZATION_FAILURE, "could not settle the pending request under concurrent changes",
         "retry the transaction");
}

std::optional<pg_uuid_t> consume(const GateKey &key, bool missing_ok, const Caller &caller)
{
    std::optional<Policy> policy = policy_for(key.workspace_id, key.action);
    if (!policy || !policy->gated)
        return std::nullopt;
    std::optional<pg_uuid_t> consumed = consume_approved(key, read_live_requests(key).consumable, caller);
    if (!consumed && !missing_ok)
        fail(ERRCODE_AG_APPROVAL_REQUIRED,
             "approval required for action \"" + key.action + "\" on workspace " + uuid_to_string(key.workspace_id),
             "call approval_gate_require() with the same workspace, action and context, and wait for a human "
             "to approve it");
    return consumed;
}

std::string decide(const pg_uuid_t &request_id, const std::optional<std::string> &note, bool approve,
                   const Caller &caller)
{
    LockedRequest r = lock_existing_request(request_id);
    Policy policy = policy_or_default(r.workspace_id, r.action);
    bool authorized = has_role(caller.role, policy.approver_role);
    if (!authorized && r.escalated_to)
        authorized = has_role(caller.role, policy_or_default(*r.escalated_to, r.action).approver_role);
    if (!authorized)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
             "role \"" + caller.role_name + "\" may not decide approval request " + uuid_to_string(request_id),
             "members of role \"" + policy.approver_role + "\" decide requests for action \"" + r.action + "\"");
    require_pending(r);
    if (!policy.allow_self_approval && (caller.actor == r.requested_by || caller.role_name == r.requested_role))
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
             "approval request " + uuid_to_string(request_id) + " was made by the same actor or role",
             "another approver must decide it, or the policy must allow self-approval");

    const char *decision = approve ? "approve" : "deny";
    if (run(Stmt::InsertVote, {p_uuid(request_id), p_name(caller.role_name), p_text(caller.actor), p_text(decision),
                               p_text_or_null(note)},
            1) == 0)
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
             "role \"" + caller.role_name + "\" has already voted on approval request " + uuid_to_string(request_id));

    if (!approve) {
        resolve_request(r, "denied", caller.actor, note, std::nullopt);
        record(r.workspace_id, request_id, r.action, "denied", "denied", caller);
        return "denied";
    }
    record(r.workspace_id, request_id, r.action, "vote", "pending", caller);
    // The vote just inserted is a new voter's approval: a quorum of one needs no count.
    if (r.required_approvals > 1) {
        run(Stmt::CountApprovals, {p_uuid(request_id)}, 1);
        if (int_at(0, 1) < r.required_approvals)
            return "pending";
    }
    std::optional<TimestampTz> approved_until;
    if (policy.approval_ttl)
        approved_until = shift(timestamptz_pl_interval, statement_time(), *policy.approval_ttl);
    resolve_request(r, "approved", caller.actor, note, approved_until);
    record(r.workspace_id, request_id, r.action, "approved", "approved", caller);
    return "approved";
}

std::string withdraw(const pg_uuid_t &request_id, const Caller &caller)
{
    LockedRequest r = lock_existing_request(request_id);
    if (caller.actor != r.requested_by || caller.role_name != r.requested_role)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "only the requester may withdraw approval request " +
                                                 uuid_to_string(request_id));
    require_pending(r);
    resolve_request(r, "withdrawn", caller.actor, std::nullopt, std::nullopt);
    record(r.workspace_id, request_id, r.action, "withdrawn", "withdrawn", caller);
    return "withdrawn";
}

int64 expire_due(const Caller &caller)
{
    uint64 n = run(Stmt::ExpireDue, {});
    struct Expired {
        pg_uuid_t id, workspace_id;
        std::string action;
    };
    std::vector<Expired> expired;
    expired.reserve(n);
    for (uint64 row = 0; row < n; row++)
        expired.push_back({uuid_at(row, 1), uuid_at(row, 2), text_at(row, 3)});
    for (const Expired &e : expired)
        record(e.workspace_id, e.id, e.action, "expired", "expired", caller);
    return static_cast<int64>(n);
}

bool is_gated(const pg_uuid_t &workspace_id, const std::string &action)
{
    std::optional<Policy> policy = policy_for(workspace_id, action);
    return policy && policy->gated;
}

void set_policy(const PolicyChange &c, const Caller &caller)
{
    require_extension_admin(caller);
    check_action(c.action);
    if (c.required_approvals < 1 || c.required_approvals > 100)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "required_approvals must be between 1 and 100");
    if (!OidIsValid(pg_call([&] { return get_role_oid(c.approver_role.c_str(), true); })))
        fail(ERRCODE_UNDEFINED_OBJECT, "role \"" + c.approver_role + "\" does not exist");
    Interval zero{};
    auto positive = [&](const Interval &i) {
        return pg_call([&] {
            return DatumGetBool(DirectFunctionCall2(interval_gt, IntervalPGetDatum(const_cast<Interval *>(&i)),
                                                    IntervalPGetDatum(&zero)));
        });
    };
    if ((c.pending_ttl && !positive(*c.pending_ttl)) || !positive(c.approval_ttl))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "pending_ttl and approval_ttl must be positive intervals");
    if (pg_call([&] {
            return DatumGetBool(DirectFunctionCall2(interval_lt,
                                                    IntervalPGetDatum(const_cast<Interval *>(&c.deny_cooldown)),
                                                    IntervalPGetDatum(&zero)));
        }))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "deny_cooldown must not be negative");
    run(Stmt::UpsertPolicy, {p_text(c.action), p_uuid_or_null(c.workspace_id), p_bool(c.gated),
                             p_int4(c.required_approvals), p_name(c.approver_role),
                             p_interval_or_null(c.pending_ttl), p_interval_or_null(c.approval_ttl),
                             p_interval_or_null(c.deny_cooldown), p_bool(c.allow_self_approval)});
}

bool drop_policy(const std::string &action, const std::optional<pg_uuid_t> &workspace_id, const Caller &caller)
{
    require_extension_admin(caller);
    return run(Stmt::DeletePolicy, {p_text(action), p_uuid_or_null(workspace_id)}) > 0;
}

void set_parent(const pg_uuid_t &workspace_id, const std::optional<pg_uuid_t> &parent_id, const Caller &caller)
{
    require_extension_admin(caller);
    if (!parent_id) {
        run(Stmt::DeleteParent, {p_uuid(workspace_id)});
        return;
    }
    // Serialise hierarchy changes so two concurrent links cannot close a cycle between them.
    // The check reads past the transaction snapshot: under REPEATABLE READ, a link committed while we
    // waited for the lock would otherwise be invisible and the cycle would close.
    run(Stmt::LockWorkspaces, {});
    run_latest(Stmt::ParentCycle, {p_uuid(workspace_id), p_uuid(*parent_id)}, 1);
    if (bool_at(0, 1))
        fail(ERRCODE_INVALID_PARAMETER_VALUE,
             "workspace " + uuid_to_string(*parent_id) + " cannot be the parent of " + uuid_to_string(workspace_id),
             "that link would make a cycle in the workspace hierarchy");
    run(Stmt::UpsertParent, {p_uuid(workspace_id), p_uuid(*parent_id)});
}

} // namespace approval_gate
