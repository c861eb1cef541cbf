// The extension's settings (approval_gate.*), defined when the module loads.
#pragma once

#include <string>

namespace approval_gate {

void define_settings();

// approval_gate.actor when set and non-empty, else the session user's name.
std::string current_actor();
int max_context_bytes();
// approval_gate.audit_key: superuser-only; empty means the audit chain is plain SHA-256.
const std::string &audit_key();

} // namespace approval_gate
