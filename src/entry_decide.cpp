// SQL-callable entry points of decisions: approve, deny, withdraw, expire.
#include "args.hpp"
#include "installation.hpp"
#include "owner_scope.hpp"

extern "C" {
#include "utils/builtins.h"
}

using namespace approval_gate;

namespace {

Datum text_result(const std::string &s)
{
    return PointerGetDatum(guarded(cstring_to_text_with_len, s.data(), static_cast<int>(s.size())));
}

Datum decide_entry(FunctionCallInfo fcinfo, bool approve)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 2);
        accept_invalidations();
        pg_uuid_t id = arg_uuid(fcinfo, 0, "request_id");
        std::optional<std::string> note = arg_opt_text(fcinfo, 1, "note", max_note_bytes);
        Identity who = current_identity();
        return text_result(as_owner([&] { return decide(id, note, approve, who); }));
    });
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(approval_gate_approve);
Datum approval_gate_approve(PG_FUNCTION_ARGS) { return decide_entry(fcinfo, true); }

PG_FUNCTION_INFO_V1(approval_gate_deny);
Datum approval_gate_deny(PG_FUNCTION_ARGS) { return decide_entry(fcinfo, false); }

PG_FUNCTION_INFO_V1(approval_gate_withdraw);
Datum approval_gate_withdraw(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 1);
        accept_invalidations();
        pg_uuid_t id = arg_uuid(fcinfo, 0, "request_id");
        Identity who = current_identity();
        return text_result(as_owner([&] { return withdraw(id, who); }));
    });
}

PG_FUNCTION_INFO_V1(approval_gate_expire);
Datum approval_gate_expire(PG_FUNCTION_ARGS)
{
    return sql_entry([&]() -> Datum {
        expect_args(fcinfo, 0);
        accept_invalidations();
        Identity who = current_identity();
        return Int64GetDatum(as_owner([&] { return expire_due(who); }));
    });
}

} // extern "C"
