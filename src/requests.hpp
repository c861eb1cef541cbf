// The life of a request: require, consume, decide, withdraw, expire. Every function here runs inside
// an OwnerScope, takes the caller's Identity decided before it opened, and throws GateError/PgError.
#pragma once

#include "identity.hpp"
#include "policy.hpp"

extern "C" {
#include "utils/uuid.h"
}

#include <optional>
#include <string>

namespace approval_gate {

#define ERRCODE_AG_APPROVAL_REQUIRED MAKE_SQLSTATE('A', 'G', '0', '0', '1')

// What a request is about; the hash binds an approval to exactly this.
struct GateKey {
    pg_uuid_t workspace_id;
    std::string action;
    Datum context;             // the jsonb, stored with a new request
    std::string request_hash;  // from all of the above and the sealed bytes
};

enum class Outcome { NotGated, Approved, Denied, Pending };
const char *outcome_name(Outcome outcome);

struct Decision {
    Outcome outcome;
    std::optional<pg_uuid_t> request_id;
};

// policy: the key's policy, gated.
Decision require(const GateKey &key, const std::optional<std::string> &reason, const Policy &policy,
                 const Identity &who);
// nullopt when there is nothing this principal may consume.
std::optional<pg_uuid_t> consume(const GateKey &key, const Policy &policy, const Identity &who);
std::string decide(const pg_uuid_t &request_id, const std::optional<std::string> &note, bool approve,
                   const Identity &who);
std::string withdraw(const pg_uuid_t &request_id, const Identity &who);
int64 expire_due(const Identity &who);

// Whether role is a member of the named role (superusers are members of every role).
bool member_of(Oid role, const std::string &role_name);

} // namespace approval_gate
