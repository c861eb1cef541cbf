#include "statements.hpp"

#include "installation.hpp"
#include "owner_scope.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#include <array>
#include <cstring>
#include <stdexcept>

namespace approval_gate {

namespace {

struct StatementText {
    Stmt id;
    std::string sql;
    std::vector<Oid> arg_types;
    // Each statement is a lookup by key whose plan does not depend on its parameters: planned once.
    // The audit readers, with an optional filter, are left to the plan cache.
    bool generic_plan = true;
};

#define AG_POLICY_COLUMNS                                                                                        \
    "gated, required_approvals, approver_role, pending_ttl, approval_ttl, deny_cooldown, allow_self_approval, " \
    "consumable_by_any"

// The action's default: its own default row, else the built-in one. $1 is the action.
#define AG_DEFAULT_POLICY_OF_1                                                                                  \
    "SELECT c.* FROM (SELECT " AG_POLICY_COLUMNS ", 2 AS rank FROM @s@.approval_gate_policies"                 \
    "                  WHERE action = $1 AND workspace_id IS NULL"                                              \
    "                 UNION ALL SELECT " AG_POLICY_COLUMNS ", 3 FROM @s@.approval_gate_builtin_policies"        \
    "                  WHERE action = $1) c"                                                                    \
    " ORDER BY c.rank LIMIT 1"

#define AG_QUEUE_COLUMNS \
    "(workspace_id, request_id, action, event, status, actor, actor_role, principal, to_workspace_id, at)"

const std::array<StatementText, static_cast<size_t>(Stmt::Count_)> statements = {{
    {Stmt::LoadPolicy,
     "SELECT c.gated, c.required_approvals, c.approver_role::text, c.pending_ttl, c.approval_ttl, c.deny_cooldown,"
     "       c.allow_self_approval, c.consumable_by_any"
     "  FROM (SELECT " AG_POLICY_COLUMNS ", 1 AS rank FROM @s@.approval_gate_policies"
     "         WHERE action = $1 AND workspace_id = $2"
     "        UNION ALL (" AG_DEFAULT_POLICY_OF_1 ")) c"
     " ORDER BY c.rank LIMIT 1",
     {TEXTOID, UUIDOID}},
    // One row whatever the tables hold: the action's default (NULLs without one), and whether any
    // workspace has a row of its own for it.
    {Stmt::LoadActionPolicy,
     "SELECT d.gated, d.required_approvals, d.approver_role::text, d.pending_ttl, d.approval_ttl, d.deny_cooldown,"
     "       d.allow_self_approval, d.consumable_by_any,"
     "       EXISTS (SELECT FROM @s@.approval_gate_policies o WHERE o.action = $1 AND o.workspace_id IS NOT NULL)"
     "  FROM (SELECT) one LEFT JOIN LATERAL (" AG_DEFAULT_POLICY_OF_1 ") d ON true",
     {TEXTOID}},
    {Stmt::ActionGatedSomewhere,
     "SELECT EXISTS (SELECT FROM @s@.approval_gate_policies WHERE action = $1 AND workspace_id IS NOT NULL AND gated)"
     "    OR coalesce((SELECT d.gated FROM (" AG_DEFAULT_POLICY_OF_1 ") d), false)",
     {TEXTOID}},
    {Stmt::ActionHasAnyPolicy,
     "SELECT EXISTS (SELECT FROM @s@.approval_gate_policies WHERE action = $1)"
     "    OR EXISTS (SELECT FROM @s@.approval_gate_builtin_policies WHERE action = $1)",
     {TEXTOID}},
    {Stmt::UpsertPolicy,
     "INSERT INTO @s@.approval_gate_policies AS p"
     "       (action, workspace_id, " AG_POLICY_COLUMNS ")"
     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
     " ON CONFLICT ON CONSTRAINT approval_gate_policies_key DO UPDATE"
     "   SET gated = EXCLUDED.gated, required_approvals = EXCLUDED.required_approvals,"
     "       approver_role = EXCLUDED.approver_role, pending_ttl = EXCLUDED.pending_ttl,"
     "       approval_ttl = EXCLUDED.approval_ttl, deny_cooldown = EXCLUDED.deny_cooldown,"
     "       allow_self_approval = EXCLUDED.allow_self_approval, consumable_by_any = EXCLUDED.consumable_by_any",
     {TEXTOID, UUIDOID, BOOLOID, INT4OID, NAMEOID, INTERVALOID, INTERVALOID, INTERVALOID, BOOLOID, BOOLOID}},
    {Stmt::DeletePolicy,
     "DELETE FROM @s@.approval_gate_policies WHERE action = $1 AND workspace_id IS NOT DISTINCT FROM $2",
     {TEXTOID, UUIDOID}},
    {Stmt::EnsureDefaultPolicy,
     "INSERT INTO @s@.approval_gate_policies (action) VALUES ($1)"
     " ON CONFLICT ON CONSTRAINT approval_gate_policies_key DO NOTHING",
     {TEXTOID}},
    {Stmt::LockWorkspaces, "LOCK TABLE @s@.approval_gate_workspaces IN SHARE ROW EXCLUSIVE MODE", {}},
    {Stmt::ParentCycle,
     "WITH RECURSIVE up(id) AS ("
     "    SELECT $2::uuid"
     "    UNION"
     "    SELECT w.parent_id FROM @s@.approval_gate_workspaces w JOIN up ON w.workspace_id = up.id)"
     " SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)",
     {UUIDOID, UUIDOID}},
    {Stmt::UpsertParent,
     "INSERT INTO @s@.approval_gate_workspaces (workspace_id, parent_id) VALUES ($1, $2)"
     " ON CONFLICT (workspace_id) DO UPDATE SET parent_id = EXCLUDED.parent_id",
     {UUIDOID, UUIDOID}},
    {Stmt::DeleteParent, "DELETE FROM @s@.approval_gate_workspaces WHERE workspace_id = $1", {UUIDOID}},
    // The key's live requests, from the partial index that holds only live rows.
    {Stmt::LiveRequests,
     "SELECT id, status::text, expires_at, approved_until, requested_by, decided_at"
     "  FROM @s@.approval_gate_requests"
     " WHERE request_hash = $1 AND status IN ('pending', 'approved') AND workspace_id = $2 AND action = $3",
     {TEXTOID, UUIDOID, TEXTOID}},
    // The key's latest denial, whatever requests of other principals came after it.
    {Stmt::LatestDenial,
     "SELECT id, decided_at, requested_by FROM @s@.approval_gate_requests"
     " WHERE request_hash = $1 AND workspace_id = $2 AND action = $3 AND status = 'denied'"
     " ORDER BY decided_at DESC LIMIT 1",
     {TEXTOID, UUIDOID, TEXTOID}},
    // Takes the approval unless another transaction holds it (SKIP LOCKED), and queues the event, in
    // one statement: no row when it was held, consumed, or has run out since it was read.
    // consumed_at is the statement's time, or the approval's if it committed after the statement
    // began (its statements read with fresh snapshots): a consumption never precedes its approval.
    {Stmt::ConsumeApproved,
     "WITH claimed AS ("
     "    UPDATE @s@.approval_gate_requests r SET status = 'consumed', consumed_at = GREATEST($2, r.decided_at)"
     "     WHERE r.id = (SELECT l.id FROM @s@.approval_gate_requests l"
     "                    WHERE l.id = $1 AND l.status = 'approved' AND l.approved_until > $2"
     "                      FOR UPDATE SKIP LOCKED)"
     "    RETURNING r.id, r.workspace_id, r.action)"
     " INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     " SELECT c.workspace_id, c.id, c.action, 'consumed', 'consumed', $3, $4, $5, NULL, $6 FROM claimed c"
     " RETURNING request_id",
     {UUIDOID, TIMESTAMPTZOID, TEXTOID, NAMEOID, TEXTOID, TIMESTAMPTZOID}},
    // The pending request of a key and principal, unless one exists already (the unique partial index
    // settles concurrent first calls), with its requested (and escalated) events.
    {Stmt::CreatePending,
     "WITH created AS ("
     "    INSERT INTO @s@.approval_gate_requests AS r"
     "           (id, workspace_id, action, context, request_hash, reason, requested_by, requested_role,"
     "            required_approvals, created_at, expires_at, escalated_to)"
     "    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10 + $11,"
     "           (SELECT w.parent_id FROM @s@.approval_gate_workspaces w WHERE w.workspace_id = $2)"
     "    ON CONFLICT (workspace_id, action, request_hash, requested_by) WHERE status = 'pending' DO NOTHING"
     "    RETURNING r.id, r.escalated_to),"
     " queued AS ("
     "    INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     "    SELECT e.ws, e.req, e.act, e.ev, e.st, e.actor, e.role, e.principal, e.to_ws, e.at"
     "      FROM (SELECT $2::uuid, c.id, $3::text, 'requested'::text, 'pending'::text, $12::text, $8::name,"
     "                   $7::text, NULL::uuid, $10::timestamptz, 1 FROM created c"
     "            UNION ALL"
     "            SELECT $2, c.id, $3, 'escalated', 'pending', $12, $8, $7, c.escalated_to, $10, 2"
     "              FROM created c WHERE c.escalated_to IS NOT NULL)"
     "           AS e(ws, req, act, ev, st, actor, role, principal, to_ws, at, ord)"
     "     ORDER BY e.ord"
     "    RETURNING 1)"
     " SELECT c.id, c.escalated_to, (SELECT count(*) FROM queued) FROM created c",
     {UUIDOID, UUIDOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, INT4OID, TIMESTAMPTZOID,
      INTERVALOID, TEXTOID}},
    {Stmt::ExpirePending,
     "WITH expired AS ("
     "    UPDATE @s@.approval_gate_requests SET status = 'expired' WHERE id = $1 AND status = 'pending'"
     "    RETURNING id, workspace_id, action)"
     " INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     " SELECT e.workspace_id, e.id, e.action, 'expired', 'expired', $2, $3, $4, NULL, $5 FROM expired e"
     " RETURNING request_id",
     {UUIDOID, TEXTOID, NAMEOID, TEXTOID, TIMESTAMPTZOID}},
    {Stmt::LockRequest,
     "SELECT id, workspace_id, action, status::text, requested_by, required_approvals, expires_at, escalated_to"
     "  FROM @s@.approval_gate_requests WHERE id = $1 FOR UPDATE",
     {UUIDOID}},
    {Stmt::VotesOf, "SELECT principal, decision::text FROM @s@.approval_gate_votes WHERE request_id = $1", {UUIDOID}},
    {Stmt::InsertVote,
     "WITH voted AS ("
     "    INSERT INTO @s@.approval_gate_votes (request_id, principal, voter_role, decision, note, voted_at)"
     "    VALUES ($1, $2, $3, $4, $5, $6) RETURNING request_id),"
     " queued AS ("
     "    INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     "    SELECT $7, v.request_id, $8, 'vote', 'pending', $9, $3, $2, NULL, $6 FROM voted v WHERE $10"
     "    RETURNING 1)"
     " SELECT (SELECT count(*) FROM voted), (SELECT count(*) FROM queued)",
     {UUIDOID, TEXTOID, NAMEOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, UUIDOID, TEXTOID, TEXTOID, BOOLOID}},
    // The event is named after the status the request reaches: approved, denied or withdrawn.
    {Stmt::ResolveRequest,
     "WITH resolved AS ("
     "    UPDATE @s@.approval_gate_requests"
     "       SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5, approved_until = $6"
     "     WHERE id = $1 RETURNING id, workspace_id, action),"
     " queued AS ("
     "    INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     "    SELECT r.workspace_id, r.id, r.action, $2, $2, $7, $8, $9, NULL, $10 FROM resolved r"
     "    RETURNING 1)"
     " SELECT (SELECT count(*) FROM resolved), (SELECT count(*) FROM queued)",
     {UUIDOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, NAMEOID, TEXTOID,
      TIMESTAMPTZOID}},
    {Stmt::ExpireDue,
     "UPDATE @s@.approval_gate_requests SET status = 'expired'"
     " WHERE (status = 'pending' AND expires_at <= $1) OR (status = 'approved' AND approved_until <= $1)"
     " RETURNING id, workspace_id, action",
     {TIMESTAMPTZOID}},
    {Stmt::QueueEvents,
     "INSERT INTO @s@.approval_gate_event_queue " AG_QUEUE_COLUMNS
     " SELECT u.ws, u.req, u.act, $4, $5, $6, $7, $8, NULL, $9"
     "   FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(ws, req, act)",
     {UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, TEXTOID, TIMESTAMPTZOID}},
    // Sealing is serialised by this lock: it conflicts with itself and with a prune's row lock, not
    // with the inserts into the queue nor with readers.
    {Stmt::LockChainHeads, "LOCK TABLE @s@.approval_gate_event_heads IN EXCLUSIVE MODE", {}},
    {Stmt::ReadQueue,
     "SELECT id, workspace_id, request_id, action, event::text, status, actor, actor_role::text, principal,"
     "       to_workspace_id, at"
     "  FROM @s@.approval_gate_event_queue ORDER BY id LIMIT $1",
     {INT8OID}},
    {Stmt::ReadHeads, "SELECT workspace_id, seq, hash FROM @s@.approval_gate_event_heads WHERE workspace_id = ANY ($1)",
     {UUIDARRAYOID}},
    {Stmt::InsertEvents,
     "INSERT INTO @s@.approval_gate_events"
     "       (workspace_id, seq, request_id, action, event, status, actor, actor_role, principal, to_workspace_id,"
     "        at, prev_hash, hash)"
     " SELECT * FROM unnest($1::uuid[], $2::int8[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],"
     "                      $8::text[], $9::text[], $10::uuid[], $11::timestamptz[], $12::text[], $13::text[])",
     {UUIDARRAYOID, INT8ARRAYOID, UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
      TEXTARRAYOID, TEXTARRAYOID, UUIDARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID}},
    {Stmt::UpsertHeads,
     "INSERT INTO @s@.approval_gate_event_heads (workspace_id, seq, hash)"
     " SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[])"
     " ON CONFLICT (workspace_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
     {UUIDARRAYOID, INT8ARRAYOID, TEXTARRAYOID}},
    {Stmt::DeleteQueued, "DELETE FROM @s@.approval_gate_event_queue WHERE id = ANY ($1)", {INT8ARRAYOID}},
    {Stmt::ReadEvents,
     "SELECT workspace_id, seq, request_id, action, event::text, status, actor, actor_role::text, principal,"
     "       to_workspace_id, at, prev_hash, hash"
     "  FROM @s@.approval_gate_events WHERE $1::uuid IS NULL OR workspace_id = $1"
     " ORDER BY workspace_id, seq",
     {UUIDOID}, false},
    {Stmt::ReadEventHeads,
     "SELECT h.workspace_id, h.seq, (SELECT max(e.seq) FROM @s@.approval_gate_events e"
     "                                WHERE e.workspace_id = h.workspace_id),"
     "       h.hash, (SELECT e.hash FROM @s@.approval_gate_events e"
     "                 WHERE e.workspace_id = h.workspace_id AND e.seq = h.seq)"
     "  FROM @s@.approval_gate_event_heads h WHERE $1::uuid IS NULL OR h.workspace_id = $1"
     " ORDER BY h.workspace_id",
     {UUIDOID}, false},
    {Stmt::ReadPruneAnchors,
     "SELECT DISTINCT ON (workspace_id) workspace_id, through_seq, anchor_hash"
     "  FROM @s@.approval_gate_event_prunes WHERE $1::uuid IS NULL OR workspace_id = $1"
     " ORDER BY workspace_id, through_seq DESC",
     {UUIDOID}, false},
    {Stmt::CountUnsealed,
     "SELECT workspace_id, count(*), min(at) FROM @s@.approval_gate_event_queue"
     " WHERE $1::uuid IS NULL OR workspace_id = $1 GROUP BY workspace_id ORDER BY workspace_id",
     {UUIDOID}, false},
    {Stmt::DigestHeads,
     "SELECT h.workspace_id, h.seq, h.hash, e.at FROM @s@.approval_gate_event_heads h"
     "  LEFT JOIN @s@.approval_gate_events e ON e.workspace_id = h.workspace_id AND e.seq = h.seq"
     " WHERE h.seq > 0 ORDER BY h.workspace_id",
     {}, false},
    {Stmt::DigestParts, "SELECT ($1 -> 'chains')::text, $1 ->> 'digest'", {JSONBOID}},
    {Stmt::DigestChains,
     "SELECT (c ->> 'workspace_id')::uuid, (c ->> 'seq')::bigint, c ->> 'hash'"
     "  FROM jsonb_array_elements(CASE jsonb_typeof($1 -> 'chains') WHEN 'array' THEN $1 -> 'chains'"
     "                            ELSE '[]'::jsonb END) c",
     {JSONBOID}},
    // A chain as it stands at one seq: its head, the event there, and any pruning that reached it.
    {Stmt::ChainAt,
     "SELECT (SELECT h.seq FROM @s@.approval_gate_event_heads h WHERE h.workspace_id = $1),"
     "       (SELECT e.hash FROM @s@.approval_gate_events e WHERE e.workspace_id = $1 AND e.seq = $2),"
     "       (SELECT p.anchor_hash FROM @s@.approval_gate_event_prunes p"
     "         WHERE p.workspace_id = $1 AND p.through_seq = $2),"
     "       (SELECT max(p.through_seq) FROM @s@.approval_gate_event_prunes p WHERE p.workspace_id = $1)",
     {UUIDOID, INT8OID}},
    {Stmt::LockEventHead, "SELECT seq FROM @s@.approval_gate_event_heads WHERE workspace_id = $1 FOR UPDATE",
     {UUIDOID}},
    {Stmt::EventHash, "SELECT hash FROM @s@.approval_gate_events WHERE workspace_id = $1 AND seq = $2",
     {UUIDOID, INT8OID}},
    {Stmt::DeleteEventsThrough, "DELETE FROM @s@.approval_gate_events WHERE workspace_id = $1 AND seq <= $2",
     {UUIDOID, INT8OID}},
    {Stmt::InsertPrune,
     "INSERT INTO @s@.approval_gate_event_prunes"
     "       (workspace_id, through_seq, anchor_hash, events_removed, pruned_by, pruned_role, pruned_at)"
     " VALUES ($1, $2, $3, $4, $5, $6, statement_timestamp())",
     {UUIDOID, INT8OID, TEXTOID, INT8OID, TEXTOID, NAMEOID}},
    {Stmt::LoadProtection,
     "SELECT action, workspace_column::text, key_columns::text[], operations, gated_roles::text[]"
     "  FROM @s@.approval_gate_protected WHERE target = $1",
     {OIDOID}},
    {Stmt::UpsertProtection,
     "INSERT INTO @s@.approval_gate_protected AS p"
     "       (target, action, workspace_column, key_columns, operations, gated_roles, protected_by, protected_at)"
     " VALUES ($1, $2, $3, $4::name[], $5, $6::name[], $7, statement_timestamp())"
     " ON CONFLICT (target) DO UPDATE"
     "   SET action = EXCLUDED.action, workspace_column = EXCLUDED.workspace_column,"
     "       key_columns = EXCLUDED.key_columns, operations = EXCLUDED.operations,"
     "       gated_roles = EXCLUDED.gated_roles, protected_by = EXCLUDED.protected_by,"
     "       protected_at = EXCLUDED.protected_at",
     {OIDOID, TEXTOID, NAMEOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID}},
    {Stmt::DeleteProtection, "DELETE FROM @s@.approval_gate_protected WHERE target = $1", {OIDOID}},
    // Rows of dropped tables: their OIDs may be reused, and a restore would bind them to other tables.
    {Stmt::ForgetDroppedProtections,
     "DELETE FROM @s@.approval_gate_protected p"
     " WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = p.target)",
     {}},
}};

std::array<SPIPlanPtr, static_cast<size_t>(Stmt::Count_)> plans{};
Oid plans_prepared_for = InvalidOid;

std::string with_schema(const std::string &sql, const std::string &schema)
{
    std::string text = sql;
    const std::string marker = "@s@";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + schema.size()))
        text.replace(at, marker.size(), schema);
    return text;
}

