// SQL-callable entry points of the gate itself: require, consume, and the pure helpers.
#include "args.hpp"
#include "decision_memo.hpp"
#include "ids.hpp"
#include "installation.hpp"
#include "jcs.hpp"
#include "owner_scope.hpp"
#include "policy.hpp"
#include "request_hash.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

using namespace approval_gate;

namespace {

// C-style, guarded as one unit. A prepared statement gets a fresh FmgrInfo at every execution, so
// fn_extra cannot keep the descriptor between calls; the type cache keeps it for the backend.
Datum form_decision(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
    Oid result_type = get_fn_expr_rettype(fcinfo->flinfo);
    if (!OidIsValid(result_type))
        result_type = get_func_rettype(fcinfo->flinfo->fn_oid);
    TupleDesc desc = lookup_rowtype_tupdesc(result_type, -1);
    HeapTuple tuple = heap_form_tuple(desc, values, nulls);
    ReleaseTupleDesc(desc);
    return HeapTupleGetDatum(tuple);
}

Datum text_datum(const std::string &s)
{
    return PointerGetDatum(guarded(cstring_to_text_with_len, s.data(), static_cast<int>(s.size())));
}

Datum uuid_datum(const pg_uuid_t &u)
{
    auto *copy = static_cast<pg_uuid_t *>(guarded(palloc, sizeof(pg_uuid_t)));
    *copy = u;
    return UUIDPGetDatum(copy);
}

// request_hash is NULL for not_gated: the gate does not hash what it does not gate.
Datum decision_row(FunctionCallInfo fcinfo, const Decision &d, const std::string &request_hash)
{
    bool hashed = d.outcome != Outcome::NotGated;
    Datum values[3] = {text_datum(outcome_name(d.outcome)), d.request_id ? uuid_datum(*d.request_id) : (Datum)0,
                       hashed ? text_datum(request_hash) : (Datum)0};
    bool nulls[3] = {false, !d.request_id, !hashed};
    return guarded(form_decision, fcinfo, values, nulls);
}

Datum not_gated_row(FunctionCallInfo fcinfo)
{
    Datum values[3] = {text_datum("not_gated"), (Datum)0, (Datum)0};
    bool nulls[3] = {false, true, true};
    return guarded(form_decision, fcinfo, values, nulls);
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_require);
Datum approval_gate_require(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 5);
        accept_invalidations();
        if (known_ungated(fcinfo, 0, 1, 2) && note_fits_in_place(fcinfo, 3))
            return not_gated_row(fcinfo);
        GateKey key = read_key_unhashed(fcinfo, 0, 1, 2);
        std::optional<std::string> reason = arg_opt_text(fcinfo, 3, "reason", max_note_bytes);
        Identity who = current_identity();
        Decision decision{Outcome::NotGated, std::nullopt};
        as_owner([&] {
            std::optional<Policy> policy = policy_for(key.workspace_id, key.action);
            if (!policy || !policy->gated)
                return;
            hash_key(key, fcinfo, 4);
            std::optional<StatementMark> at = current_statement();
            if (at) {
                DecisionMemoKey memo{*at, who.principal, key.request_hash, reason};
                if (std::optional<Decision> known = recall_decision(memo)) {
                    decision = *known;
                    return;
                }
                decision = require(key, reason, *policy, who);
                remember_decision(std::move(memo), decision);
            } else {
                decision = require(key, reason, *policy, who);
            }
        });
        return decision_row(fcinfo, decision, key.request_hash);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_consume);
Datum approval_gate_consume(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 5);
        accept_invalidations();
        if (!PG_ARGISNULL(4) && known_ungated(fcinfo, 0, 1, 2))
            PG_RETURN_NULL();
        GateKey key = read_key_unhashed(fcinfo, 0, 1, 2);
        bool missing_ok = arg_bool(fcinfo, 4, "missing_ok");
        Identity who = current_identity();
        std::optional<pg_uuid_t> consumed;
        bool gated = as_owner([&] {
            std::optional<Policy> policy = policy_for(key.workspace_id, key.action);
            if (!policy || !policy->gated)
                return false;
            hash_key(key, fcinfo, 3);
            consumed = consume(key, *policy, who);
            return true;
        });
        if (!consumed) {
            if (gated && !missing_ok)
                fail(ERRCODE_AG_APPROVAL_REQUIRED,
                     "approval required for action \"" + key.action + "\" on workspace " + uuid_text(key.workspace_id),
                     "call approval_gate_require() with the same workspace, action and context, and wait for a "
                     "human to approve it");
            PG_RETURN_NULL();
        }
        return uuid_datum(*consumed);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_request_hash);
Datum approval_gate_request_hash(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 4);
        GateKey key = read_key_unhashed(fcinfo, 0, 1, 2);
        hash_key(key, fcinfo, 3);
        return text_datum(key.request_hash);
    });
}

PG_FUNCTION_INFO_V1(approval_gate_canonical_json);
Datum approval_gate_canonical_json(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        std::string json = context_text(arg_jsonb(fcinfo, 0, "JSON value"));
        std::string canonical;
        try {
            canonical = canonicalize_json(json, max_context_depth + 1);
        } catch (const JsonError &e) {
            fail_json(e, "JSON value", "canonicalized");
        }
        return text_datum(canonical);
    });
}

// Who this session counts as, for a person checking the proxy setup.
PG_FUNCTION_INFO_V1(approval_gate_principal);
Datum approval_gate_principal(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 0);
        return text_datum(current_identity().principal);
    });
}

} // extern "C"
