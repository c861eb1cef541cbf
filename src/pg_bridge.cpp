#include "pg_bridge.hpp"

namespace approval_gate {

ErrorData *capture_current_error(MemoryContext error_context)
{
    MemoryContextSwitchTo(error_context);
    ErrorData *data = CopyErrorData();
    FlushErrorState();
    return data;
}

static char *pstrdup_or_null(const std::string &s)
{
    return s.empty() ? nullptr : pstrdup(s.c_str());
}

void raise_gate_error(const GateError &error)
{
    int sqlstate = error.sqlstate;
    char *message = pstrdup(error.message.c_str());
    char *detail = pstrdup_or_null(error.detail);
    char *hint = pstrdup_or_null(error.hint);
    // The caller palloc'd the GateError; its std::string members own malloc'd memory.
    error.~GateError();
    ereport(ERROR,
            (errcode(sqlstate), errmsg_internal("%s", message), detail ? errdetail_internal("%s", detail) : 0,
             hint ? errhint("%s", hint) : 0));
    pg_unreachable();
}

} // namespace approval_gate
