#include "protect.hpp"

#include "encoding.hpp"
#include "ids.hpp"
#include "installation.hpp"
#include "json_text.hpp"
#include "owner_scope.hpp"
#include "policy.hpp"
#include "request_hash.hpp"
#include "requests.hpp"
#include "row_key.hpp"
#include "settings.hpp"
#include "statements.hpp"

extern "C" {
#include "access/genam.h"
#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <algorithm>

namespace approval_gate {

namespace {

const char *const row_trigger = "approval_gate_protect_row";
const char *const statement_trigger = "approval_gate_protect_statement";
const char *const truncate_trigger = "approval_gate_protect_truncate";
// TRUNCATE touches every workspace at once; its approval is asked for the nil workspace.
const pg_uuid_t whole_table_workspace{};

struct Protection {
    std::string action;
    std::string workspace_column;
    std::vector<std::string> key_columns;
    std::vector<std::string> operations;
    std::optional<std::vector<std::string>> gated_roles;
};

// ---- catalog reads, C-style so that each is guarded as one unit -----------------------------------

char *relation_name(Oid relid)
{
    char *schema = get_namespace_name(get_rel_namespace(relid));
    char *name = get_rel_name(relid);
    if (!schema || !name)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
    return quote_qualified_identifier(schema, name);
}

struct Names {
    int count;
    char **names;
};

void primary_key_names(Oid relid, Names *out)
{
    Relation rel = table_open(relid, AccessShareLock);
    Oid key = RelationGetPrimaryKeyIndex(rel);
    out->count = 0;
    out->names = nullptr;
    if (OidIsValid(key)) {
        HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(key));
        if (!HeapTupleIsValid(tuple))
            elog(ERROR, "approval_gate: cache lookup failed for index %u", key);
        auto *index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
        out->count = index->indnkeyatts;
        out->names = static_cast<char **>(palloc(sizeof(char *) * out->count));
        for (int i = 0; i < out->count; i++)
            out->names[i] = get_attname(relid, index->indkey.values[i], false);
        ReleaseSysCache(tuple);
    }
    table_close(rel, AccessShareLock);
}

// The table whose protection a trigger enforces: its own, or for a trigger cloned onto a partition,
// the table of the trigger it was cloned from.
Oid table_owner(Oid relid)
{
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "cache lookup failed for relation %u", relid);
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

bool has_inheritance_children(Oid relid)
{
    return find_inheritance_children(relid, NoLock) != NIL;
}

Oid protected_table_of_trigger(Oid trigger_oid)
{
    Relation rel = table_open(TriggerRelationId, AccessShareLock);
    Oid relid = InvalidOid;
    Oid current = trigger_oid;
    for (int depth = 0; OidIsValid(current) && depth < 1000; depth++) {
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(current));
        SysScanDesc scan = systable_beginscan(rel, TriggerOidIndexId, true, nullptr, 1, &key);
        HeapTuple tuple = systable_getnext(scan);
        if (!HeapTupleIsValid(tuple)) {
            systable_endscan(scan);
            relid = InvalidOid;
            break;
        }
        auto *trigger = reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple));
        relid = trigger->tgrelid;
        current = trigger->tgparentid;
        systable_endscan(scan);
    }
    table_close(rel, AccessShareLock);
    return relid;
}

struct ColumnType {
    AttrNumber attnum;
    Oid type;
    int32 typmod;
};

void column_type(Oid relid, const char *name, ColumnType *out)
{
    out->attnum = get_attnum(relid, name);
    out->type = InvalidOid;
    out->typmod = -1;
    if (out->attnum > 0) {
        Oid collation;
        get_atttypetypmodcoll(relid, out->attnum, &out->type, &out->typmod, &collation);
    }
}

// Runs DDL as the caller (the table owner), with search_path pinned like the extension's own SQL.
void execute_as_caller(const char *sql)
{
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "approval_gate: SPI_connect failed");
    int level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
        elog(ERROR, "approval_gate: could not run: %s", sql);
    AtEOXact_GUC(true, level);
    SPI_finish();
}

