#include "audit_chain.hpp"

#include "json_text.hpp"
#include "sha256.hpp"

#include <algorithm>

namespace approval_gate {

const std::string genesis_hash(64, '0');

std::string link_material(const ChainLink &l)
{
    std::vector<std::pair<std::string_view, std::optional<std::string>>> members = {
        {"action", l.action},
        {"actor", l.actor},
        {"actor_role", l.actor_role},
        {"at", std::to_string(l.at)},
        {"event", l.event},
        {"prev_hash", l.prev_hash},
    };
    if (l.principal)
        members.emplace_back("principal", l.principal);
    members.emplace_back("request_id", l.request_id);
    members.emplace_back("seq", std::to_string(l.seq));
    members.emplace_back("status", l.status);
    members.emplace_back("to_workspace_id", l.to_workspace_id);
    members.emplace_back("workspace_id", l.workspace_id);
    return json_object(members);
}

std::string link_hash(const ChainLink &link, std::string_view key)
{
    std::string material = link_material(link);
    return key.empty() ? sha256_hex(material) : hmac_sha256_hex(key, material);
}

std::string digest_chains_json(const std::vector<ChainHead> &heads)
{
    std::vector<const ChainHead *> sorted;
    for (const ChainHead &h : heads)
        sorted.push_back(&h);
    std::sort(sorted.begin(), sorted.end(),
              [](const ChainHead *a, const ChainHead *b) { return a->workspace_id < b->workspace_id; });
    std::string out = "[";
    for (const ChainHead *h : sorted) {
        if (out.size() > 1)
            out.push_back(',');
        out += json_object({{"at", h->at ? std::optional<std::string>(std::to_string(*h->at)) : std::nullopt},
                            {"hash", h->hash},
                            {"seq", std::to_string(h->seq)},
                            {"workspace_id", h->workspace_id}});
    }
    return out + "]";
}

std::string digest_json(const std::vector<ChainHead> &heads, std::int64_t taken_at)
{
    std::string chains = digest_chains_json(heads);
    return "{\"chains\":" + chains + ",\"digest\":" + json_quote(sha256_hex(chains)) +
           ",\"taken_at\":" + json_quote(std::to_string(taken_at)) + ",\"version\":\"1\"}";
}

} // namespace approval_gate
