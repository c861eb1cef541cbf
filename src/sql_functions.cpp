// SQL-callable entry points: decode arguments, run the C++ rules inside sql_entry, encode the result.
#include "gate.hpp"
#include "events.hpp"
#include "guc.hpp"
#include "hash_memo.hpp"
#include "jcs.hpp"
#include "pg_bridge.hpp"
#include "policy.hpp"
#include "protect.hpp"
#include "request_hash.hpp"
#include "spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_MODULE_MAGIC;
}

namespace approval_gate {
namespace {

// Free text (reason, note) is for humans; a bound keeps a caller from filling the tables.
constexpr size_t max_note_bytes = 8192;

std::string to_utf8(const char *s, size_t len)
{
    if (GetDatabaseEncoding() == PG_UTF8)
        return std::string(s, len);
    return pg_call([&] { return std::string(pg_server_to_any(s, static_cast<int>(len), PG_UTF8)); });
}

pg_uuid_t arg_uuid(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL");
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
    std::string value = pg_call([&] {
        text *t = PG_GETARG_TEXT_PP(n);
        return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    });
    if (value.size() > max_bytes)
        fail(ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
             std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
    return value;
}

std::string arg_text(FunctionCallInfo fcinfo, int n, const char *name, size_t max_bytes)
{
    std::optional<std::string> value = arg_opt_text(fcinfo, n, name, max_bytes);
    if (!value)
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL");
    return *value;
}

std::string arg_action(FunctionCallInfo fcinfo, int n)
{
    std::string action = arg_text(fcinfo, n, "action", SIZE_MAX);
    check_action(action);
    return action;
}

bool arg_bool(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL");
    return PG_GETARG_BOOL(n);
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
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL");
    return *value;
}

// subject names the argument ("context", "JSON value"), verb what failed ("hashed", "canonicalized").
[[noreturn]] void fail_json(const JsonError &e, const std::string &subject, const std::string &verb)
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

bool is_json_object(const Jsonb *jsonb)
{
    return JB_ROOT_IS_OBJECT(jsonb) && !JB_ROOT_IS_SCALAR(jsonb);
}

Jsonb *jsonb_object_arg(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "context must not be NULL", "pass '{}' for no context");
    Jsonb *jsonb = pg_call([&] { return PG_GETARG_JSONB_P(n); });
    if (!is_json_object(jsonb))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "context must be a JSON object");
    return jsonb;
}

// The JSON text of a jsonb value, in UTF-8 whatever the database encoding.
std::string jsonb_text(Jsonb *jsonb)
{
    std::string text = pg_call([&] { return std::string(JsonbToCString(nullptr, &jsonb->root, VARSIZE(jsonb))); });
    return to_utf8(text.data(), text.size());
}

// The JSON text of the context, checked against the size limit.
std::string context_text(Jsonb *jsonb)
{
    std::string text = jsonb_text(jsonb);
    if (text.size() > static_cast<size_t>(max_context_bytes()))
        fail(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
             "context is " + std::to_string(text.size()) + " bytes of JSON, more than approval_gate.max_context_bytes (" +
                 std::to_string(max_context_bytes()) + ")");
    return text;
}

std::string hash_of(const pg_uuid_t &workspace_id, const std::string &action, const std::string &context_json,
                    FunctionCallInfo fcinfo, int sealed_arg)
{
    std::optional<std::string> sealed;
    if (!PG_ARGISNULL(sealed_arg))
        sealed = pg_call([&] {
            bytea *b = PG_GETARG_BYTEA_PP(sealed_arg);
            return std::string(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
        });
    try {
        return request_hash(uuid_to_string(workspace_id), to_utf8(action.data(), action.size()), context_json,
                            sealed ? std::optional<std::string_view>(*sealed) : std::nullopt);
    } catch (const JsonError &e) {
        fail_json(e, "context", "hashed");
    }
}

// The arguments that name what is asked for; the hash is left empty until it is needed.
GateKey read_key_unhashed(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg)
{
    GateKey key;
    key.workspace_id = arg_uuid(fcinfo, workspace_arg, "workspace_id");
    key.action = arg_action(fcinfo, action_arg);
    key.context = JsonbPGetDatum(jsonb_object_arg(fcinfo, context_arg));
    return key;
}

void hash_key(GateKey &key, FunctionCallInfo fcinfo, int sealed_arg)
{
    Jsonb *context = DatumGetJsonbP(key.context);
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
    key.request_hash = hash_of(key.workspace_id, key.action, json, fcinfo, sealed_arg);
    if (!memo_key.empty())
        remember_hash(std::move(memo_key), {key.request_hash, json.size()});
}

GateKey read_key(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg, int sealed_arg)
{
    GateKey key = read_key_unhashed(fcinfo, workspace_arg, action_arg, context_arg);
    hash_key(key, fcinfo, sealed_arg);
    return key;
}

// A text argument's bytes where they lie; nullopt when it is NULL, or compressed or out of line, which
// only PG_GETARG_TEXT_PP (it may allocate, and so fail) can read.
std::optional<std::string_view> text_arg_in_place(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    const auto *value = reinterpret_cast<const varlena *>(DatumGetPointer(PG_GETARG_DATUM(n)));
    if (VARATT_IS_COMPRESSED(value) || VARATT_IS_EXTERNAL(value))
        return std::nullopt;
    return std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

// The ungated answer, which stands in front of everything the agents do. It is given only where the
// full path would give it too: every argument present and well formed, and the policy cache already
// knowing the action to be ungated. The arguments are read where they lie, with no copy, no SQL and no
// PG_TRY to enter; whatever this cannot read goes the full way, which raises every argument error. No
// action check is needed: the cache holds only actions that passed it.
bool known_ungated(FunctionCallInfo fcinfo, int workspace_arg, int action_arg, int context_arg)
{
    if (PG_ARGISNULL(workspace_arg) || PG_ARGISNULL(context_arg))
        return false;
    std::optional<std::string_view> action = text_arg_in_place(fcinfo, action_arg);
    // A Jsonb is read in place only with its 4-byte header; PG_GETARG_JSONB_P copies any other.
    const auto *context = reinterpret_cast<const varlena *>(DatumGetPointer(PG_GETARG_DATUM(context_arg)));
    if (!action || !VARATT_IS_4B_U(context))
        return false;
    if (!is_json_object(reinterpret_cast<const Jsonb *>(context)))
        return false;
    std::optional<bool> gated = cached_is_gated(*PG_GETARG_UUID_P(workspace_arg), *action);
    return gated && !*gated;
}

// Whether a free-text argument is NULL or within max_note_bytes, read in place as known_ungated reads.
bool note_fits_in_place(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return true;
    std::optional<std::string_view> note = text_arg_in_place(fcinfo, n);
    return note && note->size() <= max_note_bytes;
}

// text[] or name[] argument; NULL elements are refused.
std::optional<std::vector<std::string>> arg_opt_name_array(FunctionCallInfo fcinfo, int n)
{
    if (PG_ARGISNULL(n))
        return std::nullopt;
    std::vector<std::string> out;
    bool has_null = false;
    pg_call([&] {
        ArrayType *array = PG_GETARG_ARRAYTYPE_P(n);
        Oid element_type = ARR_ELEMTYPE(array);
        int16 typlen;
        bool typbyval;
        char typalign;
        get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
        Datum *elements;
        bool *nulls;
        int count;
        deconstruct_array(array, element_type, typlen, typbyval, typalign, &elements, &nulls, &count);
        for (int i = 0; i < count; i++) {
            if (nulls[i])
                has_null = true;
            else if (element_type == NAMEOID)
                out.emplace_back(NameStr(*DatumGetName(elements[i])));
            else
                out.emplace_back(TextDatumGetCString(elements[i]));
        }
    });
    if (has_null)
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "array arguments must not contain NULL");
    return out;
}

Caller caller_of(const GateScope &scope)
{
    Caller c;
    c.role = scope.caller_role();
    c.role_name = pg_call([&] { return std::string(GetUserNameFromId(c.role, false)); });
    c.actor = current_actor();
    return c;
}

// request_hash is NULL for not_gated: the gate does not hash what it does not gate.
Datum decision_tuple(FunctionCallInfo fcinfo, const Decision &d, const std::string &request_hash)
{
    bool hashed = d.outcome != "not_gated";
    // One pg_call for the whole row: the ungated answer enters a single PG_TRY.
    return pg_call([&] {
        Datum outcome = PointerGetDatum(cstring_to_text_with_len(d.outcome.data(), static_cast<int>(d.outcome.size())));
        Datum id = d.request_id ? uuid_datum(*d.request_id) : (Datum)0;
        Datum hash = hashed ? PointerGetDatum(cstring_to_text_with_len(request_hash.data(),
                                                                       static_cast<int>(request_hash.size())))
                            : (Datum)0;
        // A prepared statement gets a fresh FmgrInfo at every execution, so fn_extra cannot keep the
        // descriptor between calls. The type cache keeps it for the backend and follows ALTER TYPE;
        // the call expression already names the result type, so finding it needs no catalog read.
        Oid result_type = get_fn_expr_rettype(fcinfo->flinfo);
        if (!OidIsValid(result_type))
            result_type = get_func_rettype(fcinfo->flinfo->fn_oid);
        TupleDesc desc = lookup_rowtype_tupdesc(result_type, -1);
        Datum values[3] = {outcome, id, hash};
        bool nulls[3] = {false, !d.request_id, !hashed};
        HeapTuple tuple = heap_form_tuple(desc, values, nulls);
        ReleaseTupleDesc(desc);
        return HeapTupleGetDatum(tuple);
    });
}

} // namespace
} // namespace approval_gate

