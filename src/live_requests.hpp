// The live (pending or approved) requests of one key, read straight from their partial index.
// This is the read behind nearly every call (an agent polling, a consume that finds nothing), so it
// skips the executor: an index probe costs a fraction of a planned statement's start-up.
#pragma once

#include "gate.hpp"

extern "C" {
#include "storage/itemptr.h"
}

#include <optional>
#include <vector>

namespace approval_gate {

struct PendingRow {
    pg_uuid_t id;
    std::optional<TimestampTz> expires_at;
};

struct Consumable {
    pg_uuid_t id;
    ItemPointerData row_version;  // the version the live read saw
};

struct LiveRequests {
    std::vector<Consumable> consumable;  // approved and not run out, oldest approval first
    std::optional<PendingRow> pending;
};

// Reads with the snapshot a statement run now would use, as the owner (needs an open GateScope).
LiveRequests read_live_requests(const GateKey &key);

// Row-locks an approval the live read found, unless another transaction holds it, as SELECT ... FOR
// UPDATE SKIP LOCKED would: false when it is held, or when the version read is no longer the newest.
// The lock lasts until the transaction ends, so the UPDATE that consumes it never waits.
bool lock_unless_held(const Consumable &approval);

} // namespace approval_gate