SPIPlanPtr prepare_kept(const char *sql, int nargs, Oid *types, int options)
{
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, options);
    if (plan == nullptr)
        elog(ERROR, "approval_gate: could not prepare a statement (%s): %s", SPI_result_code_string(SPI_result),
             sql);
    SPI_keepplan(plan);
    return plan;
}

int execute_latest(SPIPlanPtr plan, Datum *values, const char *nulls)
{
    return SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot, true, false, 0);
}

SPIPlanPtr plan_for(Stmt stmt, const Installation &inst)
{
    if (plans_prepared_for != inst.extension_oid) {
        forget_statements();
        plans_prepared_for = inst.extension_oid;
    }
    SPIPlanPtr &slot = plans[static_cast<size_t>(stmt)];
    if (slot)
        return slot;
    const StatementText &text = statements[static_cast<size_t>(stmt)];
    if (text.id != stmt)
        throw std::logic_error("approval_gate: statement table out of order");
    std::string sql = with_schema(text.sql, inst.schema);
    std::vector<Oid> types = text.arg_types;
    slot = guarded(prepare_kept, sql.c_str(), static_cast<int>(types.size()), types.data(),
                   text.generic_plan ? CURSOR_OPT_GENERIC_PLAN : 0);
    return slot;
}

Datum make_array(Datum *elements, bool *nulls, int count, Oid element_type, int16 typlen, bool byval, char align)
{
    int dims[1] = {count};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(elements, nulls, 1, dims, lbs, element_type, typlen, byval, align));
}

