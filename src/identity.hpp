// Who a call is. Decided once per call, here and nowhere else, and every rule asks it.
//
// The principal is the person or agent a call counts as: who requested, who voted, who may withdraw
// or consume. A session whose login (session user) is a member of approval_gate_proxy, superusers
// included, is a trusted proxy: its principal is approval_gate.actor when that is set and non-empty,
// else its login. Every other session's principal is its login: SET ROLE and approval_gate.actor
// change nothing about it. Authorization (who may decide, manage policies, protect a table) asks the
// role in effect, the current user.
#pragma once

#include "boundary.hpp"

#include <string>

namespace approval_gate {

constexpr const char *proxy_role_name = "approval_gate_proxy";

struct Identity {
    Oid role;               // the current user: what authorization asks
    std::string role_name;
    std::string login;      // the session user
    std::string principal;  // who the call counts as
};

// Call it as the caller, before any OwnerScope opens. Raises 22001 for a principal over 256 bytes.
Identity current_identity();

} // namespace approval_gate
