// The live (pending or approved) requests of one key, read straight from their partial index, the
// consumption of one of them, and the row lock and update behind every decision. The read is behind nearly every call (an agent polling, a consume
// that finds nothing) and the consumption behind every gated operation, so both skip the planner:
// an index probe, or the executor's single-row update, costs a fraction of a planned statement.
#pragma once

#include "gate.hpp"

extern "C" {
#include "storage/itemptr.h"
}

#include <optional>
#include <string>
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

// A request this transaction has row-locked, as SELECT ... FOR UPDATE would (see lock_row_by_key): the
// columns a decision reads, and the version a decision updates.
struct LockedRequest {
    pg_uuid_t id;
    pg_uuid_t workspace_id;
    std::string action;
    std::string status;
    std::string requested_by;
    std::string requested_role;
    int32 required_approvals;
    std::optional<TimestampTz> expires_at;
    std::optional<pg_uuid_t> escalated_to;
    ItemPointerData version;
};

// std::nullopt when there is no such request.
std::optional<LockedRequest> lock_request(const pg_uuid_t &id);

// Records a decision on a request locked by lock_request: status, decided_at (the statement's time),
// decided_by, decision_note and approved_until.
void resolve_request(const LockedRequest &r, const char *status, const std::string &decided_by,
                     const std::optional<std::string> &note, std::optional<TimestampTz> approved_until);

} // namespace approval_gate