bool may_select_column(Oid relid, AttrNumber attnum, Oid role)
{
    return pg_class_aclcheck(relid, role, ACL_SELECT) == ACLCHECK_OK ||
           pg_attribute_aclcheck(relid, attnum, role, ACL_SELECT) == ACLCHECK_OK;
}

// ---- helpers ----------------------------------------------------------------------------------

std::string qualified_name(Oid relid) { return guarded(relation_name, relid); }

std::string sql_literal(const std::string &s) { return guarded(quote_literal_cstr, s.c_str()); }

std::optional<Protection> load_protection(Oid target)
{
    return as_owner([&]() -> std::optional<Protection> {
        if (run(Stmt::LoadProtection, {p_oid(target)}) == 0)
            return std::nullopt;
        Row row(0);
        return Protection{row.text(1), row.text(2), row.opt_text_array(3).value_or(std::vector<std::string>{}),
                          row.opt_text_array(4).value_or(std::vector<std::string>{}), row.opt_text_array(5)};
    });
}

// The first of target and its partition ancestors that is protected.
std::optional<std::pair<Oid, Protection>> protection_of_table_or_ancestor(Oid target)
{
    if (std::optional<Protection> own = load_protection(target))
        return std::make_pair(target, *own);
    if (!guarded(get_rel_relispartition, target))
        return std::nullopt;
    List *ancestors = guarded(get_partition_ancestors, target);
    ListCell *cell;
    foreach (cell, ancestors) {
        Oid ancestor = lfirst_oid(cell);
        if (std::optional<Protection> found = load_protection(ancestor))
            return std::make_pair(ancestor, *found);
    }
    return std::nullopt;
}

ColumnType existing_column(Oid relid, const std::string &column)
{
    ColumnType c{};
    guarded(column_type, relid, column.c_str(), &c);
    if (c.attnum <= 0)
        fail(ERRCODE_UNDEFINED_COLUMN, "column \"" + column + "\" of relation " + qualified_name(relid) +
                                           " does not exist");
    return c;
}

Oid key_base_type(Oid relid, const std::string &column, Oid type)
{
    Oid base = allowed_key_base_type(type);
    if (!OidIsValid(base))
        fail(ERRCODE_FEATURE_NOT_SUPPORTED,
             "column \"" + column + "\" of " + qualified_name(relid) + " cannot key a protected row",
             std::string("its text form is not the same in every session; key columns may be of type ") +
                 allowed_key_types + ", or a domain over one");
    return base;
}

bool is_uuid_column(Oid type) { return guarded(getBaseType, type) == UUIDOID; }

bool policy_manager(const Identity &who)
{
    Oid owner = installation().owner;
    return guarded(superuser_arg, who.role) || guarded(has_privs_of_role, who.role, owner);
}


// Gated roles are named; a name that no longer resolves refuses every change, whoever makes it,
// rather than quietly gating nobody.
// The login counts as well as the role in effect: a foreign-key action runs as the referencing table's
// owner, a SECURITY DEFINER function as its owner, yet the change is still the gated login's.
bool in_gated_roles(const Protection &p, const std::string &table, Oid role, Oid login)
{
    if (!p.gated_roles)
        return true;
    for (const std::string &name : *p.gated_roles) {
        Oid gated = guarded(get_role_oid, name.c_str(), true);
        if (!OidIsValid(gated))
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "gated role \"" + name + "\" of the protection on " + table + " no longer exists",
                 "run approval_gate_protect() again with the roles that exist now");
        if (guarded(is_member_of_role_nosuper, role, gated) || guarded(is_member_of_role_nosuper, login, gated))
            return true;
    }
    return false;
}

// A row's context over approval_gate.max_context_bytes can never be approved (require refuses it):
// refused before it is rendered, hashed or put in a hint.
void check_context_size(const std::string &table, size_t bytes)
{
    if (bytes > static_cast<size_t>(max_context_bytes()))
        fail(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
             "the context of a row of " + table + " is " + std::to_string(bytes) +
                 " bytes or more, more than approval_gate.max_context_bytes (" + std::to_string(max_context_bytes()) +
                 ")",
             "no approval can match a row whose key is this long; key the protection on shorter columns");
}