using namespace approval_gate;

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_require);
Datum approval_gate_require(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        Decision decision{"not_gated", std::nullopt};
        if (known_ungated(fcinfo, 0, 1, 2) && note_fits_in_place(fcinfo, 3))
            return decision_tuple(fcinfo, decision, {});
        GateKey key = read_key_unhashed(fcinfo, 0, 1, 2);
        std::optional<std::string> reason = arg_opt_text(fcinfo, 3, "reason", max_note_bytes);
        {
            GateScope scope;
            if (is_gated(key.workspace_id, key.action)) {
                hash_key(key, fcinfo, 4);
                decision = require(key, reason, caller_of(scope));
            }
        }
        return decision_tuple(fcinfo, decision, key.request_hash);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_consume);
Datum approval_gate_consume(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        if (!PG_ARGISNULL(4) && known_ungated(fcinfo, 0, 1, 2))
            PG_RETURN_NULL();
        GateKey key = read_key_unhashed(fcinfo, 0, 1, 2);
        bool missing_ok = arg_bool(fcinfo, 4, "missing_ok");
        std::optional<pg_uuid_t> consumed;
        {
            GateScope scope;
            if (is_gated(key.workspace_id, key.action)) {
                hash_key(key, fcinfo, 3);
                consumed = consume(key, missing_ok, caller_of(scope));
            }
        }
        if (!consumed)
            PG_RETURN_NULL();
        return uuid_datum(*consumed);
    });
}