// Copies of plain values live in palloc'd memory so that their Datums outlive this call.
template <typename T>
Datum palloc_copy(const T &value)
{
    auto *copy = static_cast<T *>(guarded(palloc, sizeof(T)));
    *copy = value;
    return PointerGetDatum(copy);
}

Datum text_datum(const std::string &s)
{
    return PointerGetDatum(guarded(cstring_to_text_with_len, s.data(), static_cast<int>(s.size())));
}

Datum text_array_datum(const std::vector<std::optional<std::string>> &values)
{
    std::vector<Datum> elements(values.size());
    std::vector<char> nulls(values.size());
    for (size_t i = 0; i < values.size(); i++) {
        nulls[i] = !values[i];
        elements[i] = values[i] ? text_datum(*values[i]) : (Datum)0;
    }
    return guarded(make_array, elements.data(), reinterpret_cast<bool *>(nulls.data()),
                   static_cast<int>(values.size()), static_cast<Oid>(TEXTOID), static_cast<int16>(-1), false,
                   TYPALIGN_INT);
}

} // namespace

void forget_statements()
{
    for (SPIPlanPtr &plan : plans) {
        if (plan) {
            SPIPlanPtr doomed = plan;
            plan = nullptr;
            guarded(SPI_freeplan, doomed);
        }
    }
}

