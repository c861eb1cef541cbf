// The live (pending or approved) requests of one key, read straight from their partial index, and
// the consumption of one of them. The read is behind nearly every call (an agent polling, a consume
// that finds nothing) and the consumption behind every gated operation, so both skip the planner:
// an index probe, or the executor's single-row update, costs a fraction of a planned statement.
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

// Consumes an approval the live read found, unless another transaction holds its row, as UPDATE ...
// WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) would: false when the row is held, is no longer the
// version read, or is no longer approved and unexpired. The row lock lasts until the transaction ends.
bool consume_unless_held(const Consumable &approval);

} // namespace approval_gate
