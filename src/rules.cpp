#include "rules.hpp"

#include <algorithm>
#include <set>

namespace approval_gate::rules {

std::optional<Status> parse_status(std::string_view word)
{
    if (word == "pending")
        return Status::Pending;
    if (word == "approved")
        return Status::Approved;
    if (word == "consumed")
        return Status::Consumed;
    if (word == "denied")
        return Status::Denied;
    if (word == "withdrawn")
        return Status::Withdrawn;
    if (word == "expired")
        return Status::Expired;
    return std::nullopt;
}

const char *status_name(Status status)
{
    switch (status) {
    case Status::Pending:
        return "pending";
    case Status::Approved:
        return "approved";
    case Status::Consumed:
        return "consumed";
    case Status::Denied:
        return "denied";
    case Status::Withdrawn:
        return "withdrawn";
    case Status::Expired:
        return "expired";
    }
    return "unknown";
}

bool may_consume(std::string_view principal, std::string_view requested_by, bool consumable_by_any)
{
    return consumable_by_any || principal == requested_by;
}

bool deadline_passed(const std::optional<Micros> &deadline, Micros now) { return deadline && *deadline <= now; }

LiveView classify_live(const std::vector<LiveRequest> &live, Micros now, std::string_view principal,
                       bool consumable_by_any)
{
    LiveView view;
    for (std::size_t i = 0; i < live.size(); i++) {
        const LiveRequest &r = live[i];
        if (r.status == Status::Approved) {
            // An approval without an end never comes from the functions; it is not taken.
            if (r.approved_until && *r.approved_until > now && may_consume(principal, r.requested_by, consumable_by_any))
                view.consumable.push_back(i);
        } else if (r.status == Status::Pending && r.requested_by == principal) {
            view.pending = i;
        }
    }
    std::stable_sort(view.consumable.begin(), view.consumable.end(),
                     [&](std::size_t a, std::size_t b) { return live[a].decided_at < live[b].decided_at; });
    return view;
}

VoteRefusal vote_refusal(Status status, const std::optional<Micros> &expires_at, Micros now,
                         std::string_view requested_by, std::string_view principal, bool allow_self_approval,
                         const std::vector<Vote> &votes)
{
    if (status != Status::Pending)
        return VoteRefusal::NotPending;
    if (deadline_passed(expires_at, now))
        return VoteRefusal::Expired;
    if (!allow_self_approval && principal == requested_by)
        return VoteRefusal::SelfApproval;
    if (std::any_of(votes.begin(), votes.end(), [&](const Vote &v) { return v.principal == principal; }))
        return VoteRefusal::AlreadyVoted;
    return VoteRefusal::None;
}

std::size_t distinct_approvers(const std::vector<Vote> &votes)
{
    std::set<std::string_view> approvers;
    for (const Vote &v : votes)
        if (v.approve)
            approvers.insert(v.principal);
    return approvers.size();
}

bool quorum_reached(const std::vector<Vote> &votes, int required_approvals)
{
    return required_approvals >= 1 && distinct_approvers(votes) >= static_cast<std::size_t>(required_approvals);
}

WithdrawRefusal withdraw_refusal(Status status, const std::optional<Micros> &expires_at, Micros now,
                                 std::string_view requested_by, std::string_view principal)
{
    if (principal != requested_by)
        return WithdrawRefusal::NotRequester;
    if (status != Status::Pending)
        return WithdrawRefusal::NotPending;
    if (deadline_passed(expires_at, now))
        return WithdrawRefusal::Expired;
    return WithdrawRefusal::None;
}

} // namespace approval_gate::rules