Param p_null(Oid type) { return {type, (Datum)0, true}; }
Param p_text(const std::string &s) { return {TEXTOID, text_datum(s), false}; }
Param p_text_or_null(const std::optional<std::string> &s) { return s ? p_text(*s) : p_null(TEXTOID); }
Param p_name(const std::string &s)
{
    auto *name = static_cast<NameData *>(guarded(palloc0, static_cast<Size>(NAMEDATALEN)));
    strlcpy(NameStr(*name), s.c_str(), NAMEDATALEN);
    return {NAMEOID, NameGetDatum(name), false};
}
Param p_uuid(const pg_uuid_t &u) { return {UUIDOID, palloc_copy(u), false}; }
Param p_uuid_or_null(const std::optional<pg_uuid_t> &u) { return u ? p_uuid(*u) : p_null(UUIDOID); }
Param p_int4(int32 v) { return {INT4OID, Int32GetDatum(v), false}; }
Param p_int8(int64 v) { return {INT8OID, Int64GetDatum(v), false}; }
Param p_bool(bool v) { return {BOOLOID, BoolGetDatum(v), false}; }
Param p_oid(Oid v) { return {OIDOID, ObjectIdGetDatum(v), false}; }
Param p_jsonb(Datum jsonb) { return {JSONBOID, jsonb, false}; }
Param p_timestamptz(TimestampTz v) { return {TIMESTAMPTZOID, TimestampTzGetDatum(v), false}; }
Param p_timestamptz_or_null(const std::optional<TimestampTz> &v)
{
    return v ? p_timestamptz(*v) : p_null(TIMESTAMPTZOID);
}
Param p_interval_or_null(const std::optional<Interval> &v)
{
    return v ? Param{INTERVALOID, palloc_copy(*v), false} : p_null(INTERVALOID);
}

