// The text of a protected row's key, the same in every session. Only base types whose text form is
// exact and depends on no setting are accepted (floats follow extra_float_digits, dates DateStyle and
// TimeZone, intervals IntervalStyle, bytea bytea_output); a domain counts as its base type. Values are
// rendered and parsed with the base type's built-in functions, so no domain check or other user code
// runs, and nothing here runs as the extension owner.
#pragma once

#include "boundary.hpp"

#include <string>

namespace approval_gate {

// The type's base type when it may key a protected row, else InvalidOid.
Oid allowed_key_base_type(Oid type);
extern const char *const allowed_key_types;  // for messages

std::string render_key(Oid base_type, Datum value);
// A person's text for a key value, parsed and rendered again: {"id": 5} and {"id": "05"} agree.
std::string normalize_key(Oid base_type, int32 base_typmod, const std::string &input);

} // namespace approval_gate
