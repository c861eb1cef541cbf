#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "jcs.hpp"
#include "sha256.hpp"

using approval_gate::canonicalize_json;
using approval_gate::canonicalize_json_object;
using approval_gate::format_jcs_number;
using approval_gate::hmac_sha256_hex;
using approval_gate::JsonError;
using approval_gate::sha256_hex;
using Kind = JsonError::Kind;

namespace {

constexpr std::size_t kDepth = 256;

std::string canon(const std::string& s) { return canonicalize_json(s, kDepth); }

// Returns the error kind, failing the test if no JsonError is thrown.
Kind error_kind(const std::string& s, std::size_t depth = kDepth) {
  try {
    std::string out = canonicalize_json(s, depth);
    ADD_FAILURE() << "accepted: " << s.substr(0, 80) << " -> " << out.substr(0, 80);
  } catch (const JsonError& e) {
    return e.kind;
  }
  return Kind::NotObject;  // unreachable in a passing test; NotObject is never thrown here
}

double from_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

// RFC 8785 Appendix B: IEEE-754 bit patterns and their required serializations.
TEST(Number, Rfc8785AppendixB) {
  const struct { std::uint64_t bits; const char* text; } cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_jcs_number(from_bits(c.bits)), c.text) << std::hex << c.bits;
    // Every canonical number text must itself be accepted and be a fixed point.
    EXPECT_EQ(canon(c.text), c.text);
  }
}

TEST(Number, NanAndInfinityRejected) {
  for (std::uint64_t bits : {0x7fffffffffffffffULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL}) {
    try {
      format_jcs_number(from_bits(bits));
      ADD_FAILURE() << std::hex << bits;
    } catch (const JsonError& e) {
      EXPECT_EQ(e.kind, Kind::NumberNotExact);
    }
  }
}

TEST(Number, FormattingBoundaries) {
  EXPECT_EQ(format_jcs_number(1e-7), "1e-7");
  EXPECT_EQ(format_jcs_number(1.5e-7), "1.5e-7");
  EXPECT_EQ(format_jcs_number(1e-6), "0.000001");
  EXPECT_EQ(format_jcs_number(1e20), "100000000000000000000");
  EXPECT_EQ(format_jcs_number(1e21), "1e+21");
  EXPECT_EQ(format_jcs_number(-1.5), "-1.5");
  EXPECT_EQ(format_jcs_number(123.456), "123.456");
  EXPECT_EQ(format_jcs_number(-0.0), "0");
}

TEST(Number, ExactValuesAccepted) {
  EXPECT_EQ(canon("0.1"), "0.1");
  EXPECT_EQ(canon("1.0"), "1");
  EXPECT_EQ(canon("-0"), "0");
  EXPECT_EQ(canon("-0.0e5"), "0");
  EXPECT_EQ(canon("0e999999999999999999999"), "0");
  EXPECT_EQ(canon("5e-324"), "5e-324");
  EXPECT_EQ(canon("1e21"), "1e+21");
  EXPECT_EQ(canon("1E+2"), "100");
  EXPECT_EQ(canon("123e-2"), "1.23");
  EXPECT_EQ(canon("0.000001000"), "0.000001");
  EXPECT_EQ(canon("9007199254740992"), "9007199254740992");
  EXPECT_EQ(canon("100000000000000000000000"), "1e+23");
  // PostgreSQL jsonb prints numerics without exponent.
  EXPECT_EQ(canon("0.00000000000000000005"), "5e-20");
  EXPECT_EQ(canon("1" + std::string(300, '0')), "1e+300");
  EXPECT_EQ(canon("0." + std::string(299, '0') + "1"), "1e-300");
}

TEST(Number, InexactValuesRejected) {
  EXPECT_EQ(error_kind("9007199254740993"), Kind::NumberNotExact);  // 2^53 + 1
  EXPECT_EQ(error_kind("1e400"), Kind::NumberNotExact);             // overflow
  EXPECT_EQ(error_kind("-1e400"), Kind::NumberNotExact);
  EXPECT_EQ(error_kind("1" + std::string(400, '0')), Kind::NumberNotExact);
  EXPECT_EQ(error_kind("1e-400"), Kind::NumberNotExact);  // underflows to 0
  EXPECT_EQ(error_kind("2e-324"), Kind::NumberNotExact);  // rounds to 0
  EXPECT_EQ(error_kind("3e-324"), Kind::NumberNotExact);  // rounds to 5e-324
  EXPECT_EQ(error_kind("0.10000000000000000555"), Kind::NumberNotExact);
  EXPECT_EQ(error_kind("333333333.33333329"), Kind::NumberNotExact);  // from RFC 8785 3.2.2
  // 2^64 is an exact double, but its shortest form 18446744073709552000 is a different decimal.
  EXPECT_EQ(error_kind("18446744073709551616"), Kind::NumberNotExact);
  EXPECT_EQ(canon("18446744073709552000"), "18446744073709552000");
  EXPECT_EQ(error_kind("[1, 2, 0.30000000000000001]"), Kind::NumberNotExact);
}

