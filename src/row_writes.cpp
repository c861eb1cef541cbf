#include "row_writes.hpp"

#include "spi.hpp"

extern "C" {
#include "access/genam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "nodes/makefuncs.h"
#include "utils/snapmgr.h"
}

#include <cstring>

namespace approval_gate {

AttrNumber column_number(Relation rel, const char *name)
{
    TupleDesc desc = RelationGetDescr(rel);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute attr = TupleDescAttr(desc, i);
        if (!attr->attisdropped && strcmp(NameStr(attr->attname), name) == 0)
            return attr->attnum;
    }
    elog(ERROR, "approval_gate: %s has no column %s", RelationGetRelationName(rel), name);
    return InvalidAttrNumber;
}

TupleTableSlot *lock_row_by_key(Relation rel, Oid unique_index, ScanKeyData &key, LockTupleMode mode)
{
    Snapshot snapshot = register_statement_snapshot();
    SysScanDesc scan = systable_beginscan(rel, unique_index, true, snapshot, 1, &key);
    HeapTuple found = systable_getnext(scan);
    ItemPointerData version;
    if (found)
        version = found->t_self;
    systable_endscan(scan);
    UnregisterSnapshot(snapshot);
    if (!found)
        return nullptr;
    TupleTableSlot *locked = table_slot_create(rel, nullptr);
    TM_FailureData failure;
    int flags = IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION;
    TM_Result result = table_tuple_lock(rel, &version, GetActiveSnapshot(), locked, GetCurrentCommandId(true), mode,
                                        LockWaitBlock, flags, &failure);
    if (result == TM_Updated || result == TM_Deleted)
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("could not serialize access due to concurrent update")));
    if (result != TM_Ok)
        elog(ERROR, "approval_gate: unexpected result %d locking a row of %s", static_cast<int>(result),
             RelationGetRelationName(rel));
    return locked;
}

RowWrite begin_row_write(Relation rel)
{
    EState *estate = CreateExecutorState();
    RangeTblEntry *rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_RELATION;
    rte->relid = RelationGetRelid(rel);
    rte->relkind = rel->rd_rel->relkind;
    rte->rellockmode = RowExclusiveLock;
    ExecInitRangeTable(estate, list_make1(rte));
    ResultRelInfo *target = makeNode(ResultRelInfo);
    InitResultRelInfo(target, rel, 1, nullptr, 0);
    estate->es_output_cid = GetCurrentCommandId(true);
    estate->es_snapshot = GetActiveSnapshot();
    ExecOpenIndices(target, false);
    AfterTriggerBeginQuery();
    TupleTableSlot *row = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
    ExecClearTuple(row);
    return {estate, target, row};
}

void copy_row(RowWrite &w, TupleTableSlot *from)
{
    int natts = w.row->tts_tupleDescriptor->natts;
    slot_getallattrs(from);
    ExecClearTuple(w.row);
    memcpy(w.row->tts_values, from->tts_values, natts * sizeof(Datum));
    memcpy(w.row->tts_isnull, from->tts_isnull, natts * sizeof(bool));
}

void insert_row(RowWrite &w)
{
    ExecStoreVirtualTuple(w.row);
    ExecSimpleRelationInsert(w.target, w.estate, w.row);
}

void update_row(RowWrite &w, TupleTableSlot *locked)
{
    ExecStoreVirtualTuple(w.row);
    EPQState epq;
    EvalPlanQualInit(&epq, w.estate, nullptr, NIL, -1);
    ExecSimpleRelationUpdate(w.target, w.estate, &epq, locked, w.row);
    EvalPlanQualEnd(&epq);
}

void end_row_write(RowWrite &w)
{
    AfterTriggerEndQuery(w.estate);
    ExecCloseIndices(w.target);
    ExecResetTupleTable(w.estate->es_tupleTable, false);
    FreeExecutorState(w.estate);
    CommandCounterIncrement();
}

} // namespace approval_gate