std::string context_json(const std::string &table,
                         const std::vector<std::pair<std::string, std::optional<std::string>>> &key)
{
    std::string utf8_table = to_utf8(table);
    if (key.empty())
        return "{\"table\":" + json_quote(utf8_table) + ",\"truncate\":true}";
    std::vector<std::pair<std::string, std::optional<std::string>>> utf8_key;
    for (const auto &[column, value] : key)
        utf8_key.emplace_back(to_utf8(column), value ? std::optional<std::string>(to_utf8(*value)) : std::nullopt);
    std::sort(utf8_key.begin(), utf8_key.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<std::pair<std::string_view, std::optional<std::string>>> members(utf8_key.begin(), utf8_key.end());
    std::string context = "{\"key\":" + json_object(members) + ",\"table\":" + json_quote(utf8_table) + "}";
    check_context_size(table, context.size());
    return context;
}

void drop_protect_triggers(Oid target)
{
    std::string table = qualified_name(target);
    for (const char *trigger : {row_trigger, statement_trigger, truncate_trigger})
        if (OidIsValid(guarded(get_trigger_oid, target, trigger, true)))
            guarded(execute_as_caller, (std::string("DROP TRIGGER ") + trigger + " ON " + table).c_str());
}

std::string role_array_literal(const std::vector<std::string> &roles)
{
    std::string out = "ARRAY[";
    for (size_t i = 0; i < roles.size(); i++)
        out += (i ? ", " : "") + sql_literal(roles[i]);
    return out + "]::pg_catalog.name[]";
}

// Where the gate asks for a gated policy before it protects anything: a protection that is never
// enforced is refused, and only a policy manager may create the policy that enforces it.
void require_gated_policy(const std::string &action, const Identity &who)
{
    bool manager = policy_manager(who);
    as_owner([&] {
        run(Stmt::ActionGatedSomewhere, {p_text(action)});
        if (Row(0).boolean(1))
            return;
        run(Stmt::ActionHasAnyPolicy, {p_text(action)});
        bool has_policy = Row(0).boolean(1);
        if (!manager)
            fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
                 "action \"" + action + "\" has no gated policy, and only a policy manager may create one",
                 "ask the extension owner or a superuser to run approval_gate_set_policy(" + sql_literal(action) +
                     ") first");
        if (has_policy)
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "action \"" + action + "\" is not gated by any policy, so a protection would not be enforced",
                 "gate it with approval_gate_set_policy() first");
        require_writable("approval_gate_protect");
        run(Stmt::EnsureDefaultPolicy, {p_text(action)});
    });
}

} // namespace

