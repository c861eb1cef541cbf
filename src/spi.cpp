#include "spi.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#include <array>
#include <cstring>
#include <regex>

namespace approval_gate {

namespace {

struct StatementText {
    Stmt id;
    const char *sql;
    std::vector<Oid> arg_types;
    // Every statement is an index lookup whose plan does not depend on its parameters, so it is
    // planned once (a custom plan per call would cost more than the statement); the audit readers,
    // whose filter is optional, are left to the plan cache.
    bool generic_plan = true;
};

// One place for every statement: column order here is what the callers read.
const std::array<StatementText, static_cast<size_t>(Stmt::Count_)> statements = {{
    {Stmt::LoadPolicy,
     "SELECT gated, required_approvals, approver_role::text, pending_ttl, approval_ttl, deny_cooldown,"
     "       allow_self_approval"
     "  FROM @s@.approval_gate_policies"
     " WHERE action = $1 AND (workspace_id = $2 OR workspace_id IS NULL)"
     " ORDER BY workspace_id NULLS LAST LIMIT 1",
     {TEXTOID, UUIDOID}},
    // One row whatever the table holds: the default row's columns (NULL without one), and whether any
    // workspace has a row of its own for the action.
    {Stmt::LoadActionPolicy,
     "SELECT d.gated, d.required_approvals, d.approver_role::text, d.pending_ttl, d.approval_ttl, d.deny_cooldown,"
     "       d.allow_self_approval,"
     "       EXISTS (SELECT FROM @s@.approval_gate_policies o WHERE o.action = $1 AND o.workspace_id IS NOT NULL)"
     "  FROM (SELECT) one"
     "  LEFT JOIN @s@.approval_gate_policies d ON d.action = $1 AND d.workspace_id IS NULL",
     {TEXTOID}},
    {Stmt::LatestRequest,
     "SELECT id, status, decided_at FROM @s@.approval_gate_requests"
     " WHERE request_hash = $1 AND workspace_id = $2 AND action = $3"
     " ORDER BY created_at DESC LIMIT 1",
     {TEXTOID, UUIDOID, TEXTOID}},
    {Stmt::FindPending,
     "SELECT id, expires_at FROM @s@.approval_gate_requests"
     " WHERE workspace_id = $2 AND action = $3 AND request_hash = $1 AND status = 'pending'",
     {TEXTOID, UUIDOID, TEXTOID}},
    {Stmt::ExpirePendingById,
     "UPDATE @s@.approval_gate_requests SET status = 'expired'"
     " WHERE id = $1 AND status = 'pending' RETURNING id",
     {UUIDOID}},
    {Stmt::InsertPending,
     "INSERT INTO @s@.approval_gate_requests AS r"
     "       (id, workspace_id, action, context, request_hash, reason, requested_by, requested_role,"
     "        required_approvals, created_at, expires_at, escalated_to)"
     " SELECT $10, $1, $2, $3, $4, $5, $6, $7, $8, now.t, now.t + $9,"
     "        (SELECT parent_id FROM @s@.approval_gate_workspaces WHERE workspace_id = $1)"
     "   FROM (SELECT clock_timestamp() AS t) now"
     " ON CONFLICT (workspace_id, action, request_hash) WHERE status = 'pending' DO NOTHING"
     " RETURNING id, escalated_to",
     {UUIDOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, INT4OID, INTERVALOID, UUIDOID}},
    {Stmt::InsertVote,
     "INSERT INTO @s@.approval_gate_votes (request_id, voter_role, actor, decision, note, voted_at)"
     " VALUES ($1, $2, $3, $4, $5, statement_timestamp())"
     " ON CONFLICT (request_id, voter_role) DO NOTHING RETURNING 1",
     {UUIDOID, NAMEOID, TEXTOID, TEXTOID, TEXTOID}},
    {Stmt::CountApprovals,
     "SELECT count(*) FROM @s@.approval_gate_votes WHERE request_id = $1 AND decision = 'approve'",
     {UUIDOID}},
    {Stmt::ExpireDue,
     "UPDATE @s@.approval_gate_requests SET status = 'expired'"
     " WHERE (status = 'pending' AND expires_at <= statement_timestamp())"
     "    OR (status = 'approved' AND approved_until <= statement_timestamp())"
     " RETURNING id, workspace_id, action",
     {}},
    {Stmt::UpsertPolicy,
     "INSERT INTO @s@.approval_gate_policies AS p"
     "       (action, workspace_id, gated, required_approvals, approver_role, pending_ttl, approval_ttl,"
     "        deny_cooldown, allow_self_approval)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
     " ON CONFLICT ON CONSTRAINT approval_gate_policies_key DO UPDATE"
     "   SET gated = EXCLUDED.gated, required_approvals = EXCLUDED.required_approvals,"
     "       approver_role = EXCLUDED.approver_role, pending_ttl = EXCLUDED.pending_ttl,"
     "       approval_ttl = EXCLUDED.approval_ttl, deny_cooldown = EXCLUDED.deny_cooldown,"
     "       allow_self_approval = EXCLUDED.allow_self_approval",
     {TEXTOID, UUIDOID, BOOLOID, INT4OID, NAMEOID, INTERVALOID, INTERVALOID, INTERVALOID, BOOLOID}},
    {Stmt::DeletePolicy,
     "DELETE FROM @s@.approval_gate_policies WHERE action = $1 AND workspace_id IS NOT DISTINCT FROM $2",
     {TEXTOID, UUIDOID}},
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
    {Stmt::StartEventChain,
     "INSERT INTO @s@.approval_gate_event_heads (workspace_id, seq, hash) VALUES ($1, 0, $2)"
     " ON CONFLICT (workspace_id) DO NOTHING",
     {UUIDOID, TEXTOID}},
    {Stmt::EventHash,
     "SELECT hash FROM @s@.approval_gate_events WHERE workspace_id = $1 AND seq = $2",
     {UUIDOID, INT8OID}},
    {Stmt::ReadEvents,
     "SELECT workspace_id, seq, request_id, action, event, status, actor, actor_role::text, to_workspace_id,"
     "       at, prev_hash, hash"
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
    {Stmt::LoadProtection,
     "SELECT action, workspace_column::text, key_columns::text[], operations, gated_roles::text[]"
     "  FROM @s@.approval_gate_protected WHERE target = $1",
     {OIDOID}},
    {Stmt::UpsertProtection,
     "INSERT INTO @s@.approval_gate_protected AS p"
     "       (target, action, workspace_column, key_columns, operations, gated_roles, protected_by)"
     " VALUES ($1, $2, $3, $4::name[], $5, $6::name[], $7)"
     " ON CONFLICT (target) DO UPDATE"
     "   SET action = EXCLUDED.action, workspace_column = EXCLUDED.workspace_column,"
     "       key_columns = EXCLUDED.key_columns, operations = EXCLUDED.operations,"
     "       gated_roles = EXCLUDED.gated_roles, protected_by = EXCLUDED.protected_by,"
     "       protected_at = EXCLUDED.protected_at",
     {OIDOID, TEXTOID, NAMEOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID}},
    {Stmt::DeleteProtection, "DELETE FROM @s@.approval_gate_protected WHERE target = $1", {OIDOID}},
    {Stmt::EnsurePolicy,
     "INSERT INTO @s@.approval_gate_policies (action) VALUES ($1)"
     " ON CONFLICT ON CONSTRAINT approval_gate_policies_key DO NOTHING",
     {TEXTOID}},
    {Stmt::LockEventHead,
     "SELECT seq FROM @s@.approval_gate_event_heads WHERE workspace_id = $1 FOR UPDATE",
     {UUIDOID}},
    {Stmt::DeleteEventsThrough,
     "DELETE FROM @s@.approval_gate_events WHERE workspace_id = $1 AND seq <= $2",
     {UUIDOID, INT8OID}},
    {Stmt::InsertPrune,
     "INSERT INTO @s@.approval_gate_event_prunes"
     "       (workspace_id, through_seq, anchor_hash, events_removed, pruned_by, pruned_role, pruned_at)"
     " VALUES ($1, $2, $3, $4, $5, $6, statement_timestamp())",
     {UUIDOID, INT8OID, TEXTOID, INT8OID, TEXTOID, NAMEOID}},
    {Stmt::ReadPruneAnchors,
     "SELECT DISTINCT ON (workspace_id) workspace_id, through_seq, anchor_hash"
     "  FROM @s@.approval_gate_event_prunes WHERE $1::uuid IS NULL OR workspace_id = $1"
     " ORDER BY workspace_id, through_seq DESC",
     {UUIDOID}, false},
}};

Installation current;
bool installation_valid = false;
// The innermost open GateScope (a protect trigger can open one inside another's statement).
GateScope *active_scope = nullptr;
std::array<SPIPlanPtr, static_cast<size_t>(Stmt::Count_)> plans{};
uint64 policy_generation = 0;

void forget_installation()
{
    installation_valid = false;
    // Plans are released lazily, on the next load, never from inside an invalidation callback.
}

void on_relcache_invalidation(Datum, Oid relid)
{
    if (relid == InvalidOid || relid == current.policies_table)
        policy_generation++;
    if (relid == InvalidOid || relid == current.requests_table)
        forget_installation();
}

std::string substitute_schema(const char *sql, const std::string &schema)
{
    std::string text(sql);
    const std::string marker = "@s@";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + schema.size()))
        text.replace(at, marker.size(), schema);
    return text;
}

void load_installation()
{
    for (SPIPlanPtr &plan : plans) {
        if (plan) {
            SPIPlanPtr doomed = plan;
            plan = nullptr;
            pg_call([&] { SPI_freeplan(doomed); });
        }
    }
    Installation loaded;
    pg_call([&] {
        loaded.extension_oid = get_extension_oid("approval_gate", false);
        Datum arg = ObjectIdGetDatum(loaded.extension_oid);
        Oid argtype = OIDOID;
        if (SPI_execute_with_args("SELECT extowner, extnamespace FROM pg_catalog.pg_extension WHERE oid OPERATOR(pg_catalog.=) $1", 1,
                                  &argtype, &arg, nullptr, true, 1) != SPI_OK_SELECT ||
            SPI_processed != 1)
            elog(ERROR, "approval_gate: extension row not found");
        bool isnull;
        loaded.owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        Oid schema_oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
        loaded.schema = quote_identifier(get_namespace_name(schema_oid));
        loaded.policies_table = get_relname_relid("approval_gate_policies", schema_oid);
        loaded.requests_table = get_relname_relid("approval_gate_requests", schema_oid);
        loaded.requests_key = get_relname_relid("approval_gate_requests_pkey", schema_oid);
        loaded.live_requests_index = get_relname_relid("approval_gate_requests_live", schema_oid);
        loaded.events_table = get_relname_relid("approval_gate_events", schema_oid);
        loaded.event_heads_table = get_relname_relid("approval_gate_event_heads", schema_oid);
        loaded.event_heads_key = get_relname_relid("approval_gate_event_heads_pkey", schema_oid);
    });
    current = loaded;
    installation_valid = true;
    policy_generation++;
}

SPIPlanPtr plan_for(Stmt stmt)
{
    SPIPlanPtr &slot = plans[static_cast<size_t>(stmt)];
    if (slot)
        return slot;
    const StatementText &text = statements[static_cast<size_t>(stmt)];
    if (text.id != stmt)
        throw std::logic_error("approval_gate: statement table out of order");
    std::string sql = substitute_schema(text.sql, current.schema);
    std::vector<Oid> types = text.arg_types;
    slot = pg_call([&] {
        SPIPlanPtr plan = SPI_prepare_cursor(sql.c_str(), static_cast<int>(types.size()), types.data(),
                                             text.generic_plan ? CURSOR_OPT_GENERIC_PLAN : 0);
        if (plan == nullptr)
            elog(ERROR, "approval_gate: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result),
                 sql.c_str());
        SPI_keepplan(plan);
        return plan;
    });
    return slot;
}

Datum cell(uint64 row, int col, bool &isnull)
{
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
}

} // namespace