static Datum decide_entry(FunctionCallInfo fcinfo, bool approve)
{
    return sql_entry([&]() -> Datum {
        pg_uuid_t id = arg_uuid(fcinfo, 0, "request_id");
        std::optional<std::string> note = arg_opt_text(fcinfo, 1, "note", max_note_bytes);
        std::string status;
        {
            GateScope scope;
            status = decide(id, note, approve, caller_of(scope));
        }
        return text_datum(status);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_approve);
Datum approval_gate_approve(PG_FUNCTION_ARGS) { return decide_entry(fcinfo, true); }

PG_FUNCTION_INFO_V1(approval_gate_deny);
Datum approval_gate_deny(PG_FUNCTION_ARGS) { return decide_entry(fcinfo, false); }

PG_FUNCTION_INFO_V1(approval_gate_withdraw);
Datum approval_gate_withdraw(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        pg_uuid_t id = arg_uuid(fcinfo, 0, "request_id");
        std::string status;
        {
            GateScope scope;
            status = withdraw(id, caller_of(scope));
        }
        return text_datum(status);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_expire);
Datum approval_gate_expire(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        GateScope scope;
        return Int64GetDatum(expire_due(caller_of(scope)));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_request_hash);
Datum approval_gate_request_hash(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        GateKey key = read_key(fcinfo, 0, 1, 2, 3);
        return text_datum(key.request_hash);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_canonical_json);
Datum approval_gate_canonical_json(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        std::string json = jsonb_text(pg_call([&] { return PG_GETARG_JSONB_P(0); }));
        try {
            return text_datum(canonicalize_json(json, max_context_depth + 1));
        } catch (const JsonError &e) {
            fail_json(e, "JSON value", "canonicalized");
        }
    });
}