Param p_text_array(const std::vector<std::string> &values)
{
    return p_text_array_with_nulls(std::vector<std::optional<std::string>>(values.begin(), values.end()));
}

Param p_text_array_or_null(const std::optional<std::vector<std::string>> &values)
{
    return values ? p_text_array(*values) : p_null(TEXTARRAYOID);
}

Param p_text_array_with_nulls(const std::vector<std::optional<std::string>> &values)
{
    return {TEXTARRAYOID, text_array_datum(values), false};
}

Param p_uuid_array_with_nulls(const std::vector<std::optional<pg_uuid_t>> &values)
{
    std::vector<Datum> elements(values.size());
    std::vector<char> nulls(values.size());
    for (size_t i = 0; i < values.size(); i++) {
        nulls[i] = !values[i];
        elements[i] = values[i] ? palloc_copy(*values[i]) : (Datum)0;
    }
    return {UUIDARRAYOID,
            guarded(make_array, elements.data(), reinterpret_cast<bool *>(nulls.data()),
                    static_cast<int>(values.size()), static_cast<Oid>(UUIDOID), static_cast<int16>(UUID_LEN), false,
                    TYPALIGN_CHAR),
            false};
}

Param p_uuid_array(const std::vector<pg_uuid_t> &values)
{
    return p_uuid_array_with_nulls(std::vector<std::optional<pg_uuid_t>>(values.begin(), values.end()));
}

