#include "installation.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <algorithm>
#include <array>
#include <cstring>

namespace approval_gate {

namespace {

// The extension's tables: an invalidation of any of them may mean the extension was updated,
// dropped or recreated, so the installation is looked up again.
constexpr std::array<const char *, 10> table_names = {
    "approval_gate_policies",    "approval_gate_builtin_policies", "approval_gate_workspaces",
    "approval_gate_requests",    "approval_gate_votes",            "approval_gate_events",
    "approval_gate_event_queue", "approval_gate_event_heads",      "approval_gate_event_prunes",
    "approval_gate_protected"};

Installation current;
bool valid = false;
std::array<Oid, table_names.size()> table_oids{};
std::uint64_t generation = 1;

struct ExtensionRow {
    bool found;
    Oid oid;
    Oid owner;
    Oid schema;
    char version[NAMEDATALEN];
};

// C-style: guarded as one unit, it creates no C++ object.
void read_extension_row(ExtensionRow *out)
{
    Relation rel = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("approval_gate"));
    SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    out->found = HeapTupleIsValid(tuple);
    if (out->found) {
        auto *row = reinterpret_cast<Form_pg_extension>(GETSTRUCT(tuple));
        out->oid = row->oid;
        out->owner = row->extowner;
        out->schema = row->extnamespace;
        bool isnull;
        Datum version = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
        text_to_cstring_buffer(DatumGetTextPP(version), out->version, sizeof out->version);
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
}

void on_relcache_invalidation(Datum, Oid relid)
{
    // Runs inside invalidation processing: only plain assignments here.
    if (relid != InvalidOid && std::find(table_oids.begin(), table_oids.end(), relid) == table_oids.end())
        return;
    valid = false;
    generation++;
}

void load()
{
    ExtensionRow row{};
    guarded(read_extension_row, &row);
    if (!row.found)
        fail(ERRCODE_UNDEFINED_OBJECT, "extension \"approval_gate\" is not installed in this database",
             "run CREATE EXTENSION approval_gate");
    if (std::strcmp(row.version, AG_EXTVERSION) != 0)
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
             std::string("the approval_gate objects in this database are version ") + row.version +
                 ", but the installed library serves version " AG_EXTVERSION,
             "run ALTER EXTENSION approval_gate UPDATE in this database");
    Installation loaded;
    loaded.extension_oid = row.oid;
    loaded.owner = row.owner;
    loaded.schema_oid = row.schema;
    char *schema_name = guarded(get_namespace_name, row.schema);
    loaded.schema = guarded(quote_identifier, static_cast<const char *>(schema_name));
    std::array<Oid, table_names.size()> oids{};
    for (size_t i = 0; i < table_names.size(); i++)
        oids[i] = guarded(get_relname_relid, table_names[i], row.schema);
    loaded.policies_table = oids[0];
    current = std::move(loaded);
    table_oids = oids;
    valid = true;
    generation++;
}

} // namespace

const Installation &installation()
{
    if (!valid)
        load();
    return current;
}

bool installation_known() { return valid; }

std::uint64_t policy_generation() { return generation; }

void accept_invalidations() { guarded(AcceptInvalidationMessages); }

void require_writable(const char *what)
{
    guarded(PreventCommandDuringRecovery, what);
    guarded(PreventCommandIfReadOnly, what);
}

void register_invalidation_callbacks() { CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0); }

} // namespace approval_gate
