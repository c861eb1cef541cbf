// The request hash: what an approval is bound to. Pure C++, reproducible by any JCS client.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace approval_gate {

// Deeper contexts are refused: they are never legitimate and cost stack and time.
constexpr std::size_t max_context_depth = 256;

// Lowercase hex SHA-256 of the RFC 8785 form of
//   {"action": action, "context": context, "sealed": sha256_hex(sealed), "workspace_id": workspace_id}
// where "sealed" is present only when sealed bytes are given. workspace_id is the lowercase UUID text;
// context_json is the JSON text of an object. Throws JsonError for a context that cannot be hashed.
std::string request_hash(std::string_view workspace_id, std::string_view action, std::string_view context_json,
                         const std::optional<std::string_view> &sealed);

} // namespace approval_gate
