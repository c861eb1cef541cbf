#include "protect.hpp"

#include "json_text.hpp"
#include "request_hash.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <algorithm>

namespace approval_gate {

namespace {

const char *const row_trigger = "approval_gate_protect_row";
const char *const truncate_trigger = "approval_gate_protect_truncate";
// TRUNCATE touches every workspace at once; its approval is asked for the nil workspace.
const pg_uuid_t whole_table_workspace{};

std::string qualified_name(Oid relid)
{
    return pg_call([&] {
        char *schema = get_namespace_name(get_rel_namespace(relid));
        char *name = get_rel_name(relid);
        if (!schema || !name)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
        return std::string(quote_qualified_identifier(schema, name));
    });
}

std::string sql_literal(const std::string &s)
{
    std::string out = "'";
    for (char c : s) {
        out.push_back(c);
        if (c == '\'')
            out.push_back('\'');
    }
    return out + "'";
}

std::string context_json(const std::string &table, const std::vector<std::pair<std::string, std::optional<std::string>>> &key)
{
    if (key.empty())
        return "{\"table\":" + json_quote(table) + ",\"truncate\":true}";
    std::vector<std::pair<std::string_view, std::optional<std::string>>> members(key.begin(), key.end());
    std::sort(members.begin(), members.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    return "{\"key\":" + json_object(members) + ",\"table\":" + json_quote(table) + "}";
}

std::optional<Protection> load_protection(Oid target)
{
    if (run(Stmt::LoadProtection, {p_oid(target)}, 1) == 0)
        return std::nullopt;
    return Protection{text_at(0, 1), text_at(0, 2), opt_text_array_at(0, 3).value_or(std::vector<std::string>{}),
                      opt_text_array_at(0, 4).value_or(std::vector<std::string>{}), opt_text_array_at(0, 5)};
}

void require_table_owner(Oid target, const Caller &caller)
{
    if (!pg_call([&] { return pg_class_ownercheck(target, caller.role); }))
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, "must be owner of table " + qualified_name(target));
}

AttrNumber column_number(Oid target, const std::string &column)
{
    AttrNumber attnum = pg_call([&] { return get_attnum(target, column.c_str()); });
    if (attnum == InvalidAttrNumber || attnum < 0)
        fail(ERRCODE_UNDEFINED_COLUMN,
             "column \"" + column + "\" of relation " + qualified_name(target) + " does not exist");
    return attnum;
}

std::vector<std::string> primary_key_columns(Oid target)
{
    pin_search_path_for_sql();
    return pg_call([&] {
        Datum arg = ObjectIdGetDatum(target);
        Oid argtype = OIDOID;
        if (SPI_execute_with_args("SELECT a.attname::text FROM pg_catalog.pg_index i"
                                  " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                                  " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                                  " WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord",
                                  1, &argtype, &arg, nullptr, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "approval_gate: primary key lookup failed");
        std::vector<std::string> columns;
        for (uint64 i = 0; i < SPI_processed; i++)
            columns.emplace_back(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
        return columns;
    });
}

void execute_ddl(const std::string &sql);

void drop_protect_triggers(Oid target)
{
    std::string table = qualified_name(target);
    for (const char *trigger : {row_trigger, truncate_trigger}) {
        bool exists = pg_call([&] { return OidIsValid(get_trigger_oid(target, trigger, true)); });
        if (exists)
            execute_ddl(std::string("DROP TRIGGER ") + trigger + " ON " + table);
    }
}

void execute_ddl(const std::string &sql)
{
    pin_search_path_for_sql();
    pg_call([&] {
        if (SPI_execute(sql.c_str(), false, 0) != SPI_OK_UTILITY)
            elog(ERROR, "approval_gate: could not run: %s", sql.c_str());
    });
}

bool in_gated_roles(const Protection &p, Oid role)
{
    if (!p.gated_roles)
        return true;
    return pg_call([&] {
        for (const std::string &name : *p.gated_roles) {
            Oid gated = get_role_oid(name.c_str(), true);
            if (OidIsValid(gated) && is_member_of_role_nosuper(role, gated))
                return true;
        }
        return false;
    });
}

// The column's text form: the same for a stored row and for a key typed by a person.
std::string normalized_value(Oid target, AttrNumber attnum, const std::string &input)
{
    return pg_call([&] {
        Oid type, collation;
        int32 typmod;
        get_atttypetypmodcoll(target, attnum, &type, &typmod, &collation);
        Oid input_fn, ioparam, output_fn;
        bool varlena;
        getTypeInputInfo(type, &input_fn, &ioparam);
        getTypeOutputInfo(type, &output_fn, &varlena);
        Datum value = OidInputFunctionCall(input_fn, const_cast<char *>(input.c_str()), ioparam, typmod);
        return std::string(OidOutputFunctionCall(output_fn, value));
    });
}

} // namespace

void protect(Oid target, const std::string &action, const std::string &workspace_column,
             const std::optional<std::vector<std::string>> &key_columns, const std::vector<std::string> &operations,
             const std::optional<std::vector<std::string>> &gated_roles, const Caller &caller)
{
    require_table_owner(target, caller);
    char relkind = pg_call([&] { return get_rel_relkind(target); });
    if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
        fail(ERRCODE_WRONG_OBJECT_TYPE, qualified_name(target) + " is not a table");
    check_action(action);
    if (pg_call([&] { return get_atttype(target, column_number(target, workspace_column)); }) != UUIDOID)
        fail(ERRCODE_DATATYPE_MISMATCH, "workspace column \"" + workspace_column + "\" must be of type uuid");

    std::vector<std::string> keys = key_columns ? *key_columns : primary_key_columns(target);
    if (keys.empty())
        fail(ERRCODE_INVALID_PARAMETER_VALUE, qualified_name(target) + " has no primary key",
             "pass key_columns naming the columns that identify a row");
    for (const std::string &k : keys)
        column_number(target, k);

    std::vector<std::string> ops;
    for (std::string op : operations) {
        std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return std::toupper(c); });
        if (op != "DELETE" && op != "UPDATE" && op != "TRUNCATE")
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "operation \"" + op + "\" cannot be protected",
                 "operations are DELETE, UPDATE and TRUNCATE");
        if (std::find(ops.begin(), ops.end(), op) == ops.end())
            ops.push_back(op);
    }
    if (ops.empty())
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "operations must name at least one of DELETE, UPDATE, TRUNCATE");
    if (gated_roles)
        for (const std::string &role : *gated_roles)
            if (!OidIsValid(pg_call([&] { return get_role_oid(role.c_str(), true); })))
                fail(ERRCODE_UNDEFINED_OBJECT, "role \"" + role + "\" does not exist");

    std::string table = qualified_name(target);
    std::string function = installation().schema + ".approval_gate_protect_trigger()";
    drop_protect_triggers(target);
    std::string row_events;
    for (const std::string &op : ops)
        if (op != "TRUNCATE")
            row_events += (row_events.empty() ? "" : " OR ") + op;
    // AFTER: only rows really deleted or updated (not ones another trigger skipped) need an approval.
    if (!row_events.empty())
        execute_ddl(std::string("CREATE TRIGGER ") + row_trigger + " AFTER " + row_events + " ON " + table +
                    " FOR EACH ROW EXECUTE FUNCTION " + function);
    if (std::find(ops.begin(), ops.end(), "TRUNCATE") != ops.end())
        execute_ddl(std::string("CREATE TRIGGER ") + truncate_trigger + " BEFORE TRUNCATE ON " + table +
                    " FOR EACH STATEMENT EXECUTE FUNCTION " + function);
    run(Stmt::UpsertProtection, {p_oid(target), p_text(action), p_name(workspace_column), p_text_array(keys),
                                 p_text_array(ops), p_text_array_or_null(gated_roles), p_text(caller.actor)});
    // Without a gated policy the triggers would let everything through.
    run(Stmt::EnsurePolicy, {p_text(action)});
}