const Installation &installation()
{
    if (!installation_valid)
        load_installation();
    return current;
}

bool policies_changed_since(uint64 &seen_generation)
{
    if (seen_generation == policy_generation)
        return false;
    seen_generation = policy_generation;
    return true;
}

void register_invalidation_callbacks()
{
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
}

Datum text_datum(const std::string &s)
{
    return pg_call([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))); });
}

Datum uuid_datum(const pg_uuid_t &u)
{
    auto *copy = static_cast<pg_uuid_t *>(pg_call([] { return palloc(sizeof(pg_uuid_t)); }));
    *copy = u;
    return UUIDPGetDatum(copy);
}

Param p_text(const std::string &s) { return {TEXTOID, text_datum(s), false}; }

Param p_text_or_null(const std::optional<std::string> &s) { return s ? p_text(*s) : p_null(TEXTOID); }

Param p_uuid(const pg_uuid_t &u) { return {UUIDOID, uuid_datum(u), false}; }

Param p_uuid_or_null(const std::optional<pg_uuid_t> &u) { return u ? p_uuid(*u) : p_null(UUIDOID); }
Param p_int4(int32 v) { return {INT4OID, Int32GetDatum(v), false}; }
Param p_int8(int64 v) { return {INT8OID, Int64GetDatum(v), false}; }
Param p_bool(bool v) { return {BOOLOID, BoolGetDatum(v), false}; }
Param p_jsonb(Datum jsonb) { return {JSONBOID, jsonb, false}; }
Param p_oid(Oid v) { return {OIDOID, ObjectIdGetDatum(v), false}; }