TEST(Number, ErrorNamesNumberAndGivesHint) {
  try {
    canon("{\"a\": 12345678901234567890123456789012345678901234567890}");
    FAIL();
  } catch (const JsonError& e) {
    EXPECT_EQ(e.kind, Kind::NumberNotExact);
    std::string msg = e.what();
    EXPECT_NE(msg.find("1234567890123456789012345678901234567890..."), std::string::npos) << msg;
    EXPECT_EQ(msg.find("12345678901234567890123456789012345678901"), std::string::npos) << msg;
    EXPECT_EQ(e.hint,
              "pass numbers that do not survive a round trip through an IEEE-754 double as "
              "JSON strings");
  }
}

TEST(Number, DistinctNumbersNeverCollide) {
  // The textually nearest distinct inputs either keep distinct output or are rejected.
  EXPECT_NE(canon("0.1"), canon("0.10000000000000002"));
  EXPECT_EQ(error_kind("0.10000000000000001"), Kind::NumberNotExact);
  EXPECT_NE(canon("9007199254740992"), canon("9007199254740994"));
}

TEST(Number, GrammarIsStrict) {
  for (const char* bad : {"01", "+1", ".5", "1.", "1e", "1e+", "-", "--1", "0x10", "NaN",
                          "Infinity", "-Infinity", "1.5e3.2", "00"})
    EXPECT_EQ(error_kind(bad), Kind::Syntax) << bad;
}

