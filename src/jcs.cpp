#include "jcs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>
#include <utility>
#include <vector>

namespace approval_gate {

JsonError::JsonError(Kind k, std::string msg, std::string h)
    : std::runtime_error(std::move(msg)), kind(k), hint(std::move(h)) {}

namespace {

constexpr const char* kNumberHint =
    "pass numbers that do not survive a round trip through an IEEE-754 double as JSON strings";

[[noreturn]] void syntax(std::size_t pos, const std::string& what) {
  throw JsonError(JsonError::Kind::Syntax,
                  "invalid JSON at byte " + std::to_string(pos) + ": " + what);
}

// A finite decimal as 0.<digits> * 10^exp, digits without leading/trailing zeros.
// Empty digits means zero (the sign of zero is irrelevant for exactness).
struct Decimal {
  bool negative = false;
  std::string digits;
  long long exp = 0;
  bool operator==(const Decimal& o) const {
    if (digits.empty() || o.digits.empty()) return digits.empty() && o.digits.empty();
    return negative == o.negative && digits == o.digits && exp == o.exp;
  }
};

// Input must already match the JSON number grammar (std::to_chars output also does).
Decimal to_decimal(std::string_view s) {
  Decimal d;
  std::size_t i = 0;
  if (s[i] == '-') { d.negative = true; ++i; }
  std::string all;
  long long int_len = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_len) all += s[i];
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) all += s[i];
  long long e = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (s[i] == '+' || s[i] == '-') eneg = s[i++] == '-';
    // Saturate: any exponent this large makes a non-zero value non-finite or
    // underflow, which is rejected anyway; only zero survives, and zero ignores exp.
    for (; i < s.size(); ++i) e = std::min<long long>(e * 10 + (s[i] - '0'), 1000000000000LL);
    if (eneg) e = -e;
  }
  std::size_t lead = all.find_first_not_of('0');
  if (lead == std::string::npos) return d;  // zero
  std::size_t last = all.find_last_not_of('0');
  d.digits = all.substr(lead, last - lead + 1);
  d.exp = e + int_len - static_cast<long long>(lead);
  return d;
}

// Shortest digits and decimal exponent n (value = 0.<digits> * 10^n) of finite non-zero |x|.
void shortest_digits(double x, std::string& digits, int& n) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));  // d[.ddd]e[+-]XX
  std::size_t epos = sci.find('e');
  digits.assign(1, sci[0]);
  if (epos > 1) digits.append(sci.substr(2, epos - 2));
  int e = 0;
  std::from_chars(sci.data() + epos + (sci[epos + 1] == '+' ? 2 : 1), sci.data() + sci.size(), e);
  n = e + 1;
}

std::string number_from_text(std::string_view text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  bool ok = r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(v);
  if (ok) {
    std::string shortest = format_jcs_number(v);
    ok = to_decimal(text) == to_decimal(shortest);
    if (ok) return shortest;
  }
  std::string shown(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  throw JsonError(JsonError::Kind::NumberNotExact,
                  "JSON number " + shown + " is not exactly representable as an IEEE-754 double",
                  kNumberHint);
}

struct Member {
  std::string key;  // UTF-8; empty for array elements
  std::size_t node;
};

struct Node {
  enum class Type { Null, True, False, Number, String, Array, Object } type;
  std::string text;  // canonical number text, or decoded string
  std::vector<Member> kids;
};

// Orders UTF-8 strings as their UTF-16 encodings would be ordered (RFC 8785 3.2.3)
// without converting them. UTF-8 bytes already order by code point, and UTF-16 only
// disagrees when a supplementary character (lead byte F0..F4, a surrogate pair in
// UTF-16) meets U+E000..U+FFFF (lead byte EE or EF): there the pair must sort first.
// Equal prefixes mean the first differing bytes sit at the same position in the same
// kind of sequence, so remapping EE/EF above F4 at that byte is enough.
bool utf16_less(const std::string& a, const std::string& b) {
  auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ib == b.end()) return false;
  if (ia == a.end()) return true;
  auto rank = [](char ch) {
    unsigned c = static_cast<unsigned char>(ch);
    return c == 0xEE || c == 0xEF ? c + 0x10 : c;
  };
  return rank(*ia) < rank(*ib);
}