Param p_text_array(const std::vector<std::string> &values)
{
    return {TEXTARRAYOID, pg_call([&] {
                std::vector<Datum> elements;
                for (const std::string &v : values)
                    elements.push_back(text_datum(v));
                return PointerGetDatum(construct_array(elements.data(), (int)elements.size(), TEXTOID, -1, false,
                                                       TYPALIGN_INT));
            }),
            false};
}

Param p_text_array_or_null(const std::optional<std::vector<std::string>> &values)
{
    return values ? p_text_array(*values) : p_null(TEXTARRAYOID);
}

std::optional<std::vector<std::string>> opt_text_array_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return std::nullopt;
    return pg_call([&] {
        Datum *elements;
        bool *nulls;
        int count;
        deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
        std::vector<std::string> out;
        for (int i = 0; i < count; i++)
            out.push_back(nulls[i] ? std::string() : std::string(TextDatumGetCString(elements[i])));
        return out;
    });
}

Param p_timestamptz(TimestampTz v) { return {TIMESTAMPTZOID, TimestampTzGetDatum(v), false}; }

Param p_name(const std::string &s)
{
    auto *n = static_cast<NameData *>(pg_call([] { return palloc0(NAMEDATALEN); }));
    strlcpy(NameStr(*n), s.c_str(), NAMEDATALEN);
    return {NAMEOID, NameGetDatum(n), false};
}

