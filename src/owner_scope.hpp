// Runs the extension's own statements as the extension owner, the only role that writes its tables.
//
// Inside the scope the user id is the owner, with SECURITY_RESTRICTED_OPERATION, and search_path is
// pg_catalog, pg_temp. Only the extension's fixed statements run there: anything that comes from a
// user object (a key column's type output, a domain check, a trigger of a user table) is evaluated
// before the scope opens, as the caller. Identity is decided before the scope too (identity.hpp).
#pragma once

#include "boundary.hpp"

#include <type_traits>

namespace approval_gate {

class OwnerScope {
public:
    OwnerScope();
    // On an exception, restores the caller's user id only: the (sub)transaction abort that follows
    // every error releases SPI and the settings, and nothing may call the server from here.
    ~OwnerScope();
    OwnerScope(const OwnerScope &) = delete;
    OwnerScope &operator=(const OwnerScope &) = delete;

    // The normal end: settings restored, SPI finished, caller's user id back.
    void close();
    // Pins search_path for the rest of the scope; the statement runner calls it before the first
    // statement, so a scope that runs no SQL pays for no settings change.
    void pin_search_path();
    // For the rest of the scope, plans a statement prepares scan by index: for statements whose
    // tables' statistics may be stale or absent (a queue that grows and empties between two
    // autovacuums), and that must stay proportional to their input, not to the table.
    void plan_by_index();

private:
    Oid saved_user_;
    int saved_security_context_;
    int guc_nest_level_ = -1;
    bool open_ = false;
    OwnerScope *outer_;
};

// The innermost open scope; the statement runner refuses to run outside one.
OwnerScope *active_owner_scope();

// Runs fn() inside an OwnerScope and returns what it returns.
template <typename Fn>
auto as_owner(Fn &&fn) -> decltype(fn())
{
    OwnerScope scope;
    if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        scope.close();
    } else {
        auto result = fn();
        scope.close();
        return result;
    }
}

} // namespace approval_gate