void append_utf8(std::string& out, char32_t cp) {
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

class Parser {
 public:
  Parser(std::string_view in, std::size_t max_depth) : in_(in), max_depth_(max_depth) {}

  // Builds the whole tree in a flat vector with an explicit stack, so nesting depth
  // never consumes C stack (the server's stack is small and depth is attacker-chosen).
  std::vector<Node> parse() {
    std::vector<std::size_t> open;  // indices of unclosed containers
    std::string key;
    for (;;) {
      // Expect a value.
      ws();
      if (pos_ >= in_.size()) syntax(pos_, "unexpected end of input, expected a value");
      char c = in_[pos_];
      std::size_t idx = nodes_.size();
      if (c == '[' || c == '{') {
        if (open.size() >= max_depth_)
          throw JsonError(JsonError::Kind::TooDeep,
                          "JSON nesting exceeds the maximum depth of " + std::to_string(max_depth_));
        ++pos_;
        add(open, key, Node{c == '[' ? Node::Type::Array : Node::Type::Object, {}, {}});
        open.push_back(idx);
        ws();
        if (pos_ < in_.size() && in_[pos_] == (c == '[' ? ']' : '}')) {
          ++pos_;
          open.pop_back();
        } else {
          if (c == '{') member_key(key);
          continue;
        }
      } else {
        add(open, key, scalar());
      }
      // After a complete value: close containers or move to the next element.
      for (;;) {
        if (open.empty()) {
          ws();
          if (pos_ != in_.size()) syntax(pos_, "unexpected data after the JSON value");
          return std::move(nodes_);
        }
        Node& top = nodes_[open.back()];
        bool is_obj = top.type == Node::Type::Object;
        ws();
        if (pos_ >= in_.size()) syntax(pos_, "unexpected end of input inside a container");
        char d = in_[pos_++];
        if (d == ',') {
          if (is_obj) member_key(key);
          break;
        }
        if (d != (is_obj ? '}' : ']'))
          syntax(pos_ - 1, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        if (is_obj) sort_members(top);
        open.pop_back();
      }
    }
  }

 private:
  void add(const std::vector<std::size_t>& open, std::string& key, Node n) {
    nodes_.push_back(std::move(n));
    if (open.empty()) return;
    Node& parent = nodes_[open.back()];
    parent.kids.push_back(Member{std::move(key), nodes_.size() - 1});
    key.clear();
  }

  static void sort_members(Node& obj) {
    std::sort(obj.kids.begin(), obj.kids.end(),
              [](const Member& a, const Member& b) { return utf16_less(a.key, b.key); });
    for (std::size_t i = 1; i < obj.kids.size(); ++i)
      if (obj.kids[i].key == obj.kids[i - 1].key) {
        std::string shown = obj.kids[i].key.substr(0, 40);
        throw JsonError(JsonError::Kind::DuplicateKey,
                        "duplicate JSON object key \"" + shown + "\"");
      }
  }

  void ws() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }

  void member_key(std::string& key) {
    ws();
    if (pos_ >= in_.size() || in_[pos_] != '"') syntax(pos_, "expected an object key string");
    key = string_body();
    ws();
    if (pos_ >= in_.size() || in_[pos_] != ':') syntax(pos_, "expected ':'");
    ++pos_;
  }

  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Node scalar() {
    char c = in_[pos_];
    if (c == '"') return Node{Node::Type::String, string_body(), {}};
    if (literal("true")) return Node{Node::Type::True, {}, {}};
    if (literal("false")) return Node{Node::Type::False, {}, {}};
    if (literal("null")) return Node{Node::Type::Null, {}, {}};
    if (c == '-' || (c >= '0' && c <= '9')) return Node{Node::Type::Number, number(), {}};
    syntax(pos_, "unexpected character");
  }

  bool digit() const { return pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9'; }

  std::string number() {
    std::size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    if (!digit()) syntax(pos_, "expected a digit");
    if (in_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      if (!digit()) syntax(pos_, "expected a digit after '.'");
      while (digit()) ++pos_;
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (!digit()) syntax(pos_, "expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    return number_from_text(in_.substr(start, pos_ - start));
  }

  unsigned hex4() {
    if (pos_ + 4 > in_.size()) syntax(pos_, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = in_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
      else syntax(pos_ - 1, "invalid hex digit in \\u escape");
    }
    return v;
  }

  // Validates one UTF-8 sequence strictly (no overlongs, no surrogates, <= U+10FFFF).
  void utf8_sequence(std::string& out) {
    std::size_t start = pos_;
    unsigned char c = static_cast<unsigned char>(in_[pos_]);
    int len;
    char32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else syntax(pos_, "invalid UTF-8");
    if (pos_ + static_cast<std::size_t>(len) > in_.size()) syntax(pos_, "truncated UTF-8");
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(k)]);
      if ((cc & 0xC0) != 0x80) syntax(pos_, "invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      syntax(pos_, "invalid UTF-8");
    pos_ += static_cast<std::size_t>(len);
    out.append(in_.substr(start, static_cast<std::size_t>(len)));
  }

  std::string string_body() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= in_.size()) syntax(pos_, "unterminated string");
      unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) syntax(pos_, "unescaped control character in string");
      if (c >= 0x80) {
        utf8_sequence(out);
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= in_.size()) syntax(pos_, "unterminated escape");
      char e = in_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          char32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) syntax(pos_ - 6, "lone low surrogate escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (in_.substr(pos_, 2) != "\\u") syntax(pos_, "lone high surrogate escape");
            pos_ += 2;
            char32_t lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) syntax(pos_ - 6, "lone high surrogate escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: syntax(pos_ - 1, "invalid escape");
      }
    }
  }

  std::string_view in_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  std::vector<Node> nodes_;
};