void protect(const ProtectRequest &r, const Identity &who)
{
    require_writable("approval_gate_protect");
    if (!guarded(pg_class_ownercheck, r.target, who.role))
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "must be owner of table " + qualified_name(r.target));
    char relkind = guarded(get_rel_relkind, r.target);
    if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
        fail(ERRCODE_WRONG_OBJECT_TYPE, qualified_name(r.target) + " is not a table");
    // A temporary table lives for one session, and pg_dump would write its protection under a pg_temp_N
    // schema that no restore can resolve, failing the restore of every other protection.
    if (guarded(get_rel_persistence, r.target) == RELPERSISTENCE_TEMP)
        fail(ERRCODE_FEATURE_NOT_SUPPORTED, qualified_name(r.target) + " is a temporary table",
             "protect a permanent table");
    if (guarded(get_rel_relispartition, r.target))
        fail(ERRCODE_WRONG_OBJECT_TYPE, qualified_name(r.target) + " is a partition",
             "protect the partitioned table: its protection covers every partition, including those attached later");
    if (r.action.empty() || r.action.size() > 128)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "action must be between 1 and 128 bytes long");
    if (!is_uuid_column(existing_column(r.target, r.workspace_column).type))
        fail(ERRCODE_DATATYPE_MISMATCH, "workspace column \"" + r.workspace_column + "\" must be of type uuid");

    std::vector<std::string> keys;
    if (r.key_columns) {
        keys = *r.key_columns;
    } else {
        Names names{};
        guarded(primary_key_names, r.target, &names);
        for (int i = 0; i < names.count; i++)
            keys.emplace_back(names.names[i]);
    }
    if (keys.empty())
        fail(ERRCODE_INVALID_PARAMETER_VALUE, qualified_name(r.target) + " has no primary key",
             "pass key_columns naming the columns that identify a row");
    for (size_t i = 0; i < keys.size(); i++) {
        key_base_type(r.target, keys[i], existing_column(r.target, keys[i]).type);
        // A row's context is a JSON object keyed by column: a column named twice could never match it.
        if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(i), keys[i]) !=
            keys.begin() + static_cast<std::ptrdiff_t>(i))
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "key column \"" + keys[i] + "\" is named twice");
    }

    std::vector<std::string> ops;
    for (std::string op : r.operations) {
        std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return std::toupper(c); });
        if (op != "DELETE" && op != "UPDATE" && op != "TRUNCATE")
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "operation \"" + op + "\" cannot be protected",
                 "operations are DELETE, UPDATE and TRUNCATE");
        if (std::find(ops.begin(), ops.end(), op) == ops.end())
            ops.push_back(op);
    }
    if (ops.empty())
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "operations must name at least one of DELETE, UPDATE, TRUNCATE");
    bool truncate = std::find(ops.begin(), ops.end(), "TRUNCATE") != ops.end();
    // A statement trigger is not cloned onto partitions, so TRUNCATE of one partition would pass.
    if (truncate && relkind == RELKIND_PARTITIONED_TABLE)
        fail(ERRCODE_FEATURE_NOT_SUPPORTED, "TRUNCATE cannot be protected on a partitioned table",
             "revoke TRUNCATE from the gated roles instead; DELETE and UPDATE are protected on every partition");
    bool protects_delete = std::find(ops.begin(), ops.end(), "DELETE") != ops.end();
    bool protects_update = std::find(ops.begin(), ops.end(), "UPDATE") != ops.end();
    // An UPDATE that moves a row to another partition deletes it from its partition and inserts it
    // into the other: only a DELETE trigger sees it.
    if (protects_update && !protects_delete && relkind == RELKIND_PARTITIONED_TABLE)
        fail(ERRCODE_FEATURE_NOT_SUPPORTED, "UPDATE cannot be protected without DELETE on a partitioned table",
             "protect DELETE too: an UPDATE that moves a row to another partition deletes it from its own");
    // Row triggers fire on the table that holds the row, and inheritance children have none of ours.
    if (relkind == RELKIND_RELATION && guarded(has_inheritance_children, r.target))
        fail(ERRCODE_FEATURE_NOT_SUPPORTED, qualified_name(r.target) + " has inheritance children",
             "approval_gate protects a table, or a partitioned table with all its partitions; protect each "
             "child table on its own, or make them partitions");
    if (r.gated_roles) {
        if (r.gated_roles->empty())
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "gated_roles must name at least one role",
                 "pass NULL to gate every role");
        Oid owner = guarded(table_owner, r.target);
        for (const std::string &role : *r.gated_roles) {
            Oid gated = guarded(get_role_oid, role.c_str(), true);
            if (!OidIsValid(gated))
                fail(ERRCODE_UNDEFINED_OBJECT, "role \"" + role + "\" does not exist");
            // The owner can drop the triggers, or unprotect: a gate it is subject to holds nothing.
            if (guarded(is_member_of_role_nosuper, owner, gated))
                fail(ERRCODE_INVALID_PARAMETER_VALUE,
                     "the owner of " + qualified_name(r.target) + " is a member of gated role \"" + role +
                         "\", and an owner can remove the protection",
                     "give the table to a role that is not gated (ALTER TABLE ... OWNER TO)");
        }
    }

    require_gated_policy(r.action, who);

    std::string table = qualified_name(r.target);
    std::string schema = installation().schema;
    drop_protect_triggers(r.target);
    // AFTER: only rows really deleted or updated (not ones another trigger skipped) need an approval.
    // Both events whichever is protected: the trigger function lets an unprotected DELETE through,
    // unless it may be half of an UPDATE that moved the row out of a partition.
    // WHEN: a role that is not gated queues no trigger event at all.
    // The statement trigger refuses a statement that would reach inheritance children added later.
    if (protects_delete || protects_update) {
        std::string when = r.gated_roles ? " WHEN (" + schema + ".approval_gate_caller_gated(" +
                                               role_array_literal(*r.gated_roles) + "))"
                                         : "";
        guarded(execute_as_caller, (std::string("CREATE TRIGGER ") + row_trigger + " AFTER DELETE OR UPDATE ON " +
                                    table + " FOR EACH ROW" + when + " EXECUTE FUNCTION " + schema +
                                    ".approval_gate_protect_trigger()")
                                       .c_str());
        if (relkind == RELKIND_RELATION)
            guarded(execute_as_caller,
                    (std::string("CREATE TRIGGER ") + statement_trigger + " BEFORE DELETE OR UPDATE ON " + table +
                     " FOR EACH STATEMENT" + when + " EXECUTE FUNCTION " + schema + ".approval_gate_protect_trigger()")
                        .c_str());
    }
    if (truncate)
        guarded(execute_as_caller, (std::string("CREATE TRIGGER ") + truncate_trigger + " BEFORE TRUNCATE ON " +
                                    table + " FOR EACH STATEMENT EXECUTE FUNCTION " + schema +
                                    ".approval_gate_protect_trigger()")
                                       .c_str());
    as_owner([&] {
        run(Stmt::ForgetDroppedProtections, {});
        run(Stmt::UpsertProtection, {p_oid(r.target), p_text(r.action), p_name(r.workspace_column), p_text_array(keys),
                                     p_text_array(ops), p_text_array_or_null(r.gated_roles), p_text(who.principal)});
    });
}

