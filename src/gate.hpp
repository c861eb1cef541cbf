// The gate's rules: require, consume, decide, withdraw, expire, and their administration.
// Every function here needs an open GateScope and throws GateError/PgError.
#pragma once

#include "spi.hpp"

#include <optional>
#include <string>
#include <vector>

namespace approval_gate {

#define ERRCODE_AG_APPROVAL_REQUIRED MAKE_SQLSTATE('A', 'G', '0', '0', '1')

// What a request is about; the hash binds an approval to exactly this.
struct GateKey {
    pg_uuid_t workspace_id;
    std::string action;
    Datum context;             // the jsonb, stored with a new request
    std::string request_hash;  // computed by the caller from all of the above and the sealed bytes
};

struct Caller {
    Oid role;
    std::string role_name;
    std::string actor;
};

struct Decision {
    std::string outcome;  // not_gated, approved, denied, pending
    std::optional<pg_uuid_t> request_id;
};

Decision require(const GateKey &key, const std::optional<std::string> &reason, const Caller &caller);
// nullopt: the action is not gated, or (with missing_ok) there is nothing to consume.
std::optional<pg_uuid_t> consume(const GateKey &key, bool missing_ok, const Caller &caller);
std::string decide(const pg_uuid_t &request_id, const std::optional<std::string> &note, bool approve,
                   const Caller &caller);
std::string withdraw(const pg_uuid_t &request_id, const Caller &caller);
int64 expire_due(const Caller &caller);
bool is_gated(const pg_uuid_t &workspace_id, const std::string &action);

struct PolicyChange {
    std::string action;
    std::optional<pg_uuid_t> workspace_id;
    bool gated;
    int32 required_approvals;
    std::string approver_role;
    std::optional<Interval> pending_ttl;
    Interval approval_ttl;
    Interval deny_cooldown;
    bool allow_self_approval;
};
void set_policy(const PolicyChange &change, const Caller &caller);
bool drop_policy(const std::string &action, const std::optional<pg_uuid_t> &workspace_id, const Caller &caller);
void set_parent(const pg_uuid_t &workspace_id, const std::optional<pg_uuid_t> &parent_id, const Caller &caller);

// Raises 42501 unless the caller owns the extension (or is a superuser).
void require_extension_admin(const Caller &caller);

// Raises 22023 unless 1..128 bytes: an action is an identifier, not free text.
void check_action(const std::string &action);

} // namespace approval_gate