Param p_interval_or_null(const std::optional<Interval> &v)
{
    if (!v)
        return p_null(INTERVALOID);
    auto *copy = static_cast<Interval *>(pg_call([] { return palloc(sizeof(Interval)); }));
    *copy = *v;
    return {INTERVALOID, IntervalPGetDatum(copy), false};
}

namespace {
// latest: read with a fresh snapshot instead of the transaction's, so that a REPEATABLE READ
// caller still sees what committed while it waited for a lock.
uint64 run_with(Stmt stmt, const std::vector<Param> &params, long max_rows, bool latest)
{
    if (!active_scope)
        throw std::logic_error("approval_gate: a statement ran outside a GateScope");
    active_scope->pin_search_path();
    installation();
    SPIPlanPtr plan = plan_for(stmt);
    const StatementText &text = statements[static_cast<size_t>(stmt)];
    if (params.size() != text.arg_types.size())
        throw std::logic_error("approval_gate: wrong number of parameters for a statement");
    std::vector<Datum> values(params.size());
    std::string nulls(params.size(), ' ');
    for (size_t i = 0; i < params.size(); i++) {
        if (params[i].type != text.arg_types[i])
            throw std::logic_error("approval_gate: wrong parameter type for a statement");
        values[i] = params[i].value;
        if (params[i].isnull)
            nulls[i] = 'n';
    }
    return pg_call([&] {
        int rc = latest ? SPI_execute_snapshot(plan, values.data(), nulls.c_str(), GetLatestSnapshot(),
                                               InvalidSnapshot, true, false, max_rows)
                        : SPI_execute_plan(plan, values.data(), nulls.c_str(), false, max_rows);
        if (rc < 0)
            elog(ERROR, "approval_gate: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
        return SPI_processed;
    });
}

} // namespace

uint64 run(Stmt stmt, const std::vector<Param> &params, long max_rows)
{
    return run_with(stmt, params, max_rows, false);
}

Snapshot register_statement_snapshot()
{
    CommandCounterIncrement();
    return RegisterSnapshot(GetTransactionSnapshot());
}

uint64 run_latest(Stmt stmt, const std::vector<Param> &params, long max_rows)
{
    return run_with(stmt, params, max_rows, true);
}

bool is_null(uint64 row, int col)
{
    bool isnull;
    cell(row, col, isnull);
    return isnull;
}

std::optional<std::string> opt_text_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return std::nullopt;
    return pg_call([&] {
        text *t = DatumGetTextPP(d);
        return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    });
}

