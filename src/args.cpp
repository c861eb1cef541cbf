#include "args.hpp"

#include "encoding.hpp"
#include "hash_memo.hpp"
#include "ids.hpp"
#include "jcs.hpp"
#include "policy.hpp"
#include "request_hash.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace approval_gate {

namespace {

[[noreturn]] void fail_null(const char *name, std::string hint = {})
{
    fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL", std::move(hint));
}

} // namespace

void fail_json(const JsonError &e, const std::string &subject, const std::string &verb)
{
    switch (e.kind) {
    case JsonError::Kind::TooDeep:
        fail(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
             subject + " is nested deeper than " + std::to_string(max_context_depth) + " levels");
    case JsonError::Kind::NumberNotExact:
        fail(ERRCODE_INVALID_PARAMETER_VALUE, subject + " cannot be " + verb + " exactly: " + e.what(),
             e.hint.empty() ? "pass the number as a JSON string" : e.hint);
    default:
        fail(ERRCODE_INVALID_PARAMETER_VALUE, subject + " cannot be " + verb + ": " + e.what(), e.hint);
    }
}

namespace {

bool is_json_object(const Jsonb *jsonb) { return JB_ROOT_IS_OBJECT(jsonb) && !JB_ROOT_IS_SCALAR(jsonb); }

varlena *detoast_packed(Datum d) { return pg_detoast_datum_packed(reinterpret_cast<varlena *>(DatumGetPointer(d))); }

std::string text_of(Datum d)
{
    varlena *t = guarded(detoast_packed, d);
    return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

char *jsonb_to_text(Jsonb *jsonb) { return JsonbToCString(nullptr, &jsonb->root, VARSIZE(jsonb)); }

Jsonb *detoast_jsonb(Datum d) { return DatumGetJsonbP(d); }

std::string hash_of(const GateKey &key, const std::string &context_json, FunctionCallInfo fcinfo, int sealed_arg)
{
    std::optional<std::string> sealed;
    if (!PG_ARGISNULL(sealed_arg))
        sealed = text_of(PG_GETARG_DATUM(sealed_arg));
    try {
        return request_hash(uuid_text(key.workspace_id), to_utf8(key.action), context_json,
                            sealed ? std::optional<std::string_view>(*sealed) : std::nullopt);
    } catch (const JsonError &e) {
        fail_json(e, "context", "hashed");
    }
}

// A text argument's bytes where they lie; nullopt when it is NULL, or compressed or out of line, which
// only a detoasting call (it may allocate, and so fail) can read.
std::optional<std::string_view> text_arg_in_place(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    const auto *value = reinterpret_cast<const varlena *>(DatumGetPointer(PG_GETARG_DATUM(n)));
    if (VARATT_IS_COMPRESSED(value) || VARATT_IS_EXTERNAL(value))
        return std::nullopt;
    return std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

struct ArrayElements {
    Oid type;
    Datum *values;
    bool *nulls;
    int count;
};

void deconstruct_any_array(Datum d, ArrayElements *out)
{
    ArrayType *array = DatumGetArrayTypeP(d);
    int16 typlen;
    bool typbyval;
    char typalign;
    out->type = ARR_ELEMTYPE(array);
    get_typlenbyvalalign(out->type, &typlen, &typbyval, &typalign);
    deconstruct_array(array, out->type, typlen, typbyval, typalign, &out->values, &out->nulls, &out->count);
}

} // namespace

std::string context_text(Jsonb *jsonb)
{
    std::string text = jsonb_utf8_text(jsonb);
    if (text.size() > static_cast<size_t>(max_context_bytes()))
        fail(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "context is " + std::to_string(text.size()) +
                                                 " bytes of JSON, more than approval_gate.max_context_bytes (" +
                                                 std::to_string(max_context_bytes()) + ")");
    return text;
}

void expect_args(FunctionCallInfo fcinfo, int nargs)
{
    if (PG_NARGS() != nargs)
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
             "the approval_gate objects in this database do not match the installed library",
             "run ALTER EXTENSION approval_gate UPDATE in this database");
}

std::string jsonb_utf8_text(Jsonb *jsonb)
{
    std::string text = guarded(jsonb_to_text, jsonb);
    return to_utf8(text);
}

pg_uuid_t arg_uuid(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return *PG_GETARG_UUID_P(n);
}

std::optional<pg_uuid_t> arg_opt_uuid(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    return *PG_GETARG_UUID_P(n);
}

std::optional<std::string> arg_opt_text(FunctionCallInfo fcinfo, int n, const char *name, size_t max_bytes)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    std::string value = text_of(PG_GETARG_DATUM(n));
    if (value.size() > max_bytes)
        fail(ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
             std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
    return value;
}

std::string arg_action(FunctionCallInfo fcinfo, int n)
{
    std::optional<std::string> action = arg_opt_text(fcinfo, n, "action", SIZE_MAX);
    if (!action)
        fail_null("action");
    if (action->empty() || action->size() > 128)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "action must be between 1 and 128 bytes long");
    return *action;
}