Param p_int8_array(const std::vector<int64> &values)
{
    std::vector<Datum> elements(values.size());
    for (size_t i = 0; i < values.size(); i++)
        elements[i] = Int64GetDatum(values[i]);
    return {INT8ARRAYOID,
            guarded(make_array, elements.data(), static_cast<bool *>(nullptr), static_cast<int>(values.size()),
                    static_cast<Oid>(INT8OID), static_cast<int16>(8), true, TYPALIGN_DOUBLE),
            false};
}

Param p_timestamptz_array(const std::vector<TimestampTz> &values)
{
    std::vector<Datum> elements(values.size());
    for (size_t i = 0; i < values.size(); i++)
        elements[i] = TimestampTzGetDatum(values[i]);
    return {TIMESTAMPTZARRAYOID,
            guarded(make_array, elements.data(), static_cast<bool *>(nullptr), static_cast<int>(values.size()),
                    static_cast<Oid>(TIMESTAMPTZOID), static_cast<int16>(8), true, TYPALIGN_DOUBLE),
            false};
}

uint64 run(Stmt stmt, std::initializer_list<Param> params, Snap snap)
{
    OwnerScope *scope = active_owner_scope();
    if (!scope)
        throw std::logic_error("approval_gate: a statement ran outside an OwnerScope");
    scope->pin_search_path();
    SPIPlanPtr plan = plan_for(stmt, installation());
    const StatementText &text = statements[static_cast<size_t>(stmt)];
    if (params.size() != text.arg_types.size())
        throw std::logic_error("approval_gate: wrong number of parameters for a statement");
    std::vector<Datum> values(params.size());
    std::string nulls(params.size(), ' ');
    size_t i = 0;
    for (const Param &p : params) {
        if (p.type != text.arg_types[i])
            throw std::logic_error("approval_gate: wrong parameter type for a statement");
        values[i] = p.value;
        if (p.isnull)
            nulls[i] = 'n';
        i++;
    }
    int rc = snap == Snap::Latest ? guarded(execute_latest, plan, values.data(), nulls.c_str())
                                  : guarded(SPI_execute_plan, plan, values.data(), nulls.c_str(), false, 0L);
    if (rc < 0)
        throw std::runtime_error(std::string("approval_gate: a statement failed: ") + SPI_result_code_string(rc));
    return SPI_processed;  // unguarded: reads a variable
}

