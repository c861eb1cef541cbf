// The sealer: with approval_gate in shared_preload_libraries, one background worker per database seals
// queued audit events once their transactions have committed, and announces each batch with a single
// notification. Callers then never notify: PostgreSQL serialises every notifying commit of the cluster
// on one lock held through the commit's WAL flush, so one notification per transition would serialise
// every gated transaction of every database.
//
// Without the preload (or when no worker can be had) a transition notifies in its own transaction, as
// before, and queued events wait for approval_gate_seal_events().
#pragma once

#include "boundary.hpp"

#include <cstdint>

namespace approval_gate {

// From _PG_init while shared_preload_libraries is processed: asks for the shared registry of workers.
void sealer_preload();
// From _PG_init, always: the end-of-transaction callback that wakes the worker.
void sealer_register_callbacks();

// This transaction queued events. True when a sealer will seal and announce them once it commits;
// false when the caller must notify in its own transaction.
bool sealer_takes_events();

// The worker's side of the registry (sealer_worker.cpp).
struct SealerTicket {
    int slot;
    std::uint64_t generation;
};
// Publishes the running worker in its slot; false when the slot was given to another registration.
bool sealer_publish(const SealerTicket &ticket);
// How many transactions that counted on the worker have committed so far.
std::uint64_t sealer_commits(const SealerTicket &ticket);
// Gives the slot up when no open transaction counts on the worker; then the worker seals once more
// and exits.
bool sealer_retire(const SealerTicket &ticket);
// The worker is gone (exit or failure): a transaction that counts on it registers another at commit.
void sealer_withdraw(const SealerTicket &ticket);

} // namespace approval_gate