bool arg_bool(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return PG_GETARG_BOOL(n);
}

int32 arg_int4(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return PG_GETARG_INT32(n);
}

int64 arg_int8(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return PG_GETARG_INT64(n);
}

std::optional<Interval> arg_opt_interval(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    return *PG_GETARG_INTERVAL_P(n);
}

Interval arg_interval(FunctionCallInfo fcinfo, int n, const char *name)
{
    std::optional<Interval> value = arg_opt_interval(fcinfo, n);
    if (!value)
        fail_null(name);
    return *value;
}

std::string arg_name(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return NameStr(*PG_GETARG_NAME(n));
}

Oid arg_oid(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return PG_GETARG_OID(n);
}

Jsonb *arg_jsonb(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail_null(name);
    return guarded(detoast_jsonb, PG_GETARG_DATUM(n));
}

std::optional<std::vector<std::string>> arg_opt_name_array(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    ArrayElements elements{};
    guarded(deconstruct_any_array, PG_GETARG_DATUM(n), &elements);
    std::vector<std::string> out;
    for (int i = 0; i < elements.count; i++) {
        if (elements.nulls[i])
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "array arguments must not contain NULL");
        if (elements.type == NAMEOID)
            out.emplace_back(NameStr(*DatumGetName(elements.values[i])));
        else
            out.push_back(text_of(elements.values[i]));
    }
    return out;
}

GateKey read_key_unhashed(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg)
{
    GateKey key;
    key.workspace_id = arg_uuid(fcinfo, workspace_arg, "workspace_id");
    key.action = arg_action(fcinfo, action_arg);
    if (PG_ARGISNULL(context_arg))
        fail_null("context", "pass '{}' for no context");
    Jsonb *context = guarded(detoast_jsonb, PG_GETARG_DATUM(context_arg));
    if (!is_json_object(context))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "context must be a JSON object");
    key.context = JsonbPGetDatum(context);
    return key;
}

void hash_key(GateKey &key, FunctionCallInfo fcinfo, int sealed_arg)
{
    Jsonb *context = DatumGetJsonbP(key.context);  // unguarded: already detoasted by read_key_unhashed
    std::string memo_key;
    if (PG_ARGISNULL(sealed_arg)) {
        // Equal jsonb bytes are equal JSON, so a hit is exact; equal JSON in other bytes just misses.
        memo_key.append(reinterpret_cast<const char *>(key.workspace_id.data), UUID_LEN);
        memo_key.append(key.action).push_back('\0');
        memo_key.append(VARDATA(context), VARSIZE(context) - VARHDRSZ);
        if (std::optional<MemoizedHash> known = recall_hash(memo_key);
            known && known->context_json_bytes <= static_cast<size_t>(max_context_bytes())) {
            key.request_hash = known->request_hash;
            return;
        }
    }
    std::string json = context_text(context);
    key.request_hash = hash_of(key, json, fcinfo, sealed_arg);
    if (!memo_key.empty())
        remember_hash(std::move(memo_key), {key.request_hash, json.size()});
}

bool known_ungated(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg)
{
    if (PG_ARGISNULL(workspace_arg) || PG_ARGISNULL(context_arg))
        return false;
    std::optional<std::string_view> action = text_arg_in_place(fcinfo, action_arg);
    // A Jsonb is read in place only with its 4-byte header; detoasting would copy any other.
    const auto *context = reinterpret_cast<const varlena *>(DatumGetPointer(PG_GETARG_DATUM(context_arg)));
    if (!action || !VARATT_IS_4B_U(context) || !is_json_object(reinterpret_cast<const Jsonb *>(context)))
        return false;
    // The cache holds only actions that passed the action check, so none is needed here.
    std::optional<bool> gated = cached_is_gated(*PG_GETARG_UUID_P(workspace_arg), *action);
    return gated && !*gated;
}

bool note_fits_in_place(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return true;
    std::optional<std::string_view> note = text_arg_in_place(fcinfo, n);
    return note && note->size() <= max_note_bytes;
}

} // namespace approval_gate
