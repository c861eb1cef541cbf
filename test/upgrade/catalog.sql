-- The extension's objects as the catalogs describe them, one line each, sorted: run in a fresh 1.1
-- database and in one upgraded from 1.0, the two outputs must be identical.
\pset format unaligned
\pset tuples_only on
WITH ext AS (
    SELECT oid, extnamespace FROM pg_catalog.pg_extension WHERE extname = 'approval_gate'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.* FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
)
SELECT kind || ' ' || name || ' := ' || coalesce(def, '') FROM (
    SELECT 'extension' AS kind, e.extname::text AS name, concat_ws(' | ', e.extversion, e.extrelocatable) AS def
      FROM pg_catalog.pg_extension e WHERE e.extname = 'approval_gate'
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text,
           concat_ws(' | ', pg_catalog.pg_get_function_result(p.oid), pg_catalog.pg_get_function_arguments(p.oid),
                     l.lanname, p.provolatile, p.proisstrict, p.prosecdef, p.proparallel, p.procost, p.prorows,
                     array_to_string(p.proconfig, ','), p.prosrc, p.probin, p.proacl::text)
      FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'relation' END,
           r.relname::text,
           concat_ws(' | ', r.relacl::text, r.relrowsecurity, r.relforcerowsecurity, array_to_string(r.reloptions, ','),
                     r.relpersistence, CASE WHEN r.relkind = 'v' THEN pg_catalog.pg_get_viewdef(r.oid) END)
      FROM rels r
    UNION ALL
    SELECT 'column', r.relname || '.' || a.attname,
           concat_ws(' | ', a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                     pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attcollation::regcollation::text, a.attacl::text,
                     a.attidentity, a.attgenerated)
      FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
    UNION ALL
    SELECT 'index', i.relname::text, pg_catalog.pg_get_indexdef(i.oid)
      FROM rels r JOIN pg_catalog.pg_index x ON x.indrelid = r.oid JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    UNION ALL
    SELECT 'constraint', r.relname || '.' || k.conname, pg_catalog.pg_get_constraintdef(k.oid)
      FROM rels r JOIN pg_catalog.pg_constraint k ON k.conrelid = r.oid
    UNION ALL
    SELECT 'trigger', r.relname || '.' || t.tgname, pg_catalog.pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
      FROM rels r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT 'policy', r.relname || '.' || p.polname,
           concat_ws(' | ', p.polcmd, p.polpermissive, pg_catalog.pg_get_expr(p.polqual, p.polrelid), p.polroles::text)
      FROM rels r JOIN pg_catalog.pg_policy p ON p.polrelid = r.oid
    UNION ALL
    SELECT 'type', t.typname::text,
           concat_ws(' | ', t.typtype, pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typacl::text,
                     (SELECT string_agg(k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid), ', ' ORDER BY k.conname)
                        FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid))
      FROM members m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    SELECT 'config', c.relname::text, coalesce(e.extcondition[u.i], '')
      FROM pg_catalog.pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS u(oid, i)
      JOIN pg_catalog.pg_class c ON c.oid = u.oid
     WHERE e.extname = 'approval_gate'
    UNION ALL
    SELECT 'initial_privileges', pg_catalog.pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
           concat_ws(' | ', ip.privtype, ip.initprivs::text)
      FROM members m JOIN pg_catalog.pg_init_privs ip ON ip.classoid = m.classid AND ip.objoid = m.objid
    UNION ALL
    SELECT 'member', pg_catalog.pg_describe_object(m.classid, m.objid, 0), NULL FROM members m
) described
ORDER BY 1;
