// libFuzzer target for the RFC 8785 canonicalizer. Invariants (abort on violation):
//  1. no crash / sanitizer report on any input;
//  2. success => output is canonical: canonicalizing it again succeeds and yields itself;
//  3. success => output denotes the same value as the input (checked with the
//     independent parser below, not with the code under test);
//  4. two documents with equal canonical output have structurally equal values;
//  5. canonicalize_json_object agrees with canonicalize_json.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jcs.hpp"

namespace {

constexpr std::size_t kMaxDepth = 64;

// Deliberately naive model: only ever run on text the canonicalizer accepted,
// so it can assume well-formed JSON and recurse (depth <= kMaxDepth).
struct Value {
  enum Type { Null, True, False, Number, String, Array, Object } type = Null;
  double num = 0;
  std::string str;
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;  // sorted by byte order
};

bool equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Number: return a.num == b.num;  // -0 == 0 on purpose
    case Value::String: return a.str == b.str;
    case Value::Array:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!equal(a.items[i], b.items[i])) return false;
      return true;
    case Value::Object:
      if (a.members.size() != b.members.size()) return false;
      for (std::size_t i = 0; i < a.members.size(); ++i)
        if (a.members[i].first != b.members[i].first ||
            !equal(a.members[i].second, b.members[i].second))
          return false;
      return true;
    default: return true;
  }
}

struct Model {
  std::string_view s;
  std::size_t i = 0;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  }

  unsigned hex4() {
    unsigned v = static_cast<unsigned>(std::stoul(std::string(s.substr(i, 4)), nullptr, 16));
    i += 4;
    return v;
  }

  std::string str() {
    std::string out;
    ++i;
    while (s[i] != '"') {
      if (s[i] != '\\') { out += s[i++]; continue; }
      char e = s[i + 1];
      i += 2;
      if (e != 'u') {
        const char* from = "\"\\/bfnrt";
        const char* to = "\"\\/\b\f\n\r\t";
        out += to[std::strchr(from, e) - from];
        continue;
      }
      unsigned cp = hex4();
      if (cp >= 0xD800 && cp < 0xDC00) {
        i += 2;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4() - 0xDC00);
      }
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    ++i;
    return out;
  }

  Value value() {
    ws();
    Value v;
    char c = s[i];
    if (c == '[' || c == '{') {
      v.type = c == '[' ? Value::Array : Value::Object;
      ++i;
      ws();
      while (s[i] != ']' && s[i] != '}') {
        if (v.type == Value::Array) {
          v.items.push_back(value());
        } else {
          ws();
          std::string k = str();
          ws();
          ++i;  // ':'
          v.members.emplace_back(std::move(k), value());
        }
        ws();
        if (s[i] == ',') ++i;
        ws();
      }
      ++i;
      std::sort(v.members.begin(), v.members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
    } else if (c == '"') {
      v.type = Value::String;
      v.str = str();
    } else if (c == 't') { v.type = Value::True; i += 4; }
    else if (c == 'f') { v.type = Value::False; i += 5; }
    else if (c == 'n') { v.type = Value::Null; i += 4; }
    else {
      std::size_t end = s.find_first_not_of("+-0123456789.eE", i);
      if (end == std::string_view::npos) end = s.size();
      v.type = Value::Number;
      v.num = std::strtod(std::string(s.substr(i, end - i)).c_str(), nullptr);
      i = end;
    }
    return v;
  }
};

Value model(std::string_view s) { return Model{s}.value(); }

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

// Returns true and sets out when canonicalization succeeds; checks invariants 1-3 and 5.
bool check(std::string_view doc, std::string& out) {
  try {
    out = approval_gate::canonicalize_json(doc, kMaxDepth);
  } catch (const approval_gate::JsonError& e) {
    try {
      approval_gate::canonicalize_json_object(doc, kMaxDepth);
      violated("object variant accepted what canonicalize_json rejected");
    } catch (const approval_gate::JsonError& e2) {
      if (e2.kind != e.kind) violated("object variant reported a different error kind");
    }
    return false;
  }
  std::string again;
  try {
    again = approval_gate::canonicalize_json(out, kMaxDepth);
  } catch (const approval_gate::JsonError&) {
    violated("canonical output was rejected");
  }
  if (again != out) violated("canonicalization is not idempotent");
  if (!equal(model(doc), model(out))) violated("output value differs from input value");
  try {
    std::string obj = approval_gate::canonicalize_json_object(doc, kMaxDepth);
    if (out[0] != '{' || obj != out) violated("object variant disagrees");
  } catch (const approval_gate::JsonError& e) {
    if (out[0] == '{' || e.kind != approval_gate::JsonError::Kind::NotObject)
      violated("object variant failed on a valid object or with the wrong kind");
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string whole;
  check(in, whole);

  std::size_t cut = in.find('\0');
  std::string_view a, b;
  if (cut != std::string_view::npos) {
    a = in.substr(0, cut);
    b = in.substr(cut + 1);
  } else {
    a = in.substr(0, size / 2);
    b = in.substr(size / 2);
  }
  std::string ca, cb;
  if (check(a, ca) && check(b, cb) && ca == cb && !equal(model(a), model(b)))
    violated("different values share a canonical form");
  return 0;
}
