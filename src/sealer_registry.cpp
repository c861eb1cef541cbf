// The registry of sealer workers in shared memory, and the callers' side of it.
//
// A slot per database with a live or starting worker. A caller that queues events counts itself on
// its database's slot (registering a worker when there is none) and, at commit, wakes the worker.
// The worker retires only when nobody counts on it, and seals once more after retiring, so an event
// is never left behind by a worker that went away.
#include "sealer.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
}

#include <cstring>

namespace approval_gate {

namespace {

constexpr const char *registry_name = "approval_gate_sealer";
// A registered worker that has not started after this long never will (its fork failed).
constexpr long start_grace_ms = 60 * 1000;

struct SealerSlot {
    Oid database;  // InvalidOid: free
    bool registered;
    uint64 generation;
    TimestampTz registered_at;
    int procno;  // the running worker's PGPROC, or -1
    uint32 committers;  // open transactions that counted on this slot's worker
    uint64 commits;     // how many of them committed: the worker's measure of activity
};

struct SealerRegistry {
    uint32 magic;
    LWLock *lock;
    uint64 next_generation;
    int slot_count;
    SealerSlot slots[FLEXIBLE_ARRAY_MEMBER];
};

// Set once the postmaster has initialised the registry; a copy of the library loaded later (the file
// replaced on disk) attaches to it only if it finds this, with the same number of slots. Bump the
// layout number whenever SealerRegistry or SealerSlot changes.
constexpr uint32 registry_layout = 1;
constexpr uint32 registry_magic = 0x41470000u + (registry_layout << 8) + static_cast<uint32>(sizeof(SealerSlot));

SealerRegistry *registry = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// This backend's transaction: the slot it counted on, or -1.
int counted_slot = -1;
// This transaction could not count on a worker and notifies itself.
bool notifying_itself = false;

Size registry_size()
{
    return add_size(offsetof(SealerRegistry, slots), mul_size(sizeof(SealerSlot), max_worker_processes));
}

void request_registry()
{
    if (previous_request_hook)
        previous_request_hook();
    RequestAddinShmemSpace(registry_size());
    RequestNamedLWLockTranche(registry_name, 1);
}

void start_registry()
{
    if (previous_startup_hook)
        previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    registry = static_cast<SealerRegistry *>(ShmemInitStruct(registry_name, registry_size(), &found));
    if (!found) {
        registry->lock = &GetNamedLWLockTranche(registry_name)->lock;
        registry->next_generation = 1;
        registry->slot_count = max_worker_processes;
        for (int i = 0; i < registry->slot_count; i++)
            registry->slots[i] = SealerSlot{InvalidOid, false, 0, 0, -1, 0, 0};
        registry->magic = registry_magic;
    }
    LWLockRelease(AddinShmemInitLock);
}

bool preload_configured()
{
    const char *preloaded = GetConfigOption("shared_preload_libraries", true, false);
    return preloaded != nullptr && strstr(preloaded, "approval_gate") != nullptr;
}

// A copy of the library loaded after the server started (the file was replaced on disk) finds the
// registry the preloaded copy made, by name. Tried once a process. Had the postmaster preloaded no
// registry, the lookup allocates a zeroed one without the magic, which no copy ever uses.
void attach_registry()
{
    static bool tried = false;
    if (registry != nullptr || tried || !IsUnderPostmaster || !preload_configured())
        return;
    tried = true;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    auto *shared = static_cast<SealerRegistry *>(ShmemInitStruct(registry_name, registry_size(), &found));
    LWLockRelease(AddinShmemInitLock);
    if (found && shared->magic == registry_magic && shared->slot_count == max_worker_processes)
        registry = shared;
}

void release_if_unused(SealerSlot *slot)
{
    if (!slot->registered && slot->committers == 0)
        *slot = SealerSlot{InvalidOid, false, 0, 0, -1, 0, 0};
}

// Under the registry lock. No allocation (the handle is not asked for), so it cannot raise.
bool register_worker(int slot_index)
{
    SealerSlot *slot = &registry->slots[slot_index];
    BackgroundWorker worker;
    memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "$libdir/approval_gate-%s", AG_EXTVERSION);
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "approval_gate_sealer_main");
    snprintf(worker.bgw_name, BGW_MAXLEN, "approval_gate sealer for database %u", slot->database);
    snprintf(worker.bgw_type, BGW_MAXLEN, "approval_gate sealer");
    worker.bgw_main_arg = ObjectIdGetDatum(slot->database);
    SealerTicket ticket{slot_index, registry->next_generation++};
    static_assert(sizeof ticket <= BGW_EXTRALEN);
    memcpy(worker.bgw_extra, &ticket, sizeof ticket);
    if (!RegisterDynamicBackgroundWorker(&worker, nullptr))
        return false;
    slot->registered = true;
    slot->generation = ticket.generation;
    slot->registered_at = GetCurrentTimestamp();
    slot->procno = -1;
    return true;
}

// Under the registry lock: the worker that was registered for the slot is gone, or never started.
bool worker_lost(const SealerSlot *slot)
{
    return !slot->registered ||
           (slot->procno < 0 &&
            TimestampDifferenceExceeds(slot->registered_at, GetCurrentTimestamp(), start_grace_ms));
}

