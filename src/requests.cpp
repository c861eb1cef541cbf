#include "requests.hpp"

#include "audit.hpp"
#include "ids.hpp"
#include "installation.hpp"
#include "rules.hpp"
#include "statements.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include <vector>

namespace approval_gate {

namespace {

constexpr int max_insert_attempts = 3;

using rules::Status;

TimestampTz statement_time() { return GetCurrentStatementStartTimestamp(); }  // reads a variable
TimestampTz event_time() { return GetCurrentTimestamp(); }                   // reads the clock

Status status_of(const std::string &word)
{
    std::optional<Status> status = rules::parse_status(word);
    if (!status)
        fail(ERRCODE_DATA_CORRUPTED, "approval request has an unknown status \"" + word + "\"");
    return *status;
}

// t shifted by span with PostgreSQL's own arithmetic, so months and days follow the calendar.
TimestampTz plus(TimestampTz t, const Interval &span)
{
    Interval copy = span;
    return DatumGetTimestampTz(guarded(DirectFunctionCall2Coll, timestamptz_pl_interval, InvalidOid,
                                       TimestampTzGetDatum(t), IntervalPGetDatum(&copy)));
}

TimestampTz minus(TimestampTz t, const Interval &span)
{
    Interval copy = span;
    return DatumGetTimestampTz(guarded(DirectFunctionCall2Coll, timestamptz_mi_interval, InvalidOid,
                                       TimestampTzGetDatum(t), IntervalPGetDatum(&copy)));
}

struct LiveRows {
    std::vector<pg_uuid_t> ids;
    std::vector<rules::LiveRequest> requests;
};

LiveRows read_live(const GateKey &key)
{
    uint64 n = run(Stmt::LiveRequests, {p_text(key.request_hash), p_uuid(key.workspace_id), p_text(key.action)});
    LiveRows live;
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        live.ids.push_back(row.uuid(1));
        live.requests.push_back({status_of(row.text(2)), row.opt_timestamptz(3), row.opt_timestamptz(4),
                                 row.opt_timestamptz(6).value_or(0), row.text(5)});
    }
    return live;
}

// Takes the approval unless another transaction holds it; false when it is gone or held. entry names
// the function the caller called, for the read-only refusal.
bool consume_one(const pg_uuid_t &id, const Identity &who, const char *entry)
{
    require_writable(entry);
    if (run(Stmt::ConsumeApproved, {p_uuid(id), p_timestamptz(statement_time()), p_text(who.login),
                                    p_name(who.role_name), p_text(who.principal), p_timestamptz(event_time())}) == 0)
        return false;
    events_queued(who);
    return true;
}

std::optional<pg_uuid_t> consume_first(const LiveRows &live, const rules::LiveView &view, const Identity &who,
                                       const char *entry)
{
    for (std::size_t i : view.consumable)
        if (consume_one(live.ids[i], who, entry))
            return live.ids[i];
    return std::nullopt;
}

// A denial of the key within the cooldown answers `denied` to every principal; its id is told only to
// the principal who asked, as the views show another's request to nobody but approvers.
std::optional<Decision> denied_within_cooldown(const GateKey &key, const Policy &policy, const Identity &who)
{
    if (run(Stmt::LatestDenial, {p_text(key.request_hash), p_uuid(key.workspace_id), p_text(key.action)}) == 0)
        return std::nullopt;
    Row row(0);
    std::optional<TimestampTz> decided_at = row.opt_timestamptz(2);
    if (!decided_at || *decided_at <= minus(statement_time(), policy.deny_cooldown))
        return std::nullopt;
    if (row.text(3) != who.principal)
        return Decision{Outcome::Denied, std::nullopt};
    return Decision{Outcome::Denied, row.uuid(1)};
}

std::optional<pg_uuid_t> create_pending(const GateKey &key, const std::optional<std::string> &reason,
                                        const Policy &policy, const Identity &who)
{
    require_writable("approval_gate_require");
    if (run(Stmt::CreatePending,
            {p_uuid(new_time_ordered_id()), p_uuid(key.workspace_id), p_text(key.action), p_jsonb(key.context),
             p_text(key.request_hash), p_text_or_null(reason), p_text(who.principal), p_name(who.role_name),
             p_int4(policy.required_approvals), p_timestamptz(event_time()), p_interval_or_null(policy.pending_ttl),
             p_text(who.login)}) == 0)
        return std::nullopt;  // another transaction holds this principal's pending row: look again
    Row row(0);
    int64 expected_events = row.is_null(2) ? 1 : 2;
    if (row.int8(3) != expected_events)
        fail(ERRCODE_TRIGGERED_ACTION_EXCEPTION, "the audit event of a new approval request was not recorded",
             "a trigger on approval_gate_event_queue skipped it; approval_gate refuses to go on without it");
    events_queued(who);
    return row.uuid(1);
}

void expire_pending(const pg_uuid_t &id, const Identity &who)
{
    require_writable("approval_gate_require");
    if (run(Stmt::ExpirePending, {p_uuid(id), p_text(who.login), p_name(who.role_name), p_text(who.principal),
                                  p_timestamptz(event_time())}) > 0)
        events_queued(who);
}

struct LockedRequest {
    pg_uuid_t id;
    pg_uuid_t workspace_id;
    std::string action;
    Status status;
    std::string requested_by;
    int32 required_approvals;
    std::optional<TimestampTz> expires_at;
    std::optional<pg_uuid_t> escalated_to;
};

LockedRequest lock_request(const pg_uuid_t &id)
{
    if (run(Stmt::LockRequest, {p_uuid(id)}) == 0)
        fail(ERRCODE_NO_DATA_FOUND, "approval request " + uuid_text(id) + " does not exist");
    Row row(0);
    return {row.uuid(1),          row.uuid(2),           row.text(3), status_of(row.text(4)), row.text(5),
            row.int4(6),          row.opt_timestamptz(7), row.opt_uuid(8)};
}

// The votes cast so far, as committed now: the request's row lock, taken first, orders every decision
// on it, and a REPEATABLE READ snapshot may predate the votes of those that went before.
std::vector<rules::Vote> committed_votes(const pg_uuid_t &id)
{
    uint64 n = run(Stmt::VotesOf, {p_uuid(id)}, Snap::Latest);
    std::vector<rules::Vote> votes;
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        votes.push_back({row.text(1), row.text(2) == "approve"});
    }
    return votes;
}

