// The gate's rules as plain functions: who may consume, vote, withdraw; what a quorum counts.
#include "rules.hpp"

#include <gtest/gtest.h>

using namespace approval_gate::rules;

namespace {

LiveRequest approved(Micros decided_at, Micros until, std::string by)
{
    return LiveRequest{Status::Approved, std::nullopt, until, decided_at, std::move(by)};
}

LiveRequest pending(std::optional<Micros> expires, std::string by)
{
    return LiveRequest{Status::Pending, expires, std::nullopt, 0, std::move(by)};
}

} // namespace

TEST(ParseStatus, KnowsEveryStatusAndNothingElse)
{
    for (const char *word : {"pending", "approved", "consumed", "denied", "withdrawn", "expired"}) {
        std::optional<Status> s = parse_status(word);
        ASSERT_TRUE(s) << word;
        EXPECT_STREQ(status_name(*s), word);
    }
    EXPECT_FALSE(parse_status("Pending"));
    EXPECT_FALSE(parse_status(""));
    EXPECT_FALSE(parse_status("consumed "));
}

TEST(MayConsume, OnlyTheRequesterUnlessThePolicySaysAny)
{
    EXPECT_TRUE(may_consume("agent", "agent", false));
    EXPECT_FALSE(may_consume("agent2", "agent", false));
    EXPECT_TRUE(may_consume("agent2", "agent", true));
    // Principals compare as exact bytes: no case folding, no trimming.
    EXPECT_FALSE(may_consume("Agent", "agent", false));
    EXPECT_FALSE(may_consume("agent ", "agent", false));
}

TEST(ClassifyLive, TakesOnlyUnexpiredApprovalsOfThisPrincipalOldestFirst)
{
    std::vector<LiveRequest> live = {approved(30, 1000, "agent"), approved(10, 1000, "agent"),
                                     approved(20, 1000, "agent2"), approved(5, 100, "agent"),
                                     pending(std::nullopt, "agent2"), pending(std::nullopt, "agent")};
    LiveView view = classify_live(live, 100, "agent", false);
    EXPECT_EQ(view.consumable, (std::vector<std::size_t>{1, 0}));  // decided at 10, then 30; 5 ran out at 100
    ASSERT_TRUE(view.pending);
    EXPECT_EQ(*view.pending, 5u);  // the agent's own pending request, not agent2's
}

TEST(ClassifyLive, ConsumableByAnyOpensEveryApprovalButNotEveryPendingRequest)
{
    std::vector<LiveRequest> live = {approved(10, 1000, "agent"), pending(std::nullopt, "agent")};
    LiveView view = classify_live(live, 100, "agent2", true);
    EXPECT_EQ(view.consumable, (std::vector<std::size_t>{0}));
    EXPECT_FALSE(view.pending);
}

TEST(ClassifyLive, AnApprovalWithoutAnEndIsNeverTaken)
{
    std::vector<LiveRequest> live = {LiveRequest{Status::Approved, std::nullopt, std::nullopt, 1, "agent"}};
    EXPECT_TRUE(classify_live(live, 100, "agent", false).consumable.empty());
}

TEST(DeadlinePassed, AtTheDeadlineItHasPassed)
{
    EXPECT_FALSE(deadline_passed(std::nullopt, 100));
    EXPECT_FALSE(deadline_passed(101, 100));
    EXPECT_TRUE(deadline_passed(100, 100));
    EXPECT_TRUE(deadline_passed(99, 100));
}

TEST(VoteRefusal, InOrderPendingThenDeadlineThenSelfThenTwice)
{
    std::vector<Vote> none;
    std::vector<Vote> alice_voted = {{"alice", true}};
    EXPECT_EQ(vote_refusal(Status::Approved, std::nullopt, 0, "agent", "alice", false, none), VoteRefusal::NotPending);
    EXPECT_EQ(vote_refusal(Status::Pending, 10, 10, "agent", "alice", false, none), VoteRefusal::Expired);
    EXPECT_EQ(vote_refusal(Status::Pending, std::nullopt, 0, "alice", "alice", false, none), VoteRefusal::SelfApproval);
    EXPECT_EQ(vote_refusal(Status::Pending, std::nullopt, 0, "alice", "alice", true, none), VoteRefusal::None);
    EXPECT_EQ(vote_refusal(Status::Pending, std::nullopt, 0, "agent", "alice", false, alice_voted),
              VoteRefusal::AlreadyVoted);
    EXPECT_EQ(vote_refusal(Status::Pending, std::nullopt, 0, "agent", "bob", false, alice_voted), VoteRefusal::None);
}

TEST(Quorum, CountsDistinctPrincipalsThatApproved)
{
    // 1.0 let one actor vote twice under two roles: such a pair counts once.
    std::vector<Vote> votes = {{"alice", true}, {"alice", true}, {"bob", false}};
    EXPECT_EQ(distinct_approvers(votes), 1u);
    EXPECT_FALSE(quorum_reached(votes, 2));
    votes.push_back({"carol", true});
    EXPECT_TRUE(quorum_reached(votes, 2));
    EXPECT_FALSE(quorum_reached(votes, 0));  // a quorum below 1 is never reached: fail closed
}

TEST(WithdrawRefusal, TheRequesterFirst)
{
    EXPECT_EQ(withdraw_refusal(Status::Approved, std::nullopt, 0, "agent", "alice"), WithdrawRefusal::NotRequester);
    EXPECT_EQ(withdraw_refusal(Status::Approved, std::nullopt, 0, "agent", "agent"), WithdrawRefusal::NotPending);
    EXPECT_EQ(withdraw_refusal(Status::Pending, 5, 5, "agent", "agent"), WithdrawRefusal::Expired);
    EXPECT_EQ(withdraw_refusal(Status::Pending, std::nullopt, 5, "agent", "agent"), WithdrawRefusal::None);
}
