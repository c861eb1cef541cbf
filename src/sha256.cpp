#include "sha256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <stdexcept>

namespace approval_gate {

namespace {

std::string to_hex(const unsigned char* p, unsigned int n) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2u);
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[p[i] >> 4];
    out += hex[p[i] & 0xF];
  }
  return out;
}

// Fetched once: OpenSSL 3 otherwise looks the algorithm up again on every digest.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md ? md : EVP_sha256();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, sha256_md(), nullptr) != 1)
    throw std::runtime_error("OpenSSL SHA-256 digest failed");
  return to_hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (key.size() > static_cast<std::size_t>(INT_MAX) ||
      HMAC(sha256_md(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md, &len) == nullptr)
    throw std::runtime_error("OpenSSL HMAC-SHA-256 failed");
  return to_hex(md, len);
}

}  // namespace approval_gate
