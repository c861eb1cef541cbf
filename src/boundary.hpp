// The boundary between PostgreSQL (errors by longjmp) and C++ (errors by exception).
//
// One guard style, kept everywhere:
//  - guarded(fn, args...) calls one server function (or one C-style helper of ours that only calls
//    server functions and creates no C++ object) under PG_TRY. Its arguments are evaluated by the
//    caller, before the setjmp, and must be plain data, so no C++ object lives in a frame that a
//    longjmp could skip. A server ERROR becomes a PgError thrown after PG_END_TRY.
//  - A call left unguarded says why it cannot raise, in a comment on that line.
//  - sql_entry() runs each SQL-callable body and turns whatever it throws back into ereport(ERROR)
//    after the catch block has ended; the catch blocks copy into static buffers, never palloc.
//  - After a PgError nothing calls the server again: it propagates to sql_entry, and destructors on
//    the way only restore plain state (see OwnerScope).
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/elog.h"
}

#include <string>
#include <type_traits>
#include <utility>

namespace approval_gate {

// An error raised by PostgreSQL, carried across C++ frames and re-raised as it was.
struct PgError {
    ErrorData *data;
};

// An error raised by approval_gate's own rules.
struct GateError {
    int sqlstate;
    std::string message;
    std::string hint;
    std::string detail;
};

[[noreturn]] inline void fail(int sqlstate, std::string message, std::string hint = {}, std::string detail = {})
{
    throw GateError{sqlstate, std::move(message), std::move(hint), std::move(detail)};
}

// Calls thunk(closure) under PG_TRY and returns the error it raised, or nullptr. Out of line, so that
// no variable of a template's frame lives between the setjmp and the longjmp.
ErrorData *call_guarded(void (*thunk)(void *), void *closure);

template <typename R, typename... Params, typename... Args>
R guarded(R (*fn)(Params...), Args &&...args)
{
    static_assert((std::is_trivially_copyable_v<std::decay_t<Args>> && ...),
                  "guarded() passes only plain data to the server");
    static_assert(std::is_void_v<R> || std::is_trivially_copyable_v<R>, "guarded() returns only plain data");
    if constexpr (std::is_void_v<R>) {
        auto invoke = [&]() { fn(std::forward<Args>(args)...); };
        ErrorData *error = call_guarded([](void *c) { (*static_cast<decltype(invoke) *>(c))(); }, &invoke);
        if (error)
            throw PgError{error};
    } else {
        R result{};
        auto invoke = [&]() { result = fn(std::forward<Args>(args)...); };
        ErrorData *error = call_guarded([](void *c) { (*static_cast<decltype(invoke) *>(c))(); }, &invoke);
        if (error)
            throw PgError{error};
        return result;
    }
}

// Keeps what a catch block learned in static storage (no allocation), for raise_kept_error().
void keep_error(int sqlstate, const char *message, const char *hint, const char *detail) noexcept;
[[noreturn]] void raise_kept_error();

template <typename Body>
Datum sql_entry(Body &&body)
{
    ErrorData *server_error = nullptr;
    try {
        return body();
    } catch (const PgError &e) {
        server_error = e.data;
    } catch (const GateError &e) {
        keep_error(e.sqlstate, e.message.c_str(), e.hint.c_str(), e.detail.c_str());
    } catch (const std::bad_alloc &) {
        keep_error(ERRCODE_OUT_OF_MEMORY, "out of memory", "", "");
    } catch (const std::exception &e) {
        keep_error(ERRCODE_INTERNAL_ERROR, e.what(), "", "");
    } catch (...) {
        keep_error(ERRCODE_INTERNAL_ERROR, "unexpected C++ exception", "", "");
    }
    if (server_error)
        ReThrowError(server_error);
    raise_kept_error();
}

} // namespace approval_gate
