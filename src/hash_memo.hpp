// A backend-local memo of recent request hashes. An agent polling for its approval sends the same
// workspace, action and context again and again; canonicalizing and hashing them is most of what
// such a call costs. Pure C++: keyed by the exact input bytes, so a hit is always the right answer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace approval_gate {

struct MemoizedHash {
    std::string request_hash;
    std::size_t context_json_bytes;  // the size limit is checked again on every hit
};

// key: every input of the hash, as bytes. Inputs with sealed bytes are never memoized: a secret
// must not outlive the call that carried it.
std::optional<MemoizedHash> recall_hash(std::string_view key);
void remember_hash(std::string key, MemoizedHash value);

} // namespace approval_gate
