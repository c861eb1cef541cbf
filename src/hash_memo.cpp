#include "hash_memo.hpp"

#include <unordered_map>

namespace approval_gate {

namespace {

// Bounds, so that a caller cycling through many contexts cannot grow a backend without limit.
constexpr std::size_t max_entries = 4096;
constexpr std::size_t max_key_bytes = 4096;

std::unordered_map<std::string, MemoizedHash> memo;

} // namespace

std::optional<MemoizedHash> recall_hash(std::string_view key)
{
    auto found = memo.find(std::string(key));
    if (found == memo.end())
        return std::nullopt;
    return found->second;
}

void remember_hash(std::string key, MemoizedHash value)
{
    if (key.size() > max_key_bytes)
        return;
    if (memo.size() >= max_entries)
        memo.clear();
    memo.emplace(std::move(key), std::move(value));
}

} // namespace approval_gate