Row::Row(uint64 index) : index_(index)
{
    if (SPI_tuptable == nullptr || index >= SPI_processed)  // unguarded: reads two variables
        throw std::logic_error("approval_gate: no such result row");
}

Datum Row::cell(int col, bool &isnull) const
{
    // unguarded: a column of a tuple the executor just formed, fetched without detoasting.
    return SPI_getbinval(SPI_tuptable->vals[index_], SPI_tuptable->tupdesc, col, &isnull);
}

bool Row::is_null(int col) const
{
    bool isnull;
    cell(col, isnull);
    return isnull;
}

std::optional<pg_uuid_t> Row::opt_uuid(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    if (isnull)
        return std::nullopt;
    return *DatumGetUUIDP(d);
}

pg_uuid_t Row::uuid(int col) const
{
    std::optional<pg_uuid_t> u = opt_uuid(col);
    if (!u)
        throw std::logic_error("approval_gate: unexpected NULL uuid");
    return *u;
}

std::optional<std::string> Row::opt_text(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    if (isnull)
        return std::nullopt;
    auto *t = reinterpret_cast<::text *>(
        guarded(pg_detoast_datum_packed, reinterpret_cast<varlena *>(DatumGetPointer(d))));
    return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::string Row::text(int col) const { return opt_text(col).value_or(std::string()); }

int64 Row::int8(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

int32 Row::int4(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    return isnull ? 0 : DatumGetInt32(d);
}

bool Row::boolean(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    return !isnull && DatumGetBool(d);
}

std::optional<TimestampTz> Row::opt_timestamptz(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    if (isnull)
        return std::nullopt;
    return DatumGetTimestampTz(d);
}

TimestampTz Row::timestamptz(int col) const
{
    std::optional<TimestampTz> t = opt_timestamptz(col);
    if (!t)
        throw std::logic_error("approval_gate: unexpected NULL timestamp");
    return *t;
}

std::optional<Interval> Row::opt_interval(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    if (isnull)
        return std::nullopt;
    return *DatumGetIntervalP(d);
}

namespace {
struct TextElements {
    Datum *values;
    bool *nulls;
    int count;
};

void deconstruct_text_array(Datum array, TextElements *out)
{
    deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &out->values, &out->nulls,
                      &out->count);
}
} // namespace

std::optional<std::vector<std::string>> Row::opt_text_array(int col) const
{
    bool isnull;
    Datum d = cell(col, isnull);
    if (isnull)
        return std::nullopt;
    TextElements elements{};
    guarded(deconstruct_text_array, d, &elements);
    std::vector<std::string> out;
    for (int i = 0; i < elements.count; i++) {
        if (elements.nulls[i])
            throw std::logic_error("approval_gate: unexpected NULL array element");
        auto *t = reinterpret_cast<::text *>(
            guarded(pg_detoast_datum_packed, reinterpret_cast<varlena *>(DatumGetPointer(elements.values[i]))));
        out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    }
    return out;
}

} // namespace approval_gate
