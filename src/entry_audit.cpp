// SQL-callable entry points of the audit log: seal, verify, digest, prune.
#include "admin.hpp"
#include "args.hpp"
#include "audit.hpp"
#include "encoding.hpp"
#include "installation.hpp"
#include "owner_scope.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

using namespace approval_gate;

namespace {

void start_rows(FunctionCallInfo fcinfo) { InitMaterializedSRF(fcinfo, 0); }

void put_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum problems_result(FunctionCallInfo fcinfo, const std::vector<ChainProblem> &problems)
{
    guarded(start_rows, fcinfo);
    for (const ChainProblem &p : problems) {
        Datum values[3] = {(Datum)0, p.seq ? Int64GetDatum(*p.seq) : (Datum)0,
                           PointerGetDatum(guarded(cstring_to_text_with_len, p.problem.data(),
                                                   static_cast<int>(p.problem.size())))};
        if (p.workspace_id) {
            auto *copy = static_cast<pg_uuid_t *>(guarded(palloc, sizeof(pg_uuid_t)));
            *copy = *p.workspace_id;
            values[0] = UUIDPGetDatum(copy);
        }
        bool nulls[3] = {!p.workspace_id, !p.seq, false};
        guarded(put_row, fcinfo, values, nulls);
    }
    return (Datum)0;
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_verify_events);
Datum approval_gate_verify_events(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        accept_invalidations();
        std::optional<pg_uuid_t> workspace_id = arg_opt_uuid(fcinfo, 0);
        return problems_result(fcinfo, as_owner([&] { return verify_chains(workspace_id); }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_verify_events_digest);
Datum approval_gate_verify_events_digest(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        accept_invalidations();
        Datum digest = JsonbPGetDatum(arg_jsonb(fcinfo, 0, "digest"));
        return problems_result(fcinfo, as_owner([&] { return verify_against_digest(digest); }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_verify_events_text);
Datum approval_gate_verify_events_text(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        accept_invalidations();
        std::optional<std::string> text = arg_opt_text(fcinfo, 0, "workspace_or_digest", SIZE_MAX);
        // A UUID's text never holds a double quote; a digest's always does.
        if (text && text->find('"') != std::string::npos) {
            Datum digest = guarded(DirectFunctionCall1Coll, jsonb_in, InvalidOid, CStringGetDatum(text->c_str()));
            return problems_result(fcinfo, as_owner([&] { return verify_against_digest(digest); }));
        }
        std::optional<pg_uuid_t> workspace_id;
        if (text)
            workspace_id = *DatumGetUUIDP(guarded(DirectFunctionCall1Coll, uuid_in, InvalidOid,
                                                  CStringGetDatum(text->c_str())));
        return problems_result(fcinfo, as_owner([&] { return verify_chains(workspace_id); }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_digest);
Datum approval_gate_digest(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 0);
        accept_invalidations();
        std::string json = from_utf8(as_owner([&] { return take_digest(); }));
        return guarded(DirectFunctionCall1Coll, jsonb_in, InvalidOid, CStringGetDatum(json.c_str()));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_seal_events);
Datum approval_gate_seal_events(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 0);
        accept_invalidations();
        require_writable("approval_gate_seal_events");
        Identity who = current_identity();
        return Int64GetDatum(as_owner([&] {
            require_policy_manager(who);
            return seal_events(0);
        }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_prune_events);
Datum approval_gate_prune_events(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        require_writable("approval_gate_prune_events");
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        int64 through_seq = arg_int8(fcinfo, 1, "through_seq");
        Identity who = current_identity();
        return Int64GetDatum(as_owner([&] {
            require_policy_manager(who);
            return prune_events(workspace_id, through_seq, who);
        }));
    });
}

} // extern "C"