bool unprotect(Oid target, const Identity &who)
{
    require_writable("approval_gate_unprotect");
    if (!guarded(pg_class_ownercheck, target, who.role))
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "must be owner of table " + qualified_name(target));
    drop_protect_triggers(target);
    return as_owner([&] {
        run(Stmt::ForgetDroppedProtections, {});
        return run(Stmt::DeleteProtection, {p_oid(target)}) > 0;
    });
}

std::string row_context(Oid target, Jsonb *row_key)
{
    std::optional<std::pair<Oid, Protection>> found = protection_of_table_or_ancestor(target);
    if (!found)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, qualified_name(target) + " is not protected by approval_gate");
    auto &[table_oid, p] = *found;
    if (!JB_ROOT_IS_OBJECT(row_key) || JB_ROOT_IS_SCALAR(row_key))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key must be a JSON object");
    std::vector<std::pair<std::string, std::optional<std::string>>> key;
    for (const std::string &column : p.key_columns) {
        JsonbValue *member = guarded(getKeyJsonValueFromContainer, &row_key->root, column.data(),
                                     static_cast<int>(column.size()), static_cast<JsonbValue *>(nullptr));
        if (!member)
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key has no member \"" + column + "\"",
                 "the key columns of " + qualified_name(table_oid) + " are listed in approval_gate_protected_tables");
        std::optional<std::string> text;
        switch (member->type) {
        case jbvNull:
            break;
        case jbvString:
            text = std::string(member->val.string.val, member->val.string.len);
            break;
        case jbvBool:
            text = member->val.boolean ? "true" : "false";
            break;
        case jbvNumeric:
            text = DatumGetCString(guarded(DirectFunctionCall1Coll, numeric_out, InvalidOid,
                                           NumericGetDatum(member->val.numeric)));
            break;
        default:
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key member \"" + column + "\" must be a scalar");
        }
        if (text) {
            ColumnType c = existing_column(table_oid, column);
            Oid base = key_base_type(table_oid, column, c.type);
            int32 typmod = c.typmod;
            guarded(getBaseTypeAndTypmod, c.type, &typmod);
            text = normalize_key(base, typmod, *text);
        }
        key.emplace_back(column, text);
    }
    return context_json(qualified_name(table_oid), key);
}

