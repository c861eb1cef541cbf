// Statements run through SPI, each planned once per backend and kept (SPI_keepplan).
#pragma once

#include "pg_bridge.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/uuid.h"
}

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

// Every statement the extension runs. The SQL lives in spi.cpp; "@s@" stands for the schema.
enum class Stmt {
    LoadPolicy,
    LoadActionPolicy,
    LatestRequest,
    FindPending,
    ExpirePendingById,
    InsertPending,
    InsertVote,
    CountApprovals,
    ExpireDue,
    UpsertPolicy,
    DeletePolicy,
    LockWorkspaces,
    ParentCycle,
    UpsertParent,
    DeleteParent,
    StartEventChain,
    EventHash,
    ReadEvents,
    ReadEventHeads,
    LoadProtection,
    UpsertProtection,
    DeleteProtection,
    EnsurePolicy,
    LockEventHead,
    DeleteEventsThrough,
    InsertPrune,
    ReadPruneAnchors,
    Count_
};

struct Param {
    Oid type;
    Datum value;
    bool isnull;
};

// Datums palloc'd in the current memory context.
Datum text_datum(const std::string &s);
Datum uuid_datum(const pg_uuid_t &u);

inline Param p_null(Oid type) { return {type, (Datum)0, true}; }
Param p_text(const std::string &s);
Param p_text_or_null(const std::optional<std::string> &s);
Param p_uuid(const pg_uuid_t &u);
Param p_uuid_or_null(const std::optional<pg_uuid_t> &u);
Param p_int4(int32 v);
Param p_int8(int64 v);
Param p_bool(bool v);
Param p_name(const std::string &s);
Param p_jsonb(Datum jsonb);
Param p_interval_or_null(const std::optional<Interval> &v);
Param p_timestamptz(TimestampTz v);

// Runs a kept plan; returns the number of rows processed. Results stay in SPI_tuptable until the
// next run, so read them with the accessors below first.
uint64 run(Stmt stmt, const std::vector<Param> &params, long max_rows = 0);
// The same, reading with the latest committed state (a fresh snapshot) whatever the isolation level.
uint64 run_latest(Stmt stmt, const std::vector<Param> &params, long max_rows = 0);
// For the direct index reads: the snapshot a statement started now would read with, as SPI takes it
// (a fresh one under READ COMMITTED, the transaction's otherwise), seeing this transaction's own
// earlier writes. Registered: UnregisterSnapshot it. A PostgreSQL call: make it inside pg_call.
Snapshot register_statement_snapshot();

// Row accessors over SPI_tuptable.
bool is_null(uint64 row, int col);
std::string text_at(uint64 row, int col);
std::optional<std::string> opt_text_at(uint64 row, int col);
pg_uuid_t uuid_at(uint64 row, int col);
std::optional<pg_uuid_t> opt_uuid_at(uint64 row, int col);
int64 int_at(uint64 row, int col);
bool bool_at(uint64 row, int col);
std::optional<Interval> opt_interval_at(uint64 row, int col);
std::optional<TimestampTz> opt_timestamptz_at(uint64 row, int col);
// A text[] cell; nullopt for SQL NULL. NULL elements are not expected.
std::optional<std::vector<std::string>> opt_text_array_at(uint64 row, int col);
Param p_text_array(const std::vector<std::string> &values);
Param p_text_array_or_null(const std::optional<std::vector<std::string>> &values);
Param p_oid(Oid v);

// Where the extension lives and who owns it; loaded once per backend, dropped when its tables change.
struct Installation {
    Oid extension_oid = InvalidOid;
    Oid owner = InvalidOid;
    std::string schema;  // quoted, ready for SQL text
    Oid policies_table = InvalidOid;
    Oid requests_table = InvalidOid;
    Oid requests_key = InvalidOid;
    Oid live_requests_index = InvalidOid;
    Oid events_table = InvalidOid;
    Oid event_heads_table = InvalidOid;
    Oid event_heads_key = InvalidOid;
};
const Installation &installation();

// Connects to SPI and runs the statements as the extension owner, the only role that may write the
// tables, with search_path pinned to pg_catalog, pg_temp (the caller's path must never take part in
// planning them); restores all three on scope exit. The caller's role is captured first, for
// authorization. The hot entry points pin here rather than with a SET clause, so that a call that
// never reaches SQL (an ungated action) does not pay for a GUC change.
class GateScope {
public:
    GateScope();
    ~GateScope();
    GateScope(const GateScope &) = delete;
    GateScope &operator=(const GateScope &) = delete;
    Oid caller_role() const { return caller_; }
    // Pins search_path for the rest of the scope; run() calls it before the first statement, so a
    // call that runs no SQL does not pay for the settings change.
    void pin_search_path();

private:
    Oid caller_;
    Oid saved_user_;
    int saved_security_context_;
    int guc_nest_level_ = -1;
    GateScope *outer_;
};

// For SQL run without run() (DDL, one-off catalog reads): pins search_path in the open GateScope.
void pin_search_path_for_sql();

void register_invalidation_callbacks();
bool policies_changed_since(uint64 &seen_generation);

std::string uuid_to_string(const pg_uuid_t &u);

} // namespace approval_gate
