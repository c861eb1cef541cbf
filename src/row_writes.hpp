// Single-row writes through the executor's own replication path (ExecSimpleRelationInsert and
// ExecSimpleRelationUpdate, what logical replication applies rows with): NOT NULL constraints,
// index entries, replica identity and row triggers included, without planning a statement; and the
// row lock that comes before an update. The writers on every gated operation's path (consuming an
// approval, appending an audit event, deciding a request) use them; everything else is plain SQL.
// These are PostgreSQL calls: make them inside pg_call. An error leaves the cleanup to the
// transaction's abort, as it does for any statement.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/skey.h"
#include "executor/executor.h"
#include "nodes/lockoptions.h"
#include "utils/rel.h"
}

namespace approval_gate {

struct RowWrite {
    EState *estate;
    ResultRelInfo *target;
    TupleTableSlot *row;  // a virtual slot of the table's row type for the caller to fill
};

// The number of a column, by name; ERROR if the table has no such column.
AttrNumber column_number(Relation rel, const char *name);

// A table's column numbers, found by lookup(rel) once per table rather than by name on every row
// (one cache per call site: each lambda is its own Lookup type).
template <typename Columns, typename Lookup>
const Columns &cached_columns(Relation rel, Lookup lookup)
{
    static Oid cached_for = InvalidOid;
    static Columns cached;
    if (cached_for != RelationGetRelid(rel)) {
        cached = lookup(rel);
        cached_for = RelationGetRelid(rel);
    }
    return cached;
}

// Finds the row a unique index maps key to and row-locks it in mode, as SELECT ... FOR UPDATE (or FOR
// NO KEY UPDATE) would: a concurrent writer is waited for; under READ COMMITTED the lock then follows it
// to the newest version; under REPEATABLE READ a concurrent update, and under either a concurrent
// delete, is a serialization failure. Returns the locked version in a slot (ExecDropSingleTupleTableSlot
// it), or nullptr when no row matches. rel must be open with RowExclusiveLock.
TupleTableSlot *lock_row_by_key(Relation rel, Oid unique_index, ScanKeyData &key, LockTupleMode mode);

// rel must be open with RowExclusiveLock.
RowWrite begin_row_write(Relation rel);
// Copies every column of a tuple into w.row, to be changed before update_row.
void copy_row(RowWrite &w, TupleTableSlot *from);
void insert_row(RowWrite &w);
// locked: the newest version of the row, row-locked by this transaction.
void update_row(RowWrite &w, TupleTableSlot *locked);
// Fires queued AFTER row triggers, closes the indexes; then makes the writes visible to the
// transaction's next commands, as the end of an SPI statement does.
void end_row_write(RowWrite &w);

} // namespace approval_gate
