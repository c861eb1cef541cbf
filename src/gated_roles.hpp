// Whether the caller is one of a protection's gated roles: the role in effect or the session's login.
// The login counts because a foreign-key action, or a SECURITY DEFINER function, runs as another role
// while the change is still the login's. It is the WHEN condition of a protected table's triggers,
// evaluated for every row a statement changes, so the answer is kept until a role or a role membership
// changes anywhere in the cluster.
#pragma once

#include "boundary.hpp"

extern "C" {
#include "utils/array.h"
}

namespace approval_gate {

// True when the role in effect or the login is a member (superuser status aside) of one of the named
// roles, or when a named role no longer exists: a protection whose role was dropped gates everybody.
bool caller_gated(ArrayType *role_names);

void register_role_invalidation();

} // namespace approval_gate
