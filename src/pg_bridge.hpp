// The boundary between PostgreSQL (errors by longjmp) and C++ (errors by exception).
//
// Rules kept by every file that includes this:
//  - a PostgreSQL call that may ereport runs inside pg_call(), which turns the error into PgError;
//  - every SQL-callable function body runs inside sql_entry(), which turns any C++ exception back
//    into ereport(ERROR) only after the catch block has ended, so no C++ frame is ever longjmp'd over.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/elog.h"
}

#include <exception>
#include <string>
#include <utility>

namespace approval_gate {

// An error raised by PostgreSQL itself, carried across C++ frames intact and re-thrown as it was.
struct PgError {
    ErrorData *data;
};

// An error raised by approval_gate's own rules.
struct GateError {
    int sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
};

[[noreturn]] inline void fail(int sqlstate, std::string message, std::string hint = {}, std::string detail = {})
{
    throw GateError{sqlstate, std::move(message), std::move(detail), std::move(hint)};
}

ErrorData *capture_current_error(MemoryContext error_context);

// Returns the PostgreSQL error fn raised, if any; a C++ exception from fn is stored in cxx_error.
template <typename Fn>
ErrorData *guarded_call(Fn &fn, std::exception_ptr &cxx_error)
{
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    {
        try {
            fn();
        } catch (...) {
            cxx_error = std::current_exception();
        }
    }
    PG_CATCH();
    {
        error = capture_current_error(caller_context);
    }
    PG_END_TRY();
    return error;
}

// Runs fn, a call into the server; a PostgreSQL ERROR becomes a PgError thrown after PG_CATCH ends.
// A C++ exception thrown inside fn (a nested pg_call, a fail()) is caught before it can leave the
// PG_TRY block, whose exception stack must be unwound by PG_END_TRY, and re-thrown after it.
template <typename Fn>
void pg_call_void(Fn &&fn)
{
    std::exception_ptr cxx_error;
    ErrorData *error = guarded_call(fn, cxx_error);
    if (error)
        throw PgError{error};
    if (cxx_error)
        std::rethrow_exception(cxx_error);
}

template <typename Fn>
auto pg_call(Fn &&fn) -> decltype(fn())
{
    if constexpr (std::is_void_v<decltype(fn())>) {
        pg_call_void(fn);
    } else {
        // Lives in this frame, outside the one that calls sigsetjmp, so a longjmp cannot clobber it.
        decltype(fn()) result{};
        pg_call_void([&] { result = fn(); });
        return result;
    }
}

[[noreturn]] void raise_gate_error(const GateError &error);

// Runs body (C++ that returns Datum) and turns what it throws into a PostgreSQL error.
template <typename Body>
Datum sql_entry(Body &&body)
{
    ErrorData *pg_error = nullptr;
    GateError *gate_error = nullptr;
    try {
        return body();
    } catch (const PgError &e) {
        pg_error = e.data;
    } catch (const GateError &e) {
        // palloc'd copy: the exception object dies with the catch block.
        gate_error = new (palloc(sizeof(GateError))) GateError(e);
    } catch (const std::bad_alloc &) {
        gate_error = new (palloc(sizeof(GateError))) GateError{ERRCODE_OUT_OF_MEMORY, "out of memory", {}, {}};
    } catch (const std::exception &e) {
        gate_error = new (palloc(sizeof(GateError))) GateError{ERRCODE_INTERNAL_ERROR, e.what(), {}, {}};
    } catch (...) {
        gate_error = new (palloc(sizeof(GateError))) GateError{ERRCODE_INTERNAL_ERROR, "unexpected C++ exception", {}, {}};
    }
    if (pg_error)
        ReThrowError(pg_error);
    raise_gate_error(*gate_error);
}

} // namespace approval_gate
