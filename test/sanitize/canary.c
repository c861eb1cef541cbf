/*
 * Self-test for test/sanitize/run.sh: two deliberate bugs, loaded into the sanitized server
 * before the suites run, to prove that a sanitizer report from a backend actually reaches the
 * report directory. Not part of the extension; never installed outside the private tree.
 */
#include "postgres.h"
#include "fmgr.h"

#include <stdlib.h>

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(sanitize_canary_heap);
PG_FUNCTION_INFO_V1(sanitize_canary_shift);

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
