// The audit log: every transition is appended to a per-workspace SHA-256 (or HMAC) hash chain and
// broadcast with NOTIFY approval_gate, both inside the caller's transaction.
#pragma once

#include "spi.hpp"

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

struct Event {
    pg_uuid_t workspace_id;
    pg_uuid_t request_id;
    std::string action;
    std::string event;   // requested, escalated, vote, approved, denied, withdrawn, expired, consumed
    std::string status;  // the request's status after the transition
    std::string actor;
    std::string actor_role;
    std::optional<pg_uuid_t> to_workspace_id;
};

// Needs an open GateScope.
void record_event(const Event &e);

struct ChainBreak {
    pg_uuid_t workspace_id;
    int64 seq;
    std::string problem;
};

// The first broken link of each chain (all chains when workspace_id is nullopt).
std::vector<ChainBreak> verify_chains(const std::optional<pg_uuid_t> &workspace_id);

// Removes a workspace's events 1..through_seq (the newest event always stays) and records the
// anchor from which verification resumes. Returns how many events were removed.
int64 prune_events(const pg_uuid_t &workspace_id, int64 through_seq, const std::string &actor,
                   const std::string &role_name);

// True only while prune_events deletes: the append-only trigger lets those deletions through.
bool pruning_events();

} // namespace approval_gate