PG_FUNCTION_INFO_V1(approval_gate_set_policy);
Datum approval_gate_set_policy(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        PolicyChange change;
        change.action = arg_action(fcinfo, 0);
        change.workspace_id = arg_opt_uuid(fcinfo, 1);
        change.gated = arg_bool(fcinfo, 2, "gated");
        if (PG_ARGISNULL(3))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "required_approvals must not be NULL");
        change.required_approvals = PG_GETARG_INT32(3);
        if (PG_ARGISNULL(4))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "approver_role must not be NULL");
        change.approver_role = NameStr(*PG_GETARG_NAME(4));
        change.pending_ttl = arg_opt_interval(fcinfo, 5);
        change.approval_ttl = arg_interval(fcinfo, 6, "approval_ttl");
        change.deny_cooldown = arg_interval(fcinfo, 7, "deny_cooldown");
        change.allow_self_approval = arg_bool(fcinfo, 8, "allow_self_approval");
        GateScope scope;
        set_policy(change, caller_of(scope));
        PG_RETURN_VOID();
    });
}

PG_FUNCTION_INFO_V1(approval_gate_drop_policy);
Datum approval_gate_drop_policy(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        std::string action = arg_action(fcinfo, 0);
        std::optional<pg_uuid_t> workspace_id = arg_opt_uuid(fcinfo, 1);
        GateScope scope;
        return BoolGetDatum(drop_policy(action, workspace_id, caller_of(scope)));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_is_gated);
Datum approval_gate_is_gated(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        std::string action = arg_action(fcinfo, 1);
        GateScope scope;
        return BoolGetDatum(is_gated(workspace_id, action));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_set_parent);
Datum approval_gate_set_parent(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        std::optional<pg_uuid_t> parent_id = arg_opt_uuid(fcinfo, 1);
        GateScope scope;
        set_parent(workspace_id, parent_id, caller_of(scope));
        PG_RETURN_VOID();
    });
}

PG_FUNCTION_INFO_V1(approval_gate_verify_events);
Datum approval_gate_verify_events(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        std::optional<pg_uuid_t> workspace_id = arg_opt_uuid(fcinfo, 0);
        std::vector<ChainBreak> breaks;
        {
            GateScope scope;
            breaks = verify_chains(workspace_id);
        }
        pg_call([&] {
            InitMaterializedSRF(fcinfo, 0);
            auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
            for (const ChainBreak &b : breaks) {
                Datum values[3] = {uuid_datum(b.workspace_id), Int64GetDatum(b.seq), text_datum(b.problem)};
                bool nulls[3] = {false, false, false};
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
            }
        });
        return (Datum)0;
    });
}

