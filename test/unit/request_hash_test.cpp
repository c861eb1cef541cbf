// The request hash and the small JSON writers, outside the server.
#include "hash_memo.hpp"
#include "json_text.hpp"
#include "jcs.hpp"
#include "request_hash.hpp"
#include "sha256.hpp"

#include <gtest/gtest.h>

using namespace approval_gate;

namespace {
const char *ws = "11111111-1111-1111-1111-111111111111";
}

TEST(RequestHash, IsSha256OfTheCanonicalDocumentInTheReadme)
{
    EXPECT_EQ(request_hash(ws, "delete_workspace", "{}", std::nullopt),
              sha256_hex("{\"action\":\"delete_workspace\",\"context\":{},"
                         "\"workspace_id\":\"11111111-1111-1111-1111-111111111111\"}"));
}

TEST(RequestHash, SealedBytesAreBoundAsTheHexDigestBetweenContextAndWorkspace)
{
    std::string sealed("s3cr\0t", 6);
    EXPECT_EQ(request_hash(ws, "secret_write", "{\"name\":\"db\"}", std::string_view(sealed)),
              sha256_hex("{\"action\":\"secret_write\",\"context\":{\"name\":\"db\"},\"sealed\":\"" +
                         sha256_hex(sealed) + "\",\"workspace_id\":\"" + ws + "\"}"));
    EXPECT_NE(request_hash(ws, "secret_write", "{}", std::string_view("a")),
              request_hash(ws, "secret_write", "{}", std::string_view("b")));
    EXPECT_NE(request_hash(ws, "secret_write", "{}", std::string_view("")),
              request_hash(ws, "secret_write", "{}", std::nullopt));
}

TEST(RequestHash, KeyOrderAndSpacingDoNotMatterButValuesDo)
{
    EXPECT_EQ(request_hash(ws, "a", "{\"x\": 1, \"y\": [true, null]}", std::nullopt),
              request_hash(ws, "a", "{\"y\":[true,null],\"x\":1.0}", std::nullopt));
    EXPECT_NE(request_hash(ws, "a", "{\"x\": 1}", std::nullopt), request_hash(ws, "a", "{\"x\": \"1\"}", std::nullopt));
    EXPECT_NE(request_hash(ws, "a", "{}", std::nullopt), request_hash(ws, "b", "{}", std::nullopt));
}

TEST(RequestHash, AnActionCannotSmuggleMembersIntoTheDocument)
{
    // Escaped as a JSON string, a quote in the action stays part of the action.
    std::string forged = "x\",\"workspace_id\":\"22222222-2222-2222-2222-222222222222";
    EXPECT_NO_THROW(request_hash(ws, forged, "{}", std::nullopt));
    EXPECT_NE(request_hash(ws, forged, "{}", std::nullopt),
              request_hash("22222222-2222-2222-2222-222222222222", "x", "{}", std::nullopt));
}

TEST(RequestHash, RefusesContextsTooDeepOrInexact)
{
    std::string deep = "{\"a\":" + std::string(max_context_depth, '[') + std::string(max_context_depth, ']') + "}";
    EXPECT_THROW(request_hash(ws, "a", deep, std::nullopt), JsonError);
    std::string fits = "{\"a\":" + std::string(max_context_depth - 1, '[') +
                       std::string(max_context_depth - 1, ']') + "}";
    EXPECT_NO_THROW(request_hash(ws, "a", fits, std::nullopt));
    EXPECT_THROW(request_hash(ws, "a", "{\"n\":9007199254740993}", std::nullopt), JsonError);
}

TEST(JsonText, QuoteEscapesOnlyWhatRfc8785Escapes)
{
    EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_quote(std::string("\b\f\n\r\t\x01\x1f", 7)), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"");
    EXPECT_EQ(json_quote("\x7f/\xe2\x82\xac"), "\"\x7f/\xe2\x82\xac\"");
    // What json_quote writes is already canonical.
    std::string quoted = json_quote(std::string("x\x02\"\xc3\xa9", 5));
    EXPECT_EQ(canonicalize_json(quoted, 1), quoted);
}

TEST(JsonText, ObjectWritesMembersInOrderWithNulls)
{
    EXPECT_EQ(json_object({{"a", std::string("1")}, {"b", std::nullopt}}), "{\"a\":\"1\",\"b\":null}");
    EXPECT_EQ(json_object({}), "{}");
}

TEST(HashMemo, RecallsExactlyWhatWasRememberedAndStaysBounded)
{
    EXPECT_FALSE(recall_hash("key-a"));
    remember_hash("key-a", {"hash-a", 10});
    ASSERT_TRUE(recall_hash("key-a"));
    EXPECT_EQ(recall_hash("key-a")->request_hash, "hash-a");
    EXPECT_EQ(recall_hash("key-a")->context_json_bytes, 10u);
    EXPECT_FALSE(recall_hash("key-b"));
    EXPECT_FALSE(recall_hash(std::string("key-a\0", 6)));
    // A key too large to be worth keeping is not kept.
    std::string large(8192, 'x');
    remember_hash(large, {"hash-large", 1});
    EXPECT_FALSE(recall_hash(large));
    // Past its bound the memo starts again rather than growing.
    for (int i = 0; i < 5000; i++)
        remember_hash("k" + std::to_string(i), {"h", 1});
    EXPECT_FALSE(recall_hash("key-a"));
}