void resolve(const LockedRequest &r, const char *status, const Identity &who, const std::optional<std::string> &note,
             const std::optional<TimestampTz> &approved_until)
{
    run(Stmt::ResolveRequest, {p_uuid(r.id), p_text(status), p_timestamptz(statement_time()), p_text(who.principal),
                               p_text_or_null(note), p_timestamptz_or_null(approved_until), p_text(who.login),
                               p_name(who.role_name), p_text(who.principal), p_timestamptz(event_time())});
    Row row(0);
    if (row.int8(1) != 1 || row.int8(2) != 1)
        fail(ERRCODE_TRIGGERED_ACTION_EXCEPTION,
             "approval request " + uuid_text(r.id) + " could not be marked " + status,
             "a trigger on the approval_gate tables skipped the write; approval_gate refuses to go on without it");
    events_queued(who);
}

} // namespace

const char *outcome_name(Outcome outcome)
{
    switch (outcome) {
    case Outcome::NotGated:
        return "not_gated";
    case Outcome::Approved:
        return "approved";
    case Outcome::Denied:
        return "denied";
    case Outcome::Pending:
        return "pending";
    }
    return "unknown";
}

bool member_of(Oid role, const std::string &role_name)
{
    Oid target = guarded(get_role_oid, role_name.c_str(), true);
    return OidIsValid(target) ? guarded(is_member_of_role, role, target) : guarded(superuser_arg, role);
}

Decision require(const GateKey &key, const std::optional<std::string> &reason, const Policy &policy,
                 const Identity &who)
{
    TimestampTz now = statement_time();
    LiveRows live = read_live(key);
    rules::LiveView view = rules::classify_live(live.requests, now, who.principal, policy.consumable_by_any);
    if (std::optional<pg_uuid_t> consumed = consume_first(live, view, who, "approval_gate_require"))
        return {Outcome::Approved, consumed};

    for (int attempt = 0; attempt < max_insert_attempts; attempt++) {
        if (attempt > 0) {
            live = read_live(key);
            view = rules::classify_live(live.requests, now, who.principal, policy.consumable_by_any);
        }
        if (view.pending) {
            const rules::LiveRequest &pending = live.requests[*view.pending];
            if (!rules::deadline_passed(pending.expires_at, now))
                return {Outcome::Pending, live.ids[*view.pending]};
            // Past its deadline but not yet swept: it must not be reused.
            expire_pending(live.ids[*view.pending], who);
        } else if (std::optional<Decision> denied = denied_within_cooldown(key, policy, who)) {
            return *denied;
        }
        if (std::optional<pg_uuid_t> created = create_pending(key, reason, policy, who))
            return {Outcome::Pending, created};
    }
    fail(ERRCODE_T_R_SERIALIZATION_FAILURE, "could not settle the pending request under concurrent changes",
         "retry the transaction");
}

std::optional<pg_uuid_t> consume(const GateKey &key, const Policy &policy, const Identity &who)
{
    LiveRows live = read_live(key);
    rules::LiveView view =
        rules::classify_live(live.requests, statement_time(), who.principal, policy.consumable_by_any);
    return consume_first(live, view, who, "approval_gate_consume");
}

