// The audit chain's hashed material and the digest: canonical JSON a client can rebuild.
#include "audit_chain.hpp"
#include "jcs.hpp"
#include "sha256.hpp"

#include <gtest/gtest.h>

using namespace approval_gate;

namespace {
ChainLink sample(std::optional<std::string> principal)
{
    return ChainLink{"0c000000-0000-4000-8000-000000000001", 7, std::string("01a23aad-b3bc-71cf-aba2-5575aa2a8569"),
                     "delete_workspace", "vote", "pending", "pool", "approval_gate_approver", std::move(principal),
                     std::nullopt, 849595991996454, genesis_hash};
}
} // namespace

TEST(LinkMaterial, IsCanonicalJsonWithEveryMemberInOrder)
{
    std::string material = link_material(sample(std::string("user:alice")));
    EXPECT_EQ(material, canonicalize_json(material, 4));
    EXPECT_EQ(material,
              "{\"action\":\"delete_workspace\",\"actor\":\"pool\",\"actor_role\":\"approval_gate_approver\","
              "\"at\":\"849595991996454\",\"event\":\"vote\",\"prev_hash\":\"" + genesis_hash +
                  "\",\"principal\":\"user:alice\",\"request_id\":\"01a23aad-b3bc-71cf-aba2-5575aa2a8569\","
                  "\"seq\":\"7\",\"status\":\"pending\",\"to_workspace_id\":null,"
                  "\"workspace_id\":\"0c000000-0000-4000-8000-000000000001\"}");
}

TEST(LinkMaterial, EventsWrittenBy1_0HaveNoPrincipalMember)
{
    std::string material = link_material(sample(std::nullopt));
    EXPECT_EQ(material.find("principal"), std::string::npos);
    EXPECT_EQ(material, canonicalize_json(material, 4));
}

TEST(LinkHash, Sha256WithoutKeyHmacWithOne)
{
    ChainLink link = sample(std::string("user:alice"));
    EXPECT_EQ(link_hash(link, ""), sha256_hex(link_material(link)));
    EXPECT_EQ(link_hash(link, "k3y"), hmac_sha256_hex("k3y", link_material(link)));
    EXPECT_NE(link_hash(link, "k3y"), link_hash(link, "another"));
}

TEST(LinkHash, EveryMemberChangesTheHash)
{
    ChainLink base = sample(std::string("user:alice"));
    std::string h = link_hash(base, "");
    ChainLink c = base;
    c.principal = "user:mallory";
    EXPECT_NE(link_hash(c, ""), h);
    c = base;
    c.principal = std::nullopt;
    EXPECT_NE(link_hash(c, ""), h);
    c = base;
    c.seq = 8;
    EXPECT_NE(link_hash(c, ""), h);
    c = base;
    c.prev_hash = std::string(64, '1');
    EXPECT_NE(link_hash(c, ""), h);
    c = base;
    c.at += 1;
    EXPECT_NE(link_hash(c, ""), h);
}

TEST(Digest, SortedByWorkspaceAndHashedOverTheChainsArray)
{
    std::vector<ChainHead> heads = {{"b0000000-0000-4000-8000-000000000000", 3, std::string(64, 'b'), 5},
                                    {"a0000000-0000-4000-8000-000000000000", 9, std::string(64, 'a'), std::nullopt}};
    std::string chains = digest_chains_json(heads);
    EXPECT_EQ(chains, canonicalize_json(chains, 4));
    EXPECT_LT(chains.find("a0000000"), chains.find("b0000000"));
    EXPECT_NE(chains.find("\"at\":null"), std::string::npos);
    std::string digest = digest_json(heads, 42);
    EXPECT_EQ(digest, canonicalize_json(digest, 4));
    EXPECT_NE(digest.find("\"digest\":\"" + sha256_hex(chains) + "\""), std::string::npos);
    EXPECT_NE(digest.find("\"taken_at\":\"42\""), std::string::npos);
}