void write_string(std::string& out, const std::string& s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string serialize(const std::vector<Node>& nodes) {
  std::string out;
  struct Frame { std::size_t node, next; };
  std::vector<Frame> stack;
  auto emit = [&](std::size_t i) {
    const Node& n = nodes[i];
    switch (n.type) {
      case Node::Type::Null: out += "null"; break;
      case Node::Type::True: out += "true"; break;
      case Node::Type::False: out += "false"; break;
      case Node::Type::Number: out += n.text; break;
      case Node::Type::String: write_string(out, n.text); break;
      case Node::Type::Array: out += '['; stack.push_back({i, 0}); break;
      case Node::Type::Object: out += '{'; stack.push_back({i, 0}); break;
    }
  };
  emit(0);
  while (!stack.empty()) {
    Frame& f = stack.back();
    const Node& n = nodes[f.node];
    bool is_obj = n.type == Node::Type::Object;
    if (f.next == n.kids.size()) {
      out += is_obj ? '}' : ']';
      stack.pop_back();
      continue;
    }
    const Member& m = n.kids[f.next++];
    if (f.next > 1) out += ',';
    if (is_obj) {
      write_string(out, m.key);
      out += ':';
    }
    emit(m.node);  // may invalidate f
  }
  return out;
}

}  // namespace

std::string format_jcs_number(double x) {
  if (!std::isfinite(x))
    throw JsonError(JsonError::Kind::NumberNotExact, "NaN and Infinity are not valid JSON numbers",
                    kNumberHint);
  if (x == 0) return "0";
  std::string digits;
  int n;
  shortest_digits(x, digits, n);
  const int k = static_cast<int>(digits.size());
  std::string out = x < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string canonicalize_json(std::string_view json_text, std::size_t max_depth) {
  return serialize(Parser(json_text, max_depth).parse());
}

std::string canonicalize_json_object(std::string_view json_text, std::size_t max_depth) {
  std::vector<Node> nodes = Parser(json_text, max_depth).parse();
  if (nodes[0].type != Node::Type::Object)
    throw JsonError(JsonError::Kind::NotObject, "JSON value must be an object");
  return serialize(nodes);
}

}  // namespace approval_gate