std::string decide(const pg_uuid_t &request_id, const std::optional<std::string> &note, bool approve,
                   const Identity &who)
{
    require_writable(approve ? "approval_gate_approve" : "approval_gate_deny");
    LockedRequest r = lock_request(request_id);
    // A request whose action lost its policy after it was made has no approver any more (the views show
    // it to none), and an approval of it would gate nothing.
    std::optional<Policy> governing = policy_for(r.workspace_id, r.action);
    Policy policy = governing.value_or(Policy{});
    bool authorized = governing && member_of(who.role, policy.approver_role);
    if (!authorized && r.escalated_to) {
        std::optional<Policy> parent = policy_for(*r.escalated_to, r.action);
        authorized = parent && member_of(who.role, parent->approver_role);
    }
    // Says no more than the caller gave: neither the action nor the roles that may decide it.
    if (!authorized)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
             "role \"" + who.role_name + "\" may not decide approval request " + uuid_text(request_id));

    std::vector<rules::Vote> votes = committed_votes(request_id);
    switch (rules::vote_refusal(r.status, r.expires_at, statement_time(), r.requested_by, who.principal,
                                policy.allow_self_approval, votes)) {
    case rules::VoteRefusal::None:
        break;
    case rules::VoteRefusal::NotPending:
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "approval request " + uuid_text(request_id) + " is " +
                                                           rules::status_name(r.status) + ", not pending");
    case rules::VoteRefusal::Expired:
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "approval request " + uuid_text(request_id) + " has expired");
    case rules::VoteRefusal::SelfApproval:
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
             "approval request " + uuid_text(request_id) + " was requested by the same principal",
             "another approver must decide it, or the policy must allow self-approval");
    case rules::VoteRefusal::AlreadyVoted:
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
             "principal \"" + who.principal + "\" has already voted on approval request " + uuid_text(request_id));
    }

    run(Stmt::InsertVote, {p_uuid(request_id), p_text(who.principal), p_name(who.role_name),
                           p_text(approve ? "approve" : "deny"), p_text_or_null(note), p_timestamptz(statement_time()),
                           p_uuid(r.workspace_id), p_text(r.action), p_text(who.login), p_bool(approve)});
    Row recorded(0);
    if (recorded.int8(1) != 1 || recorded.int8(2) != (approve ? 1 : 0))
        fail(ERRCODE_TRIGGERED_ACTION_EXCEPTION, "the vote on approval request " + uuid_text(request_id) +
                                                     " was not recorded",
             "a trigger on the approval_gate tables skipped the write; approval_gate refuses to go on without it");
    if (approve)
        events_queued(who);

    if (!approve) {
        resolve(r, "denied", who, note, std::nullopt);
        return "denied";
    }
    votes.push_back({who.principal, true});
    if (!rules::quorum_reached(votes, r.required_approvals))
        return "pending";
    std::optional<TimestampTz> approved_until;
    if (policy.approval_ttl)
        approved_until = plus(statement_time(), *policy.approval_ttl);
    resolve(r, "approved", who, note, approved_until);
    return "approved";
}

std::string withdraw(const pg_uuid_t &request_id, const Identity &who)
{
    require_writable("approval_gate_withdraw");
    LockedRequest r = lock_request(request_id);
    switch (rules::withdraw_refusal(r.status, r.expires_at, statement_time(), r.requested_by, who.principal)) {
    case rules::WithdrawRefusal::None:
        break;
    case rules::WithdrawRefusal::NotRequester:
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
             "only the principal that requested approval request " + uuid_text(request_id) + " may withdraw it");
    case rules::WithdrawRefusal::NotPending:
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "approval request " + uuid_text(request_id) + " is " +
                                                           rules::status_name(r.status) + ", not pending");
    case rules::WithdrawRefusal::Expired:
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "approval request " + uuid_text(request_id) + " has expired");
    }
    resolve(r, "withdrawn", who, std::nullopt, std::nullopt);
    return "withdrawn";
}

int64 expire_due(const Identity &who)
{
    require_writable("approval_gate_expire");
    uint64 n = run(Stmt::ExpireDue, {p_timestamptz(statement_time())});
    std::vector<pg_uuid_t> workspaces, requests;
    std::vector<std::string> actions;
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        requests.push_back(row.uuid(1));
        workspaces.push_back(row.uuid(2));
        actions.push_back(row.text(3));
    }
    if (n > 0) {
        run(Stmt::QueueEvents, {p_uuid_array(workspaces), p_uuid_array(requests), p_text_array(actions),
                                p_text("expired"), p_text("expired"), p_text(who.login), p_name(who.role_name),
                                p_text(who.principal), p_timestamptz(event_time())});
        events_queued(who);
    }
    return static_cast<int64>(n);
}

} // namespace approval_gate
