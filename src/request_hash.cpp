#include "request_hash.hpp"

#include "jcs.hpp"
#include "json_text.hpp"
#include "sha256.hpp"

namespace approval_gate {

std::string request_hash(std::string_view workspace_id, std::string_view action, std::string_view context_json,
                         const std::optional<std::string_view> &sealed)
{
    // Assembled as plain JSON text, then canonicalised as one document: the context is parsed once,
    // and its exactness rules (numbers, duplicate keys, depth) apply to the whole.
    std::string document = "{\"action\":" + json_quote(action) + ",\"context\":";
    document.append(context_json);
    if (sealed)
        document += ",\"sealed\":" + json_quote(sha256_hex(*sealed));
    document += ",\"workspace_id\":" + json_quote(workspace_id) + "}";
    return sha256_hex(canonicalize_json_object(document, max_context_depth + 1));
}

} // namespace approval_gate