bool unprotect(Oid target, const Caller &caller)
{
    require_table_owner(target, caller);
    drop_protect_triggers(target);
    return run(Stmt::DeleteProtection, {p_oid(target)}) > 0;
}

std::string row_context(Oid target, Jsonb *row_key)
{
    std::optional<Protection> p = load_protection(target);
    if (!p)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, qualified_name(target) + " is not protected by approval_gate");
    if (!JB_ROOT_IS_OBJECT(row_key) || JB_ROOT_IS_SCALAR(row_key))
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key must be a JSON object");
    std::vector<std::pair<std::string, std::optional<std::string>>> key;
    for (const std::string &column : p->key_columns) {
        JsonbValue *found = pg_call([&] {
            return getKeyJsonValueFromContainer(&row_key->root, column.data(), static_cast<int>(column.size()),
                                                nullptr);
        });
        if (!found)
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key has no member \"" + column + "\"",
                 "the key columns of " + qualified_name(target) + " are listed in approval_gate_protected_tables");
        std::optional<std::string> text;
        switch (found->type) {
        case jbvNull:
            break;
        case jbvString:
            text = std::string(found->val.string.val, found->val.string.len);
            break;
        case jbvBool:
            text = found->val.boolean ? "true" : "false";
            break;
        case jbvNumeric:
            text = pg_call([&] {
                return std::string(DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(found->val.numeric))));
            });
            break;
        default:
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "row_key member \"" + column + "\" must be a scalar");
        }
        if (text)
            text = normalized_value(target, column_number(target, column), *text);
        key.emplace_back(column, text);
    }
    return context_json(qualified_name(target), key);
}

