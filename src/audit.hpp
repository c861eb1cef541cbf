// The audit log. Every transition queues an event in the caller's transaction (it rolls back with
// it); sealing later appends queued events, in id order, to their workspace's hash chain, after their
// transactions committed, so no lock on a chain is ever held until a caller's commit.
#pragma once

#include "identity.hpp"

extern "C" {
#include "utils/uuid.h"
}

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

// A statement of this transaction queued events: approvers hear of them once it commits.
// Notifications are wake-ups with an empty payload: any role can LISTEN, so they carry nothing.
void events_queued(const Identity &who);

// Seals up to max_events queued events (all of them when max_events <= 0), serialised with every
// other sealer and pruner; returns how many. Needs an OwnerScope.
int64 seal_events(int64 max_events);

struct ChainProblem {
    std::optional<pg_uuid_t> workspace_id;
    std::optional<int64> seq;
    std::string problem;
};

// The first broken link of each chain, and the workspaces with events not sealed yet.
std::vector<ChainProblem> verify_chains(const std::optional<pg_uuid_t> &workspace_id);
// Every chain that is behind the digest or diverges from it. digest: a jsonb Datum.
std::vector<ChainProblem> verify_against_digest(Datum digest);
// Every chain head and one hash over them all, as canonical JSON text.
std::string take_digest();

int64 prune_events(const pg_uuid_t &workspace_id, int64 through_seq, const Identity &who);
// True only while prune_events deletes: the append-only trigger lets those deletions through.
bool pruning_events();

} // namespace approval_gate