int find_or_claim_slot(Oid database)
{
    int free_slot = -1;
    for (int i = 0; i < registry->slot_count; i++) {
        if (registry->slots[i].database == database)
            return i;
        if (free_slot < 0 && registry->slots[i].database == InvalidOid)
            free_slot = i;
    }
    if (free_slot >= 0)
        registry->slots[free_slot].database = database;
    return free_slot;
}

// C-style, guarded as one unit: the slot counted on, or -1 when no worker can be had.
void count_on_worker(int *counted)
{
    *counted = -1;
    LWLockAcquire(registry->lock, LW_EXCLUSIVE);
    int index = find_or_claim_slot(MyDatabaseId);
    if (index >= 0) {
        SealerSlot *slot = &registry->slots[index];
        if (worker_lost(slot))
            slot->registered = register_worker(index);
        if (slot->registered) {
            slot->committers++;
            *counted = index;
        } else {
            release_if_unused(slot);
        }
    }
    LWLockRelease(registry->lock);
}

// Before PREPARE it may refuse; after commit or abort nothing may raise: no allocation, one lock, one
// latch.
void at_transaction_end(XactEvent event, void *)
{
    // Its events would be committed by COMMIT PREPARED in some other session, which wakes no sealer;
    // without the preload PostgreSQL refuses it too (the transaction has notified).
    if (event == XACT_EVENT_PRE_PREPARE && counted_slot >= 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cannot PREPARE a transaction that made approval_gate transitions"),
                        errhint("Commit it directly.")));
    bool committed = event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT;
    bool ended = committed || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
                 event == XACT_EVENT_PREPARE;
    if (!ended)
        return;
    notifying_itself = false;
    if (counted_slot < 0)
        return;
    LWLockAcquire(registry->lock, LW_EXCLUSIVE);
    SealerSlot *slot = &registry->slots[counted_slot];
    slot->committers--;
    if (committed)
        slot->commits++;
    // The worker died while this transaction counted on it: the events it committed need another.
    if (committed && worker_lost(slot))
        slot->registered = register_worker(counted_slot);
    int procno = slot->procno;
    release_if_unused(slot);
    LWLockRelease(registry->lock);
    counted_slot = -1;
    if (committed && procno >= 0)
        SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

// The server preloads approval_gate, yet this copy of the library found no registry it can use: the
// file was replaced on disk after the server started by a build of another layout. Said once a process.
void warn_if_library_replaced()
{
    static bool warned = false;
    if (warned || !preload_configured())
        return;
    warned = true;
    ereport(WARNING,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("approval_gate's library was replaced after the server started by one that cannot reach its "
                    "sealer"),
             errdetail("Transitions notify in their own transactions and their events wait for "
                       "approval_gate_seal_events()."),
             errhint("Restart the server to load the new library.")));
}

} // namespace

void sealer_preload()
{
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = request_registry;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = start_registry;
}

void sealer_register_callbacks() { RegisterXactCallback(at_transaction_end, nullptr); }

bool sealer_takes_events()
{
    guarded(attach_registry);
    if (registry == nullptr) {
        guarded(warn_if_library_replaced);
        return false;
    }
    if (notifying_itself)
        return false;
    if (counted_slot >= 0)
        return true;
    int counted;
    guarded(count_on_worker, &counted);
    counted_slot = counted;
    notifying_itself = counted < 0;
    return counted >= 0;
}

namespace {

// Under the registry lock: the slot still belongs to the registration that started this worker.
SealerSlot *ticket_slot(const SealerTicket &ticket)
{
    if (registry == nullptr || ticket.slot < 0 || ticket.slot >= registry->slot_count)
        return nullptr;
    SealerSlot *slot = &registry->slots[ticket.slot];
    return slot->registered && slot->generation == ticket.generation ? slot : nullptr;
}

} // namespace

bool sealer_publish(const SealerTicket &ticket)
{
    attach_registry();
    if (registry == nullptr) {
        guarded(warn_if_library_replaced);
        return false;
    }
    LWLockAcquire(registry->lock, LW_EXCLUSIVE);
    SealerSlot *slot = ticket_slot(ticket);
    if (slot)
        slot->procno = MyProc->pgprocno;
    LWLockRelease(registry->lock);
    return slot != nullptr;
}

bool sealer_retire(const SealerTicket &ticket)
{
    LWLockAcquire(registry->lock, LW_EXCLUSIVE);
    SealerSlot *slot = ticket_slot(ticket);
    bool retired = slot == nullptr || slot->committers == 0;
    if (slot && retired) {
        slot->registered = false;
        slot->procno = -1;
        release_if_unused(slot);
    }
    LWLockRelease(registry->lock);
    return retired;
}

uint64_t sealer_commits(const SealerTicket &ticket)
{
    LWLockAcquire(registry->lock, LW_SHARED);
    SealerSlot *slot = ticket_slot(ticket);
    uint64 commits = slot ? slot->commits : 0;
    LWLockRelease(registry->lock);
    return commits;
}

void sealer_withdraw(const SealerTicket &ticket)
{
    if (registry == nullptr)
        return;
    LWLockAcquire(registry->lock, LW_EXCLUSIVE);
    SealerSlot *slot = ticket_slot(ticket);
    if (slot) {
        slot->registered = false;
        slot->procno = -1;
        release_if_unused(slot);
    }
    LWLockRelease(registry->lock);
}

} // namespace approval_gate
