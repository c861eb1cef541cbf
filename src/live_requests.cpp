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
    AttrNumber id, workspace_id, action, request_hash, status, expires_at, approved_until, decided_at, consumed_at,
        requested_by, requested_role, required_approvals, escalated_to, decided_by, decision_note;
};

// Column numbers, looked up once per requests table rather than by name on every call.
const Columns &columns_for(Relation rel)
{
    return cached_columns<Columns>(rel, [](Relation r) {
        auto n = [&](const char *name) { return column_number(r, name); };
        return Columns{n("id"),           n("workspace_id"),   n("action"),           n("request_hash"),
                       n("status"),       n("expires_at"),     n("approved_until"),   n("decided_at"),
                       n("consumed_at"),  n("requested_by"),   n("requested_role"),   n("required_approvals"),
                       n("escalated_to"), n("decided_by"),     n("decision_note")};
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

std::optional<LockedRequest> lock_request(const pg_uuid_t &id)
{
    const Installation &inst = installation();
    return pg_call([&]() -> std::optional<LockedRequest> {
        Relation rel = table_open(inst.requests_table, RowExclusiveLock);
        const Columns &col = columns_for(rel);
        ScanKeyData key;
        ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(const_cast<pg_uuid_t *>(&id)));
        TupleTableSlot *locked = lock_row_by_key(rel, inst.requests_key, key, LockTupleExclusive);
        if (!locked) {
            table_close(rel, NoLock);
            return std::nullopt;
        }
        bool isnull;
        auto text_of = [&](AttrNumber n) { return std::string(TextDatumGetCString(slot_getattr(locked, n, &isnull))); };
        LockedRequest r;
        r.id = id;
        r.workspace_id = *DatumGetUUIDP(slot_getattr(locked, col.workspace_id, &isnull));
        r.action = text_of(col.action);
        r.status = text_of(col.status);
        r.requested_by = text_of(col.requested_by);
        r.requested_role = NameStr(*DatumGetName(slot_getattr(locked, col.requested_role, &isnull)));
        r.required_approvals = DatumGetInt32(slot_getattr(locked, col.required_approvals, &isnull));
        Datum expires = slot_getattr(locked, col.expires_at, &isnull);
        if (!isnull)
            r.expires_at = DatumGetTimestampTz(expires);
        Datum escalated = slot_getattr(locked, col.escalated_to, &isnull);
        if (!isnull)
            r.escalated_to = *DatumGetUUIDP(escalated);
        r.version = locked->tts_tid;
        ExecDropSingleTupleTableSlot(locked);
        table_close(rel, NoLock);
        return r;
    });
}

void resolve_request(const LockedRequest &r, const char *status, const std::string &decided_by,
                     const std::optional<std::string> &note, std::optional<TimestampTz> approved_until)
{
    const Installation &inst = installation();
    pg_call([&] {
        Relation rel = table_open(inst.requests_table, RowExclusiveLock);
        const Columns &col = columns_for(rel);
        // The lock taken by lock_request keeps this the newest version.
        TupleTableSlot *locked = table_slot_create(rel, nullptr);
        ItemPointerData version = r.version;
        if (!table_tuple_fetch_row_version(rel, &version, SnapshotAny, locked))
            elog(ERROR, "approval_gate: the locked version of request %s is gone", uuid_to_string(r.id).c_str());
        RowWrite w = begin_row_write(rel);
        copy_row(w, locked);
        Datum *values = w.row->tts_values;
        bool *nulls = w.row->tts_isnull;
        values[col.status - 1] = CStringGetTextDatum(status);
        values[col.decided_at - 1] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
        nulls[col.decided_at - 1] = false;
        values[col.decided_by - 1] = CStringGetTextDatum(decided_by.c_str());
        nulls[col.decided_by - 1] = false;
        values[col.decision_note - 1] = note ? CStringGetTextDatum(note->c_str()) : (Datum)0;
        nulls[col.decision_note - 1] = !note;
        values[col.approved_until - 1] = approved_until ? TimestampTzGetDatum(*approved_until) : (Datum)0;
        nulls[col.approved_until - 1] = !approved_until;
        update_row(w, locked);
        end_row_write(w);
        ExecDropSingleTupleTableSlot(locked);
        table_close(rel, NoLock);
    });
}

} // namespace approval_gate
