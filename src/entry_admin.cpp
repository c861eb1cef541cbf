// SQL-callable entry points of administration: policies and the workspace hierarchy.
#include "admin.hpp"
#include "args.hpp"
#include "installation.hpp"
#include "owner_scope.hpp"
#include "policy.hpp"

using namespace approval_gate;

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_set_policy);
Datum approval_gate_set_policy(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 10);
        accept_invalidations();
        PolicyChange change;
        change.action = arg_action(fcinfo, 0);
        change.workspace_id = arg_opt_uuid(fcinfo, 1);
        change.gated = arg_bool(fcinfo, 2, "gated");
        change.required_approvals = arg_int4(fcinfo, 3, "required_approvals");
        change.approver_role = arg_name(fcinfo, 4, "approver_role");
        change.pending_ttl = arg_opt_interval(fcinfo, 5);
        change.approval_ttl = arg_interval(fcinfo, 6, "approval_ttl");
        change.deny_cooldown = arg_interval(fcinfo, 7, "deny_cooldown");
        change.allow_self_approval = arg_bool(fcinfo, 8, "allow_self_approval");
        change.consumable_by_any = arg_bool(fcinfo, 9, "consumable_by_any");
        Identity who = current_identity();
        as_owner([&] { set_policy(change, who); });
        PG_RETURN_VOID();
    });
}

PG_FUNCTION_INFO_V1(approval_gate_drop_policy);
Datum approval_gate_drop_policy(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        std::string action = arg_action(fcinfo, 0);
        std::optional<pg_uuid_t> workspace_id = arg_opt_uuid(fcinfo, 1);
        Identity who = current_identity();
        return BoolGetDatum(as_owner([&] { return drop_policy(action, workspace_id, who); }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_is_gated);
Datum approval_gate_is_gated(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        std::string action = arg_action(fcinfo, 1);
        return BoolGetDatum(as_owner([&] {
            std::optional<Policy> policy = policy_for(workspace_id, action);
            return policy && policy->gated;
        }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_set_parent);
Datum approval_gate_set_parent(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        pg_uuid_t workspace_id = arg_uuid(fcinfo, 0, "workspace_id");
        std::optional<pg_uuid_t> parent_id = arg_opt_uuid(fcinfo, 1);
        Identity who = current_identity();
        as_owner([&] { set_parent(workspace_id, parent_id, who); });
        PG_RETURN_VOID();
    });
}

} // extern "C"
