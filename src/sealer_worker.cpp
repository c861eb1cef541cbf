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
#include "commands/async.h"
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
constexpr const char *channel = "approval_gate";
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

// A failed transaction of the worker's own is logged and rolled back; the worker goes on.
void log_and_abort(MemoryContext context)
{
    MemoryContextSwitchTo(context);
    EmitErrorReport();
    AbortCurrentTransaction();
    FlushErrorState();
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
        log_and_abort(context);
        result = Pass::failed;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
    pgstat_report_activity(STATE_IDLE, nullptr);
    return result;
}

// After a failed pass: the transitions that woke the worker are still announced (approvers re-read
// the views, where queued events and pending requests show), in a transaction of their own.
void announce()
{
    MemoryContext context = CurrentMemoryContext;
    StartTransactionCommand();
    PG_TRY();
    {
        Async_Notify(channel, "");
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        log_and_abort(context);
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
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
    // A database owner may turn its connections off (ALLOW_CONNECTIONS false); sealing goes on.
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(database), InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
    SetConfigOption("application_name", "approval_gate sealer", PGC_USERSET, PGC_S_SESSION);
    SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    // A database owner may ALTER DATABASE ... SET these; none of them may stop the sealing.
    for (const char *name : {"statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"})
        SetConfigOption(name, "0", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
    if (!sealer_publish(ticket))
        proc_exit(0);  // the slot went to another registration, or this copy of the library has no registry

    // Only commits that counted on this worker are activity: its latch is also set by signals that
    // have nothing to do with it (cache invalidation catch-up, configuration reloads). A failing pass
    // (a misconfigured audit key, say) is retried every retry_ms while such commits keep coming, and
    // does not keep an idle worker from retiring.
    uint64 commits_seen = sealer_commits(ticket);
    TimestampTz last_activity = GetCurrentTimestamp();
    TimestampTz retry_at = 0;
    bool pass_due = true;  // events may have committed before this worker started
    bool announce_due = true;
    for (;;) {
        ResetLatch(MyLatch);
        process_interrupts();
        TimestampTz now = GetCurrentTimestamp();
        uint64 commits = sealer_commits(ticket);
        if (commits != commits_seen) {
            commits_seen = commits;
            last_activity = now;
            pass_due = true;
            announce_due = true;
        }
        // Sealing is failing and its retry is not due yet: announce the new commits now.
        if (announce_due && retry_at > now) {
            announce();
            announce_due = false;
        }
        if (pass_due && now >= retry_at) {
            Pass pass = seal_pass();
            if (pass == Pass::extension_gone)
                proc_exit(0);
            if (pass == Pass::more)
                continue;
            pass_due = pass == Pass::failed;
            retry_at = pass_due ? TimestampTzPlusMilliseconds(GetCurrentTimestamp(), retry_ms) : 0;
            if (pass_due && announce_due)
                announce();
            announce_due = false;
        }
        TimestampTz idle_at = TimestampTzPlusMilliseconds(last_activity, sealer_idle_timeout_ms());
        if (GetCurrentTimestamp() >= idle_at && sealer_retire(ticket)) {
            // A transaction that committed after the last pass may have found the latch unwatched.
            process_interrupts();
            if (seal_pass() == Pass::failed)
                announce();
            proc_exit(0);
        }
        TimestampTz wake_at = pass_due && retry_at < idle_at ? retry_at : idle_at;
        long timeout = Max(TimestampDifferenceMilliseconds(GetCurrentTimestamp(), wake_at), 1L);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout, PG_WAIT_EXTENSION);
    }
}
}
