// The sealer worker of one database: waits for commits that queued events, seals them in batches and
// announces each batch with one notification, then exits once idle. Its transactions commit without
// waiting for the WAL flush: a lost seal leaves the events queued, and sealing them again writes the
// same chain.
#include "audit.hpp"
#include "installation.hpp"
#include "owner_scope.hpp"
#include "sealer.hpp"
#include "settings.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

#include <cstring>

namespace approval_gate {

namespace {

constexpr int64 batch_events = 10000;
// After a failed pass (a misconfigured audit key, say) the worker waits this long before the next.
constexpr long retry_ms = 10 * 1000;

enum class Pass { drained, more, failed, extension_gone };

SealerTicket ticket;

void withdraw_at_exit(int, Datum) { sealer_withdraw(ticket); }

Datum seal_batch_as_owner()
{
    return sql_entry([]() -> Datum {
        accept_invalidations();
        installation();
        return Int64GetDatum(as_owner([] { return seal_events(batch_events); }));
    });
}

// One transaction: seals up to batch_events and notifies once if it sealed any. C-style: PG_TRY
// frames hold no C++ object.
Pass seal_pass()
{
    volatile Pass result = Pass::failed;
    MemoryContext context = CurrentMemoryContext;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "sealing approval_gate events");
    PG_TRY();
    {
        if (!OidIsValid(get_extension_oid("approval_gate", true))) {
            result = Pass::extension_gone;
        } else {
            int64 sealed = DatumGetInt64(seal_batch_as_owner());
            result = sealed >= batch_events ? Pass::more : Pass::drained;
        }
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        EmitErrorReport();
        AbortCurrentTransaction();
        FlushErrorState();
        result = Pass::failed;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
    pgstat_report_activity(STATE_IDLE, nullptr);
    return result;
}

void process_interrupts()
{
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
        ConfigReloadPending = false;
        ProcessConfigFile(PGC_SIGHUP);
    }
}

} // namespace

} // namespace approval_gate

using namespace approval_gate;

extern "C" {

PGDLLEXPORT void approval_gate_sealer_main(Datum database);

void approval_gate_sealer_main(Datum database)
{
    memcpy(&ticket, MyBgworkerEntry->bgw_extra, sizeof ticket);
    // Before connecting: a worker that cannot connect gives its slot back too.
    before_shmem_exit(withdraw_at_exit, 0);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(database), InvalidOid, 0);
    SetConfigOption("application_name", "approval_gate sealer", PGC_USERSET, PGC_S_SESSION);
    SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    if (!sealer_publish(ticket))
        proc_exit(0);  // the slot went to another registration, or this copy of the library has no registry

    // A failing pass (a misconfigured audit key, say) is retried every retry_ms while transitions
    // keep coming, and does not keep an idle worker from retiring.
    TimestampTz retry_at = 0;
    TimestampTz last_wake = GetCurrentTimestamp();
    for (;;) {
        ResetLatch(MyLatch);
        process_interrupts();
        if (GetCurrentTimestamp() >= retry_at) {
            Pass pass = seal_pass();
            if (pass == Pass::extension_gone)
                proc_exit(0);
            if (pass == Pass::more)
                continue;
            retry_at = pass == Pass::failed ? TimestampTzPlusMilliseconds(GetCurrentTimestamp(), retry_ms) : 0;
        }
        TimestampTz now = GetCurrentTimestamp();
        TimestampTz wake_at = TimestampTzPlusMilliseconds(last_wake, sealer_idle_timeout_ms());
        if (retry_at && retry_at < wake_at)
            wake_at = retry_at;
        long timeout = Max(TimestampDifferenceMilliseconds(now, wake_at), 1L);
        int events = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout, PG_WAIT_EXTENSION);
        if (events & WL_LATCH_SET) {
            last_wake = GetCurrentTimestamp();
            continue;
        }
        bool idle = TimestampDifferenceExceeds(last_wake, GetCurrentTimestamp(), sealer_idle_timeout_ms());
        if (idle && sealer_retire(ticket)) {
            // A transaction that committed after the last pass may have found the latch unwatched.
            process_interrupts();
            seal_pass();
            proc_exit(0);
        }
    }
}
}
