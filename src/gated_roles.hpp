// Whether the current role is one of a protection's gated roles. It is the WHEN condition of a
// protected table's row trigger, evaluated for every row a statement changes, so the answer is kept
// until a role or a role membership changes anywhere in the cluster.
#pragma once

#include "boundary.hpp"

extern "C" {
#include "utils/array.h"
}

namespace approval_gate {

// True when the current role is a member (superuser status aside) of one of the named roles, or when
// a named role no longer exists: a protection whose role was dropped gates everybody.
bool current_role_gated(ArrayType *role_names);

void register_role_invalidation();

} // namespace approval_gate
