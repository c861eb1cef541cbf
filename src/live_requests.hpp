// The live (pending or approved) requests of one key, read straight from their partial index.
// This is the read behind nearly every call (an agent polling, a consume that finds nothing), so it
// skips the executor: an index probe costs a fraction of a planned statement's start-up.
#pragma once

#include "gate.hpp"

#include <optional>
#include <vector>

namespace approval_gate {

struct PendingRow {
    pg_uuid_t id;
    std::optional<TimestampTz> expires_at;
};

struct LiveRequests {
    std::vector<pg_uuid_t> consumable;  // approved and not run out, oldest approval first
    std::optional<PendingRow> pending;
};

// Reads with the snapshot a statement run now would use, as the owner (needs an open GateScope).
LiveRequests read_live_requests(const GateKey &key);

} // namespace approval_gate