void check_protected_change(TriggerData *trigger, const Caller &caller)
{
    Relation rel = trigger->tg_relation;
    Oid target = RelationGetRelid(rel);
    std::optional<Protection> p = load_protection(target);
    if (!p || !in_gated_roles(*p, caller.role))
        return;

    bool whole_table = TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event);
    HeapTuple row = trigger->tg_trigtuple;
    TupleDesc desc = RelationGetDescr(rel);
    pg_uuid_t workspace_id = whole_table_workspace;
    if (!whole_table) {
        AttrNumber ws_column = column_number(target, p->workspace_column);
        bool isnull;
        Datum ws = pg_call([&] { return heap_getattr(row, ws_column, desc, &isnull); });
        if (!isnull)
            workspace_id = *DatumGetUUIDP(ws);
    }
    // As for approval_gate_require: what is not gated is neither hashed nor consumed.
    if (!is_gated(workspace_id, p->action))
        return;

    std::string table = qualified_name(target);
    std::vector<std::pair<std::string, std::optional<std::string>>> key;
    if (!whole_table) {
        for (const std::string &column : p->key_columns) {
            AttrNumber attnum = column_number(target, column);
            char *text = pg_call([&] { return SPI_getvalue(row, desc, attnum); });
            key.emplace_back(column, text ? std::optional<std::string>(text) : std::nullopt);
        }
    }
    std::string context = context_json(table, key);
    GateKey gate_key{workspace_id, p->action, (Datum)0,
                     request_hash(uuid_to_string(workspace_id), p->action, context, std::nullopt)};
    if (!consume(gate_key, true, caller))
        fail(ERRCODE_AG_APPROVAL_REQUIRED,
             "approval required for action \"" + p->action + "\" on workspace " + uuid_to_string(workspace_id) +
                 " to change " + table,
             "call SELECT approval_gate_require(" + sql_literal(uuid_to_string(workspace_id)) + ", " +
                 sql_literal(p->action) + ", " + sql_literal(context) + ") and wait for a human to approve it");
}

} // namespace approval_gate
