// Every SQL statement the extension runs, planned once per backend and kept (SPI_keepplan), run as the
// extension owner inside an OwnerScope. Plans follow invalidation as any prepared statement does, so
// REINDEX, VACUUM FULL, CLUSTER or ALTER TABLE on the extension's tables never leave one stale.
#pragma once

#include "boundary.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/uuid.h"
}

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

enum class Stmt {
    LoadPolicy,
    LoadActionPolicy,
    ActionGatedSomewhere,
    ActionHasAnyPolicy,
    UpsertPolicy,
    DeletePolicy,
    EnsureDefaultPolicy,
    LockWorkspaces,
    ParentCycle,
    UpsertParent,
    DeleteParent,
    LiveRequests,
    LatestDenial,
    ConsumeApproved,
    CreatePending,
    ExpirePending,
    LockRequest,
    VotesOf,
    InsertVote,
    ResolveRequest,
    ExpireDue,
    QueueEvents,
    LockChainHeads,
    ReadQueue,
    ReadHeads,
    InsertEvents,
    UpsertHeads,
    DeleteQueued,
    ReadEvents,
    ReadEventHeads,
    ReadPruneAnchors,
    CountUnsealed,
    DigestHeads,
    DigestParts,
    DigestChains,
    ChainAt,
    LockEventHead,
    EventHash,
    DeleteEventsThrough,
    InsertPrune,
    LoadProtection,
    UpsertProtection,
    DeleteProtection,
    ForgetDroppedProtections,
    Count_
};

struct Param {
    Oid type;
    Datum value;
    bool isnull;
};

Param p_null(Oid type);
Param p_text(const std::string &s);
Param p_text_or_null(const std::optional<std::string> &s);
Param p_name(const std::string &s);
Param p_uuid(const pg_uuid_t &u);
Param p_uuid_or_null(const std::optional<pg_uuid_t> &u);
Param p_int4(int32 v);
Param p_int8(int64 v);
Param p_bool(bool v);
Param p_oid(Oid v);
Param p_jsonb(Datum jsonb);
Param p_timestamptz(TimestampTz v);
Param p_timestamptz_or_null(const std::optional<TimestampTz> &v);
Param p_interval_or_null(const std::optional<Interval> &v);
Param p_text_array(const std::vector<std::string> &values);
Param p_text_array_or_null(const std::optional<std::vector<std::string>> &values);
Param p_uuid_array(const std::vector<pg_uuid_t> &values);
Param p_uuid_array_with_nulls(const std::vector<std::optional<pg_uuid_t>> &values);
Param p_int8_array(const std::vector<int64> &values);
Param p_timestamptz_array(const std::vector<TimestampTz> &values);
Param p_text_array_with_nulls(const std::vector<std::optional<std::string>> &values);

// Which snapshot a statement reads with. Latest: what has committed by now, whatever the isolation
// level, for checks made after a row lock was taken (a REPEATABLE READ snapshot may predate them).
enum class Snap { Statement, Latest };

// Runs stmt; returns the rows it produced or processed. Needs an open OwnerScope. The rows stay
// readable through row() until the next statement runs.
uint64 run(Stmt stmt, std::initializer_list<Param> params, Snap snap = Snap::Statement);

// One row of the last result, read by column number (1-based) through typed getters.
class Row {
public:
    explicit Row(uint64 index);
    bool is_null(int col) const;
    pg_uuid_t uuid(int col) const;
    std::optional<pg_uuid_t> opt_uuid(int col) const;
    std::string text(int col) const;
    std::optional<std::string> opt_text(int col) const;
    int64 int8(int col) const;
    int32 int4(int col) const;
    bool boolean(int col) const;
    std::optional<TimestampTz> opt_timestamptz(int col) const;
    TimestampTz timestamptz(int col) const;
    std::optional<Interval> opt_interval(int col) const;
    std::optional<std::vector<std::string>> opt_text_array(int col) const;

private:
    Datum cell(int col, bool &isnull) const;
    uint64 index_;
};

// Forgets every kept plan: the installation (schema, tables) changed under them.
void forget_statements();

} // namespace approval_gate