namespace {

// Whether an UPDATE changed the workspace column or a key column of the row: compared as stored, so a
// value written back in another binary form counts as changed (gated, never let through).
bool binding_changed(TriggerData *trigger, Oid fired_on, const Protection &p)
{
    TupleDesc desc = RelationGetDescr(trigger->tg_relation);
    std::vector<std::string> columns = p.key_columns;
    columns.push_back(p.workspace_column);
    for (const std::string &column : columns) {
        AttrNumber attnum = existing_column(fired_on, column).attnum;
        Form_pg_attribute attr = TupleDescAttr(desc, attnum - 1);
        bool old_null, new_null;
        Datum old_value = heap_getattr(trigger->tg_trigtuple, attnum, desc, &old_null);  // unguarded: in memory
        Datum new_value = heap_getattr(trigger->tg_newtuple, attnum, desc, &new_null);   // unguarded: in memory
        if (old_null != new_null)
            return true;
        if (!old_null && !guarded(datumIsEqual, old_value, new_value, static_cast<bool>(attr->attbyval),
                                  static_cast<int>(attr->attlen)))
            return true;
    }
    return false;
}

} // namespace

void check_protected_change(TriggerData *trigger)
{
    TriggerEvent event = trigger->tg_event;
    bool delete_or_update = TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event);
    bool row_change = TRIGGER_FIRED_AFTER(event) && TRIGGER_FIRED_FOR_ROW(event) && delete_or_update;
    bool statement = TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_STATEMENT(event) && delete_or_update;
    bool truncate = TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_STATEMENT(event) &&
                    TRIGGER_FIRED_BY_TRUNCATE(event);
    if (!row_change && !statement && !truncate)
        fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
             "approval_gate_protect_trigger must fire AFTER DELETE or UPDATE FOR EACH ROW, BEFORE DELETE or UPDATE "
             "FOR EACH STATEMENT, or BEFORE TRUNCATE",
             "create it with approval_gate_protect()");

    Relation rel = trigger->tg_relation;
    Oid fired_on = RelationGetRelid(rel);
    Oid table_oid = guarded(protected_table_of_trigger, trigger->tg_trigger->tgoid);
    std::optional<Protection> found = OidIsValid(table_oid) ? load_protection(table_oid) : std::nullopt;
    std::string table = OidIsValid(table_oid) ? qualified_name(table_oid) : qualified_name(fired_on);
    const char *op = truncate ? "TRUNCATE" : TRIGGER_FIRED_BY_DELETE(event) ? "DELETE" : "UPDATE";
    bool covered =
        found && std::find(found->operations.begin(), found->operations.end(), op) != found->operations.end();
    // The triggers approval_gate_protect() made fire for both DELETE and UPDATE, rows and statements,
    // whichever of them is protected; any other trigger must fire only for what is protected.
    const char *expected_name = truncate ? truncate_trigger : statement ? statement_trigger : row_trigger;
    bool ours = strcmp(NameStr(*reinterpret_cast<NameData *>(trigger->tg_trigger->tgname)), expected_name) == 0;
    bool protects_rows = found && std::any_of(found->operations.begin(), found->operations.end(),
                                              [](const std::string &o) { return o != "TRUNCATE"; });
    if (!covered && !(ours && !truncate && protects_rows))
        fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
             std::string("no protection of ") + table + " covers " + op + ", yet approval_gate_protect_trigger fired",
             "approval_gate refuses the change; create its triggers with approval_gate_protect()");
    const Protection &p = *found;

    if (statement) {
        // Rows of inheritance children fire none of the parent's row triggers.
        if (rel->rd_rel->relhassubclass && guarded(has_inheritance_children, fired_on))
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "protected table " + table + " has inheritance children, whose rows approval_gate cannot see",
                 "detach the children (ALTER TABLE ... NO INHERIT), or change them through their own tables");
        return;
    }
    if (!covered && TRIGGER_FIRED_BY_DELETE(event)) {
        // A DELETE under an UPDATE-only protection: free, unless the table is a partition, where it may
        // be half of an UPDATE moving the row to another partition.
        if (rel->rd_rel->relispartition)
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "a DELETE on partition " + qualified_name(fired_on) + " of a table protected for UPDATE only may "
                 "be an UPDATE moving a row out of it",
                 "protect DELETE too with approval_gate_protect()");
        return;
    }
    // An UPDATE under a DELETE-only protection: free, unless it changes the workspace or a key, which
    // would move the row to another approval (an ungated workspace's, another row's) before a DELETE.
    // Such an UPDATE needs the row's approval, as a protected one does.
    if (!covered && !binding_changed(trigger, fired_on, p))
        return;

    Identity who = current_identity();
    if (!in_gated_roles(p, table, who.role, GetSessionUserId()))
        return;

    pg_uuid_t workspace_id = whole_table_workspace;
    std::vector<std::pair<std::string, std::optional<std::string>>> key;
    bool may_read_key = true;
    if (!truncate) {
        TupleDesc desc = RelationGetDescr(rel);
        HeapTuple row = trigger->tg_trigtuple;
        ColumnType ws = existing_column(fired_on, p.workspace_column);
        if (!is_uuid_column(ws.type))
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "workspace column \"" + p.workspace_column + "\" of protected table " + table + " is no longer a uuid",
                 "run approval_gate_protect() again after changing a protected table");
        bool isnull;
        Datum value = heap_getattr(row, ws.attnum, desc, &isnull);  // unguarded: a fixed-width column in memory
        if (!isnull)
            workspace_id = *DatumGetUUIDP(value);
        may_read_key =
            guarded(may_select_column, table_oid, existing_column(table_oid, p.workspace_column).attnum, who.role);
        for (const std::string &column : p.key_columns) {
            ColumnType c = existing_column(fired_on, column);
            Oid base = allowed_key_base_type(c.type);
            if (!OidIsValid(base))
                fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                     "key column \"" + column + "\" of protected table " + table + " has a type that cannot key it",
                     "run approval_gate_protect() again after changing a protected table");
            Datum cell = heap_getattr(row, c.attnum, desc, &isnull);  // unguarded: reads the tuple in memory
            if (!isnull && TupleDescAttr(desc, c.attnum - 1)->attlen == -1)
                check_context_size(table, guarded(toast_raw_datum_size, cell));
            key.emplace_back(column, isnull ? std::nullopt : std::optional<std::string>(render_key(base, cell)));
            may_read_key = may_read_key && guarded(may_select_column, table_oid,
                                                   existing_column(table_oid, column).attnum, who.role);
        }
    }
    std::string context = context_json(table, key);
    GateKey gate_key{workspace_id, p.action, (Datum)0,
                     request_hash(uuid_text(workspace_id), to_utf8(p.action), context, std::nullopt)};
    bool consumed = as_owner([&] {
        std::optional<Policy> policy = policy_for(workspace_id, p.action);
        // A policy dropped after the table was protected leaves the protection standing: refused, not
        // silently let through. One that says not gated was set so on purpose.
        if (!policy)
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 "no policy governs action \"" + p.action + "\" of the protection on " + table + " any more",
                 "set one with approval_gate_set_policy(), or remove the protection with approval_gate_unprotect()");
        // As for approval_gate_require: what is not gated is neither hashed into a request nor consumed.
        if (!policy->gated)
            return true;
        return consume(gate_key, *policy, who).has_value();
    });
    if (consumed)
        return;
    if (!may_read_key)
        fail(ERRCODE_AG_APPROVAL_REQUIRED, "approval required for action \"" + p.action + "\" to change " + table,
             "ask the table's owner for the row's context, approval_gate_row_context(), and request it");
    fail(ERRCODE_AG_APPROVAL_REQUIRED,
         "approval required for action \"" + p.action + "\" on workspace " + uuid_text(workspace_id) + " to change " +
             table,
         "call SELECT " + installation().schema + ".approval_gate_require(" + sql_literal(uuid_text(workspace_id)) +
             ", " + sql_literal(p.action) + ", " + sql_literal(from_utf8(context)) +
             ") and wait for a human to approve it");
}

} // namespace approval_gate
