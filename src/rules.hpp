// The gate's decisions as plain functions over plain values. Pure C++ (no postgres.h), so every rule
// is unit-tested alone; the code that reads and writes rows stays thin around them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace approval_gate::rules {

using Micros = std::int64_t;  // a timestamptz: microseconds since 2000-01-01 UTC

enum class Status { Pending, Approved, Consumed, Denied, Withdrawn, Expired };

// nullopt for a word that is not a status: callers refuse it rather than guess.
std::optional<Status> parse_status(std::string_view word);
const char *status_name(Status status);

// A live (pending or approved) request of one key, as require and consume see it.
struct LiveRequest {
    Status status;
    std::optional<Micros> expires_at;      // pending: its deadline, if any
    std::optional<Micros> approved_until;  // approved: when it runs out
    Micros decided_at = 0;
    std::string requested_by;              // the requesting principal
};

struct LiveView {
    std::vector<std::size_t> consumable;  // indexes of approvals this principal may take, oldest approval first
    std::optional<std::size_t> pending;   // this principal's pending request, expired or not
};

// An approval may be consumed by the principal that requested it, or by anyone when the policy says
// consumable_by_any. A pending request is reused only by the principal that made it.
bool may_consume(std::string_view principal, std::string_view requested_by, bool consumable_by_any);
LiveView classify_live(const std::vector<LiveRequest> &live, Micros now, std::string_view principal,
                       bool consumable_by_any);

bool deadline_passed(const std::optional<Micros> &deadline, Micros now);

struct Vote {
    std::string principal;
    bool approve;
};

enum class VoteRefusal { None, NotPending, Expired, SelfApproval, AlreadyVoted };

// Whether principal may vote on a request (its approver role was checked before: that needs the
// server). One vote per principal; the requester votes only where the policy allows self-approval.
VoteRefusal vote_refusal(Status status, const std::optional<Micros> &expires_at, Micros now,
                         std::string_view requested_by, std::string_view principal, bool allow_self_approval,
                         const std::vector<Vote> &votes);

// A quorum counts distinct principals that approved.
std::size_t distinct_approvers(const std::vector<Vote> &votes);
bool quorum_reached(const std::vector<Vote> &votes, int required_approvals);

enum class WithdrawRefusal { None, NotRequester, NotPending, Expired };
WithdrawRefusal withdraw_refusal(Status status, const std::optional<Micros> &expires_at, Micros now,
                                 std::string_view requested_by, std::string_view principal);

} // namespace approval_gate::rules
