// Where the extension is installed in this database, who owns it, and whether its SQL objects are the
// version this library implements. Loaded once per backend and reloaded whenever one of the
// extension's tables is invalidated (ALTER EXTENSION UPDATE, DROP/CREATE EXTENSION, REINDEX ...).
#pragma once

#include "boundary.hpp"

#include <cstdint>
#include <string>

namespace approval_gate {

// The version of the SQL objects this library serves (the Makefile passes the control file's).
#ifndef AG_EXTVERSION
#error "AG_EXTVERSION must name the extension version"
#endif

struct Installation {
    Oid extension_oid = InvalidOid;
    Oid owner = InvalidOid;
    Oid schema_oid = InvalidOid;
    std::string schema;  // quoted, ready for SQL text
    Oid policies_table = InvalidOid;
};

// Raises 55000 when the database runs the extension's SQL objects of another version, and 42704 when
// the extension is not installed in this database.
const Installation &installation();

// True once installation() has succeeded and nothing has invalidated it since; no server call.
bool installation_known();

// Bumped whenever the policies (or the installation itself) may have changed: caches of policies
// compare it with the value they were filled under.
std::uint64_t policy_generation();

// Processes pending invalidation messages, as PostgreSQL does when a statement starts, so that a
// backend inside a long READ COMMITTED transaction sees a policy committed by another session.
void accept_invalidations();

// 25006 unless this transaction may write: every entry point that writes calls it first, because a
// function called from a read-only transaction or on a standby must refuse as a statement would.
void require_writable(const char *what);

void register_invalidation_callbacks();

} // namespace approval_gate
