/*
 * Benchmark diagnostic, not part of the extension: a C function with approval_gate_require's
 * signature and result that decides nothing and answers (not_gated, NULL, NULL). Called exactly as
 * the ungated scenario calls approval_gate_require, it measures what PostgreSQL charges for calling
 * any C function in FROM with that statement (function scan, result row, three columns out), so the
 * report can separate that floor from the gate's own cost.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(noop_require);

Datum
noop_require(PG_FUNCTION_ARGS)
{
	/* the same result-row construction as approval_gate_require's ungated answer */
	TupleDesc	desc = lookup_rowtype_tupdesc(get_fn_expr_rettype(fcinfo->flinfo), -1);
	Datum		values[3] = {CStringGetTextDatum("not_gated"), (Datum) 0, (Datum) 0};
	bool		nulls[3] = {false, true, true};
	HeapTuple	tuple = heap_form_tuple(desc, values, nulls);

	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
