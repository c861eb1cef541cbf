#include "live_requests.hpp"

#include "row_writes.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_collation.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#include <algorithm>
#include <cstring>

namespace approval_gate {

namespace {

struct Columns {
    AttrNumber id, workspace_id, action, request_hash, status, expires_at, approved_until, decided_at, consumed_at;
};

// Column numbers, looked up once per requests table rather than by name on every call.
const Columns &columns_for(Relation rel)
{
    return cached_columns<Columns>(rel, [](Relation r) {
        auto n = [&](const char *name) { return column_number(r, name); };
        return Columns{n("id"),         n("workspace_id"), n("action"),     n("request_hash"), n("status"),
                       n("expires_at"), n("approved_until"), n("decided_at"), n("consumed_at")};
    });
}

bool text_equals(Datum value, const std::string &expected)
{
    text *t = DatumGetTextPP(value);
    return VARSIZE_ANY_EXHDR(t) == expected.size() && memcmp(VARDATA_ANY(t), expected.data(), expected.size()) == 0;
}

} // namespace

LiveRequests read_live_requests(const GateKey &key)
{
    const Installation &inst = installation();
    TimestampTz now = GetCurrentStatementStartTimestamp();
    LiveRequests live;
    std::vector<std::pair<TimestampTz, Consumable>> approved;
    pg_call([&] {
        Relation rel = table_open(inst.requests_table, AccessShareLock);
        const Columns &col = columns_for(rel);
        ScanKeyData scan_key;
        ScanKeyInit(&scan_key, col.request_hash, BTEqualStrategyNumber, F_TEXTEQ,
                    PointerGetDatum(cstring_to_text_with_len(key.request_hash.data(), (int)key.request_hash.size())));
        scan_key.sk_collation = C_COLLATION_OID;  // the column's, and so the index's
        Snapshot snapshot = register_statement_snapshot();
        SysScanDesc scan = systable_beginscan(rel, inst.live_requests_index, true, snapshot, 1, &scan_key);
        TupleDesc desc = RelationGetDescr(rel);
        HeapTuple tuple;
        while ((tuple = systable_getnext(scan)) != nullptr) {
            bool isnull;
            pg_uuid_t *workspace = DatumGetUUIDP(heap_getattr(tuple, col.workspace_id, desc, &isnull));
            if (memcmp(workspace->data, key.workspace_id.data, UUID_LEN) != 0 ||
                !text_equals(heap_getattr(tuple, col.action, desc, &isnull), key.action))
                continue;
            Datum status = heap_getattr(tuple, col.status, desc, &isnull);
            if (text_equals(status, "pending")) {
                PendingRow row{*DatumGetUUIDP(heap_getattr(tuple, col.id, desc, &isnull)), std::nullopt};
                Datum expires = heap_getattr(tuple, col.expires_at, desc, &isnull);
                if (!isnull)
                    row.expires_at = DatumGetTimestampTz(expires);
                live.pending = row;
            } else if (text_equals(status, "approved")) {
                Datum until = heap_getattr(tuple, col.approved_until, desc, &isnull);
                if (!isnull && DatumGetTimestampTz(until) > now)
                    approved.emplace_back(
                        DatumGetTimestampTz(heap_getattr(tuple, col.decided_at, desc, &isnull)),
                        Consumable{*DatumGetUUIDP(heap_getattr(tuple, col.id, desc, &isnull)), tuple->t_self});
            }
        }
        systable_endscan(scan);
        UnregisterSnapshot(snapshot);
        table_close(rel, AccessShareLock);
    });
    std::sort(approved.begin(), approved.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[decided_at, approval] : approved)
        live.consumable.push_back(approval);
    return live;
}

bool consume_unless_held(const Consumable &approval)
{
    const Installation &inst = installation();
    TimestampTz now = GetCurrentStatementStartTimestamp();
    return pg_call([&] {
        // RowExclusiveLock, as UPDATE takes, held to the end of the transaction.
        Relation rel = table_open(inst.requests_table, RowExclusiveLock);
        const Columns &col = columns_for(rel);
        TupleTableSlot *locked = table_slot_create(rel, nullptr);
        ItemPointerData version = approval.row_version;
        TM_FailureData failure;
        // Without TUPLE_LOCK_FLAG_FIND_LAST_VERSION a version updated since the read gives TM_Updated:
        // whoever updated it consumed, expired or withdrew it, so it is not ours to take.
        TM_Result result = table_tuple_lock(rel, &version, GetActiveSnapshot(), locked, GetCurrentCommandId(true),
                                            LockTupleExclusive, LockWaitSkip, 0, &failure);
        bool consumable = false;
        if (result == TM_Ok) {
            bool status_null, until_null;
            Datum status = slot_getattr(locked, col.status, &status_null);
            Datum until = slot_getattr(locked, col.approved_until, &until_null);
            consumable = !status_null && text_equals(status, "approved") && !until_null &&
                         DatumGetTimestampTz(until) > now;
        }
        if (consumable) {
            RowWrite w = begin_row_write(rel);
            copy_row(w, locked);
            w.row->tts_values[col.status - 1] = CStringGetTextDatum("consumed");
            w.row->tts_values[col.consumed_at - 1] = TimestampTzGetDatum(now);
            w.row->tts_isnull[col.consumed_at - 1] = false;
            update_row(w, locked);
            end_row_write(w);
        }
        ExecDropSingleTupleTableSlot(locked);
        table_close(rel, NoLock);
        return consumable;
    });
}

} // namespace approval_gate
