// Decoding SQL arguments into C++ values: every argument error is a GateError with a stable SQLSTATE.
#pragma once

#include "jcs.hpp"
#include "requests.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace approval_gate {

// Free text (reason, note) is for humans; a bound keeps a caller from filling the tables.
constexpr size_t max_note_bytes = 8192;

// Refuses a call whose SQL definition does not match this library (a database still running the
// objects of another version calls it with other arguments): before any argument is read.
void expect_args(FunctionCallInfo fcinfo, int nargs);

pg_uuid_t arg_uuid(FunctionCallInfo fcinfo, int n, const char *name);
std::optional<pg_uuid_t> arg_opt_uuid(FunctionCallInfo fcinfo, int n);
std::optional<std::string> arg_opt_text(FunctionCallInfo fcinfo, int n, const char *name, size_t max_bytes);
std::string arg_action(FunctionCallInfo fcinfo, int n);
bool arg_bool(FunctionCallInfo fcinfo, int n, const char *name);
int32 arg_int4(FunctionCallInfo fcinfo, int n, const char *name);
int64 arg_int8(FunctionCallInfo fcinfo, int n, const char *name);
std::optional<Interval> arg_opt_interval(FunctionCallInfo fcinfo, int n);
Interval arg_interval(FunctionCallInfo fcinfo, int n, const char *name);
std::string arg_name(FunctionCallInfo fcinfo, int n, const char *name);
Oid arg_oid(FunctionCallInfo fcinfo, int n, const char *name);
Jsonb *arg_jsonb(FunctionCallInfo fcinfo, int n, const char *name);
// text[] or name[]; NULL elements are refused.
std::optional<std::vector<std::string>> arg_opt_name_array(FunctionCallInfo fcinfo, int n);

// The arguments that name what is asked for, the hash left empty until it is needed.
GateKey read_key_unhashed(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg);
void hash_key(GateKey &key, FunctionCallInfo fcinfo, int sealed_arg);

// The ungated answer, read from the arguments where they lie, with no copy and no server call: given
// only where the full path would give it too (every argument present and well formed, the policy
// cache already knowing the action to be ungated).
bool known_ungated(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg);
bool note_fits_in_place(FunctionCallInfo fcinfo, int n);

// subject names the argument ("context"), verb what failed ("hashed"): 54000 or 22023.
[[noreturn]] void fail_json(const JsonError &e, const std::string &subject, const std::string &verb);

// The JSON text of a jsonb value, in UTF-8 whatever the database encoding.
std::string jsonb_utf8_text(Jsonb *jsonb);
// The same, refused with 54000 beyond approval_gate.max_context_bytes.
std::string context_text(Jsonb *jsonb);

} // namespace approval_gate
