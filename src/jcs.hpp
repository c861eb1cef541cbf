// RFC 8785 JSON Canonicalization Scheme. Pure C++: must never include postgres.h,
// so it can be unit-tested and fuzzed outside the server.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace approval_gate {

struct JsonError : std::runtime_error {
  enum class Kind { Syntax, TooDeep, NumberNotExact, DuplicateKey, NotObject };
  Kind kind;
  std::string hint;  // may be empty
  JsonError(Kind k, std::string msg, std::string hint = {});
};

// Parses strict RFC 8259 JSON text (UTF-8) and returns its RFC 8785 serialization.
// max_depth limits array/object nesting (1 = top-level container). Throws JsonError.
std::string canonicalize_json(std::string_view json_text, std::size_t max_depth);

// As canonicalize_json, but the top-level value must be an object (else Kind::NotObject).
std::string canonicalize_json_object(std::string_view json_text, std::size_t max_depth);

// ECMAScript Number::toString(x), as RFC 8785 requires. -0 -> "0".
// Throws JsonError(NumberNotExact) for NaN and infinities, which JSON cannot represent.
std::string format_jcs_number(double x);

}  // namespace approval_gate