std::string text_at(uint64 row, int col) { return opt_text_at(row, col).value_or(std::string()); }

std::optional<pg_uuid_t> opt_uuid_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return std::nullopt;
    return *DatumGetUUIDP(d);
}

pg_uuid_t uuid_at(uint64 row, int col)
{
    auto u = opt_uuid_at(row, col);
    if (!u)
        throw std::logic_error("approval_gate: unexpected NULL uuid");
    return *u;
}

int64 int_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return 0;
    switch (SPI_gettypeid(SPI_tuptable->tupdesc, col)) {
    case INT2OID:
        return DatumGetInt16(d);
    case INT4OID:
        return DatumGetInt32(d);
    default:
        return DatumGetInt64(d);
    }
}

bool bool_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    return !isnull && DatumGetBool(d);
}

std::optional<Interval> opt_interval_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return std::nullopt;
    return *DatumGetIntervalP(d);
}

std::optional<TimestampTz> opt_timestamptz_at(uint64 row, int col)
{
    bool isnull;
    Datum d = cell(row, col, isnull);
    if (isnull)
        return std::nullopt;
    return DatumGetTimestampTz(d);
}

void pin_search_path_for_sql()
{
    if (!active_scope)
        throw std::logic_error("approval_gate: SQL ran outside a GateScope");
    active_scope->pin_search_path();
}

void GateScope::pin_search_path()
{
    if (guc_nest_level_ >= 0)
        return;
    guc_nest_level_ = pg_call([] {
        int level = NewGUCNestLevel();
        set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                          false);
        return level;
    });
}

GateScope::GateScope()
{
    GetUserIdAndSecContext(&saved_user_, &saved_security_context_);
    caller_ = saved_user_;
    pg_call([] {
        if (SPI_connect() != SPI_OK_CONNECT)
            elog(ERROR, "approval_gate: SPI_connect failed");
    });
    outer_ = active_scope;
    active_scope = this;
    Oid owner;
    try {
        // Loading runs SQL of its own: it must not see the caller's search_path either.
        if (!installation_valid)
            pin_search_path();
        owner = installation().owner;
    } catch (...) {
        active_scope = outer_;
        throw;
    }
    SetUserIdAndSecContext(owner, saved_security_context_ | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
}

GateScope::~GateScope()
{
    SetUserIdAndSecContext(saved_user_, saved_security_context_);
    active_scope = outer_;
    // On an error the (sub)transaction abort unwinds the GUC nest level too.
    if (guc_nest_level_ >= 0 && std::uncaught_exceptions() == 0)
        AtEOXact_GUC(true, guc_nest_level_);
    // On an error the transaction (or subtransaction) abort releases SPI; finishing here could ereport.
    if (std::uncaught_exceptions() == 0)
        SPI_finish();
}

std::string uuid_to_string(const pg_uuid_t &u)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < UUID_LEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.push_back('-');
        out.push_back(hex[u.data[i] >> 4]);
        out.push_back(hex[u.data[i] & 0xF]);
    }
    return out;
}

} // namespace approval_gate
