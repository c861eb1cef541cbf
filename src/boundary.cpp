#include "boundary.hpp"

#include <cstring>

namespace approval_gate {

ErrorData *call_guarded(void (*thunk)(void *), void *closure)
{
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    {
        thunk(closure);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return error;
}

namespace {

// Long enough for every message the rules build; a longer one is cut, never overflowed.
struct KeptError {
    int sqlstate;
    char message[4096];
    char hint[4096];
    char detail[1024];
};
KeptError kept;

} // namespace

void keep_error(int sqlstate, const char *message, const char *hint, const char *detail) noexcept
{
    kept.sqlstate = sqlstate;
    strlcpy(kept.message, message, sizeof kept.message);
    strlcpy(kept.hint, hint, sizeof kept.hint);
    strlcpy(kept.detail, detail, sizeof kept.detail);
}

void raise_kept_error()
{
    ereport(ERROR, (errcode(kept.sqlstate), errmsg_internal("%s", kept.message),
                    kept.detail[0] ? errdetail_internal("%s", kept.detail) : 0,
                    kept.hint[0] ? errhint("%s", kept.hint) : 0));
    pg_unreachable();
}

} // namespace approval_gate
