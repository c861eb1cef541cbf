// SHA-256 helpers over OpenSSL libcrypto. Pure C++: must never include postgres.h.
#pragma once

#include <string>
#include <string_view>

namespace approval_gate {

// Lowercase hex SHA-256 digest of bytes. Throws std::runtime_error on OpenSSL failure.
std::string sha256_hex(std::string_view bytes);

// Lowercase hex HMAC-SHA-256 of bytes under key. Throws std::runtime_error on OpenSSL failure.
std::string hmac_sha256_hex(std::string_view key, std::string_view bytes);

}  // namespace approval_gate
