/*
 * Self-test for test/sanitize/run.sh: deliberate bugs, loaded into the sanitized server before
 * the suites run, to prove that a sanitizer report from a backend, and from a background worker
 * forked by the postmaster (as approval_gate's sealer is), actually reaches the place run.sh
 * looks at. Not part of the extension; never installed outside the private tree.
 */
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"

#include <stdlib.h>

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(sanitize_canary_heap);
PG_FUNCTION_INFO_V1(sanitize_canary_shift);
PG_FUNCTION_INFO_V1(sanitize_canary_worker);

PGDLLEXPORT void sanitize_canary_worker_main(Datum arg);

/* Reads p[i] from an 8-byte malloc'd buffer: i >= 8 is a heap-buffer-overflow (ASan). */
Datum
sanitize_canary_heap(PG_FUNCTION_ARGS)
{
	int32		i = PG_GETARG_INT32(0);
	volatile char *p = malloc(8);
	char		c;

	memset((char *) p, 0, 8);
	c = p[i];
	free((char *) p);
	PG_RETURN_INT32(c);
}

/* 1 << s: s >= 32 is a shift-exponent error (UBSan). */
Datum
sanitize_canary_shift(PG_FUNCTION_ARGS)
{
	int32		s = PG_GETARG_INT32(0);

	PG_RETURN_INT32(1 << s);
}

/*
 * The same two bugs in a dynamic background worker: sanitize_canary_worker(s, i) registers one that
 * computes 1 << s, then reads p[i] of an 8-byte buffer. Returns whether the worker was registered.
 */
Datum
sanitize_canary_worker(PG_FUNCTION_ARGS)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof worker);
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "sanitize_canary");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "sanitize_canary_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "sanitize canary worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "sanitize canary worker");
	worker.bgw_main_arg = Int32GetDatum(PG_GETARG_INT32(0) * 100 + PG_GETARG_INT32(1));
	PG_RETURN_BOOL(RegisterDynamicBackgroundWorker(&worker, NULL));
}

void
sanitize_canary_worker_main(Datum arg)
{
	int32		s = DatumGetInt32(arg) / 100;
	int32		i = DatumGetInt32(arg) % 100;
	volatile int32 shifted;
	volatile char *p;

	BackgroundWorkerUnblockSignals();
	shifted = 1 << s;
	p = malloc(8);
	memset((char *) p, 0, 8);
	shifted += p[i];
	free((char *) p);
	proc_exit(shifted == 0 ? 0 : 1);
}
