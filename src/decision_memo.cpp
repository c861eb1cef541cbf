#include "decision_memo.hpp"

extern "C" {
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
}

namespace approval_gate {

namespace {
// One entry: the repeated evaluations of one call follow each other.
std::optional<std::pair<DecisionMemoKey, Decision>> last;
} // namespace

std::optional<StatementMark> current_statement()
{
    // unguarded: every call below reads backend state without raising.
    if (!ActiveSnapshotSet())
        return std::nullopt;
    return StatementMark{MyProc->lxid, GetCurrentStatementStartTimestamp(), GetActiveSnapshot()->curcid,
                         GetCurrentSubTransactionId()};
}

std::optional<Decision> recall_decision(const DecisionMemoKey &key)
{
    if (!last)
        return std::nullopt;
    const DecisionMemoKey &k = last->first;
    if (k.at == key.at && k.principal == key.principal && k.request_hash == key.request_hash && k.reason == key.reason)
        return last->second;
    return std::nullopt;
}

void remember_decision(DecisionMemoKey key, const Decision &decision) { last.emplace(std::move(key), decision); }

} // namespace approval_gate