PG_FUNCTION_INFO_V1(approval_gate_protect);
Datum approval_gate_protect(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        if (PG_ARGISNULL(0))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "target must not be NULL");
        Oid target = PG_GETARG_OID(0);
        std::string action = arg_action(fcinfo, 1);
        if (PG_ARGISNULL(2))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "workspace_column must not be NULL");
        std::string workspace_column = NameStr(*PG_GETARG_NAME(2));
        std::optional<std::vector<std::string>> key_columns = arg_opt_name_array(fcinfo, 3);
        std::optional<std::vector<std::string>> operations = arg_opt_name_array(fcinfo, 4);
        if (!operations)
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "operations must not be NULL");
        std::optional<std::vector<std::string>> gated_roles = arg_opt_name_array(fcinfo, 5);
        GateScope scope;
        protect(target, action, workspace_column, key_columns, *operations, gated_roles, caller_of(scope));
        PG_RETURN_VOID();
    });
}

PG_FUNCTION_INFO_V1(approval_gate_unprotect);
Datum approval_gate_unprotect(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        if (PG_ARGISNULL(0))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "target must not be NULL");
        Oid target = PG_GETARG_OID(0);
        GateScope scope;
        return BoolGetDatum(unprotect(target, caller_of(scope)));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_row_context);
Datum approval_gate_row_context(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "target and row_key must not be NULL");
        Oid target = PG_GETARG_OID(0);
        Jsonb *row_key = pg_call([&] { return PG_GETARG_JSONB_P(1); });
        std::string context;
        {
            GateScope scope;
            context = row_context(target, row_key);
        }
        return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(context.c_str())); });
    });
}

// AFTER ROW (DELETE/UPDATE) and BEFORE TRUNCATE trigger installed by approval_gate_protect().
PG_FUNCTION_INFO_V1(approval_gate_protect_trigger);
Datum approval_gate_protect_trigger(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("approval_gate_protect_trigger must be called as a trigger")));
    return sql_entry([&]() -> Datum {
        GateScope scope;
        check_protected_change(reinterpret_cast<TriggerData *>(fcinfo->context), caller_of(scope));
        return PointerGetDatum(nullptr);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_prune_events);
Datum approval_gate_prune_events(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        if (PG_ARGISNULL(1))
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "through_seq must not be NULL");
        int64 through_seq = PG_GETARG_INT64(1);
        GateScope scope;
        Caller caller = caller_of(scope);
        require_extension_admin(caller);
        return Int64GetDatum(prune_events(workspace_id, through_seq, caller.actor, caller.role_name));
    });
}

// Statement trigger on approval_gate_policies: every backend drops its policy cache at our commit.
PG_FUNCTION_INFO_V1(approval_gate_policies_changed);
Datum approval_gate_policies_changed(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("approval_gate_policies_changed must be called as a trigger")));
    CacheInvalidateRelcache(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_relation);
    return PointerGetDatum(nullptr);
}

PG_FUNCTION_INFO_V1(approval_gate_refuse_change);
Datum approval_gate_refuse_change(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("approval_gate_refuse_change must be called as a trigger")));
    auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
    Relation rel = trigger->tg_relation;
    if (pruning_events() && TRIGGER_FIRED_BY_DELETE(trigger->tg_event) &&
        strcmp(RelationGetRelationName(rel), "approval_gate_events") == 0)
        return PointerGetDatum(trigger->tg_trigtuple);
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("%s is append-only", RelationGetRelationName(rel)),
                    errhint("The audit log can only grow; its rows are written by the approval_gate functions.")));
    return PointerGetDatum(nullptr);
}

void _PG_init(void)
{
    define_settings();
    register_invalidation_callbacks();
}

} // extern "C"
