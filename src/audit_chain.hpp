// The audit chain's hashed material and the digest, as canonical JSON (RFC 8785) so that an auditor can
// recompute both outside the database. Pure C++: no postgres.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace approval_gate {

extern const std::string genesis_hash;  // the prev_hash of a chain's first event: 64 zeros

struct ChainLink {
    std::string workspace_id;  // lowercase UUID text
    std::int64_t seq;
    std::optional<std::string> request_id;
    std::string action, event, status, actor, actor_role;
    // Absent in events written by version 1.0, whose hashed object has no "principal" member; the hash
    // of every event written since covers it.
    std::optional<std::string> principal;
    std::optional<std::string> to_workspace_id;
    std::int64_t at;  // microseconds since 2000-01-01 UTC
    std::string prev_hash;
};

// {"action","actor","actor_role","at","event","prev_hash"[,"principal"],"request_id","seq","status",
//  "to_workspace_id","workspace_id"}, every value a string or null, "at" and "seq" as decimal strings.
std::string link_material(const ChainLink &link);
// SHA-256 of the material, or HMAC-SHA-256 with key when key is not empty.
std::string link_hash(const ChainLink &link, std::string_view key);

struct ChainHead {
    std::string workspace_id;
    std::int64_t seq;
    std::string hash;
    std::optional<std::int64_t> at;  // the newest event's time; absent when pruned away
};

// The canonical JSON array of the heads, sorted by workspace: [{"at","hash","seq","workspace_id"},...].
std::string digest_chains_json(const std::vector<ChainHead> &heads);
// The whole digest object: {"chains":[...],"digest":sha256_hex(chains),"taken_at":at,"version":"1"}.
std::string digest_json(const std::vector<ChainHead> &heads, std::int64_t taken_at);

} // namespace approval_gate
