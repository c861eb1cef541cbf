// One statement, one decision. PostgreSQL may evaluate one call several times within a statement:
// SELECT (approval_gate_require(...)).* runs it once per output column, and a call in a query's target
// list runs once per row. The first evaluation decides; every later one with the same arguments, by the
// same principal, in the same statement, gets that decision back and writes nothing.
#pragma once

#include "requests.hpp"

#include <optional>
#include <string>

namespace approval_gate {

// Where this evaluation stands: the transaction, the statement, the command within it and the
// subtransaction. nullopt when there is no statement to speak of (no active snapshot).
struct StatementMark {
    uint32 lxid;
    TimestampTz statement_start;
    uint32 command_id;
    uint32 subxact;
    bool operator==(const StatementMark &o) const
    {
        return lxid == o.lxid && statement_start == o.statement_start && command_id == o.command_id &&
               subxact == o.subxact;
    }
};
std::optional<StatementMark> current_statement();

struct DecisionMemoKey {
    StatementMark at;
    std::string principal;
    std::string request_hash;
    std::optional<std::string> reason;
};

std::optional<Decision> recall_decision(const DecisionMemoKey &key);
void remember_decision(DecisionMemoKey key, const Decision &decision);

} // namespace approval_gate
