// SQL-callable entry points of protected tables, and the extension's trigger functions.
#include "args.hpp"
#include "audit.hpp"
#include "encoding.hpp"
#include "gated_roles.hpp"
#include "installation.hpp"
#include "protect.hpp"

extern "C" {
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/rel.h"
}

#include <cstring>

using namespace approval_gate;

namespace {

// Trigger functions check how they were called before anything else: attached by hand to another
// table, event or timing, they refuse with 39P01 rather than read what is not there.
TriggerData *trigger_data(FunctionCallInfo fcinfo, const char *function)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED, std::string(function) + " must be called as a trigger");
    return reinterpret_cast<TriggerData *>(fcinfo->context);
}

[[noreturn]] void refuse_trigger_use(const char *function)
{
    fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
         std::string(function) + " fired on a table, event or timing it was not made for",
         "the approval_gate extension creates its own triggers; do not attach its trigger functions by hand");
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_protect);
Datum approval_gate_protect(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 6);
        accept_invalidations();
        ProtectRequest request;
        request.target = arg_oid(fcinfo, 0, "target");
        request.action = arg_action(fcinfo, 1);
        request.workspace_column = arg_name(fcinfo, 2, "workspace_column");
        request.key_columns = arg_opt_name_array(fcinfo, 3);
        std::optional<std::vector<std::string>> operations = arg_opt_name_array(fcinfo, 4);
        if (!operations)
            fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "operations must not be NULL");
        request.operations = *operations;
        request.gated_roles = arg_opt_name_array(fcinfo, 5);
        protect(request, current_identity());
        PG_RETURN_VOID();
    });
}

PG_FUNCTION_INFO_V1(approval_gate_unprotect);
Datum approval_gate_unprotect(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        accept_invalidations();
        Oid target = arg_oid(fcinfo, 0, "target");
        return BoolGetDatum(unprotect(target, current_identity()));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_row_context);
Datum approval_gate_row_context(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        Oid target = arg_oid(fcinfo, 0, "target");
        Jsonb *row_key = arg_jsonb(fcinfo, 1, "row_key");
        std::string context = from_utf8(row_context(target, row_key));
        return guarded(DirectFunctionCall1Coll, jsonb_in, InvalidOid, CStringGetDatum(context.c_str()));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_caller_gated);
Datum approval_gate_caller_gated(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        // A NULL list gates nobody by name; the trigger is created without WHEN for "every role".
        if (PG_ARGISNULL(0))
            PG_RETURN_BOOL(false);
        return BoolGetDatum(caller_gated(PG_GETARG_ARRAYTYPE_P(0)));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_protect_trigger);
Datum approval_gate_protect_trigger(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        TriggerData *trigger = trigger_data(fcinfo, "approval_gate_protect_trigger");
        accept_invalidations();
        check_protected_change(trigger);
        return PointerGetDatum(nullptr);
    });
}

// Statement trigger on approval_gate_policies: every backend drops its policy cache at our commit.
PG_FUNCTION_INFO_V1(approval_gate_policies_changed);
Datum approval_gate_policies_changed(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        TriggerData *trigger = trigger_data(fcinfo, "approval_gate_policies_changed");
        if (!TRIGGER_FIRED_AFTER(trigger->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event) ||
            strcmp(RelationGetRelationName(trigger->tg_relation), "approval_gate_policies") != 0)
            refuse_trigger_use("approval_gate_policies_changed");
        guarded(CacheInvalidateRelcache, trigger->tg_relation);
        return PointerGetDatum(nullptr);
    });
}

// The audit tables are append-only, even for their owner; prune_events alone deletes old events.
PG_FUNCTION_INFO_V1(approval_gate_refuse_change);
Datum approval_gate_refuse_change(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        TriggerData *trigger = trigger_data(fcinfo, "approval_gate_refuse_change");
        TriggerEvent event = trigger->tg_event;
        Relation rel = trigger->tg_relation;
        bool row_change = TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_ROW(event) &&
                          (TRIGGER_FIRED_BY_UPDATE(event) || TRIGGER_FIRED_BY_DELETE(event));
        bool truncate = TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_BY_TRUNCATE(event);
        if (!row_change && !truncate)
            refuse_trigger_use("approval_gate_refuse_change");
        // Deletions during a prune are let through on the events table only; the name check needs no
        // installation lookup when the extension's own upgrade script runs this trigger.
        if (pruning_events() && TRIGGER_FIRED_BY_DELETE(event) &&
            strcmp(RelationGetRelationName(rel), "approval_gate_events") == 0)
            return PointerGetDatum(trigger->tg_trigtuple);
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, std::string(RelationGetRelationName(rel)) + " is append-only",
             "The audit log can only grow; its rows are written by the approval_gate functions.");
    });
}

} // extern "C"