TEST(String, EscapesDecodedAndReencoded) {
  EXPECT_EQ(canon(R"("\u00e9\u20AC\/\"\\")"), "\"\u00e9\u20ac/\\\"\\\\\"");
  EXPECT_EQ(canon(R"("\ud83d\ude00")"), "\"\U0001F600\"");
  EXPECT_EQ(canon(R"("\b\t\n\f\r")"), R"("\b\t\n\f\r")");
  EXPECT_EQ(canon(R"("\u0000\u001F\u000B\u007f")"), "\"\\u0000\\u001f\\u000b\x7f\"");
  EXPECT_EQ(canon("\"\xc3\xa9\xf0\x9f\x98\x80\""), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  EXPECT_EQ(canon(std::string("[\"a\\u0000b\"]")), std::string("[\"a\\u0000b\"]"));
}

TEST(String, LoneSurrogatesRejected) {
  for (const char* bad : {R"("\ud800")", R"("\udc00")", R"("\ud800x")", R"("\ud800\u0041")",
                          R"("\ud800\ud800")", R"("\ude00\ud83d")", R"("\u12")", R"("\uZZZZ")",
                          R"("\x")", R"("\)"})
    EXPECT_EQ(error_kind(bad), Kind::Syntax) << bad;
}

TEST(String, InvalidUtf8Rejected) {
  for (const char* bad : {"\"\xc0\xaf\"",           // overlong '/'
                          "\"\xe0\x80\xaf\"",       // overlong 3-byte
                          "\"\xed\xa0\x80\"",       // UTF-8 encoded surrogate
                          "\"\xf4\x90\x80\x80\"",   // > U+10FFFF
                          "\"\xf5\x80\x80\x80\"", "\"\x80\"", "\"\xc3\"", "\"\xe2\x82\"",
                          "\"\xff\""})
    EXPECT_EQ(error_kind(bad), Kind::Syntax) << bad;
  EXPECT_EQ(error_kind("\xef\xbb\xbf{}"), Kind::Syntax);  // BOM is not JSON text
}

TEST(String, RawControlCharactersRejected) {
  EXPECT_EQ(error_kind(std::string("\"a\nb\"")), Kind::Syntax);
  EXPECT_EQ(error_kind(std::string("\"a\tb\"")), Kind::Syntax);
  EXPECT_EQ(error_kind(std::string("\"a\0b\"", 5)), Kind::Syntax);
}

TEST(Object, MembersSortedByUtf16CodeUnits) {
  // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000 and U+FFFF
  // (code point order or UTF-8 byte order would put it last).
  EXPECT_EQ(canon(R"({"\uffff":1,"\ud83d\ude00":2,"\ue000":3,"z":4,"Z":5,"":6,"\ud7ff":7})"),
            "{\"\":6,\"Z\":5,\"z\":4,\"\ud7ff\":7,\"\U0001F600\":2,\"\ue000\":3,\"\uffff\":1}");
  EXPECT_EQ(canon(R"({"a\ue000":1,"a\udbff\udfff":2,"a\ud800\udc00":3,"a":4,"a\u00ff":5})"),
            "{\"a\":4,\"a\u00ff\":5,\"a\U00010000\":3,\"a\U0010FFFF\":2,\"a\ue000\":1}");
  EXPECT_EQ(canon(R"({"b":{"d":1,"c":2},"a":[{"y":1,"x":2}]})"),
            R"({"a":[{"x":2,"y":1}],"b":{"c":2,"d":1}})");
  EXPECT_EQ(canon(R"({"ab":1,"a":2,"b":3})"), R"({"a":2,"ab":1,"b":3})");
}

TEST(Object, DuplicateKeysRejected) {
  EXPECT_EQ(error_kind(R"({"a":1,"a":2})"), Kind::DuplicateKey);
  EXPECT_EQ(error_kind(R"({"a":1,"\u0061":1})"), Kind::DuplicateKey);
  EXPECT_EQ(error_kind(R"({"x":{"b":1,"c":2,"b":3}})"), Kind::DuplicateKey);
  EXPECT_EQ(error_kind(R"([{"k":1},{"k":2,"k":2}])"), Kind::DuplicateKey);
  EXPECT_EQ(canon(R"([{"k":1},{"k":2}])"), R"([{"k":1},{"k":2}])");
}

TEST(Structure, WhitespaceRemovedAndLiterals) {
  EXPECT_EQ(canon(" \t\r\n[ true , false ,null ,{ } ,[ ] ] \n"), "[true,false,null,{},[]]");
  EXPECT_EQ(canon("true"), "true");
  EXPECT_EQ(canon("null"), "null");
  EXPECT_EQ(canon("\"s\""), "\"s\"");
}

TEST(Structure, SyntaxErrors) {
  for (const char* bad : {"", " ", "tru", "True", "nul", "[1,]", "[,1]", "{\"a\":1,}", "{,}",
                          "{\"a\"}", "{\"a\" 1}", "{a:1}", "{'a':1}", "[1 2]", "[", "]", "{",
                          "[1]]", "[1] x", "{} {}", "\"abc", "[\"a\"", "\v[]", "[1]\f",
                          "{\"a\":1 \"b\":2}", "[true false]", "nulll"})
    EXPECT_EQ(error_kind(bad), Kind::Syntax) << bad;
  EXPECT_EQ(error_kind(std::string("[1]\0", 4)), Kind::Syntax);
}

TEST(Structure, DepthLimit) {
  auto nest = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_EQ(canon(nest(256)), nest(256));
  EXPECT_EQ(error_kind(nest(257)), Kind::TooDeep);
  EXPECT_EQ(error_kind(std::string(10000, '[')), Kind::TooDeep);
  EXPECT_EQ(error_kind(std::string(10000, '{')), Kind::Syntax);  // key expected before depth 2
  std::string objs;
  for (int i = 0; i < 300; ++i) objs += "{\"a\":";
  EXPECT_EQ(error_kind(objs + "1" + std::string(300, '}')), Kind::TooDeep);
  EXPECT_EQ(error_kind("[]", 0), Kind::TooDeep);
  EXPECT_EQ(canonicalize_json("1", 0), "1");
  EXPECT_EQ(canonicalize_json("[[1]]", 2), "[[1]]");
  EXPECT_EQ(error_kind("[[1]]", 1), Kind::TooDeep);
  // A huge limit must not translate into deep C-stack recursion.
  EXPECT_EQ(canonicalize_json(nest(200000), 1000000), nest(200000));
}

TEST(Structure, TopLevelObjectRequirement) {
  EXPECT_EQ(canonicalize_json_object(R"( {"b":1,"a":2} )", kDepth), R"({"a":2,"b":1})");
  for (const char* bad : {"[]", "1", "\"{}\"", "null", "true"}) {
    try {
      canonicalize_json_object(bad, kDepth);
      ADD_FAILURE() << bad;
    } catch (const JsonError& e) {
      EXPECT_EQ(e.kind, Kind::NotObject) << bad;
    }
  }
  // Syntax problems are reported as such, not as NotObject.
  try {
    canonicalize_json_object("[", kDepth);
    ADD_FAILURE();
  } catch (const JsonError& e) {
    EXPECT_EQ(e.kind, Kind::Syntax);
  }
}

TEST(Vectors, FilesMatchExpected) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AG_VECTORS_DIR)) {
    if (entry.path().extension() != ".json") continue;
    auto expected = entry.path();
    expected.replace_extension(".expected");
    std::string out = canon(slurp(entry.path()));
    EXPECT_EQ(out, slurp(expected)) << entry.path();
    EXPECT_EQ(canon(out), out) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 6);
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)), sha256_hex(std::string("a\0b", 3)));
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
}

TEST(Sha256, HmacRfc4231) {
  // Test case 1.
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Sha256, HmacEmptyKeyAndMessage) {
  // Value from `printf '' | openssl dgst -sha256 -hmac ''`.
  EXPECT_EQ(hmac_sha256_hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
