// The extension's settings (approval_gate.*), defined when the module loads.
#pragma once

#include <cstddef>
#include <string>

namespace approval_gate {

constexpr std::size_t max_principal_bytes = 256;

void define_settings();

// approval_gate.actor as set; empty when unset. Only a trusted proxy's actor names a principal
// (identity.hpp decides that).
std::string actor_setting();
int max_context_bytes();
int sealer_idle_timeout_ms();

// The audit chain's HMAC key, read from the file named by approval_gate.audit_key_file; empty means
// plain SHA-256. Raises when the key cannot be read, or was configured through the old
// approval_gate.audit_key, which any login could read with SHOW before the library loaded.
std::string audit_key();

} // namespace approval_gate
