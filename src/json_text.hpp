// Small JSON documents the extension writes itself (audit chain material, digests).
// Pure C++: no PostgreSQL headers, so it can be unit-tested alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace approval_gate {

// A JSON string literal escaped as RFC 8785 prescribes, so documents built from it are canonical.
std::string json_quote(std::string_view utf8);

// Builds {"k":"v",...} from members already sorted by name; a nullopt value is written as null.
std::string json_object(const std::vector<std::pair<std::string_view, std::optional<std::string>>> &members);

} // namespace approval_gate
