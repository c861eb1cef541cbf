-- ---------------------------------------------------------------------------------------------
-- 1.0 -> 1.1, once the 1.1 functions exist: the triggers of tables protected under 1.0 are made
-- again as approval_gate_protect() makes them in 1.1: the row trigger fires for DELETE and UPDATE
-- whichever is protected, a statement trigger refuses statements that reach inheritance children,
-- and with gated roles both carry the WHEN condition, so that roles that are not gated queue nothing.
-- ---------------------------------------------------------------------------------------------
DO $upgrade$
DECLARE
    p record;
    when_gated text;
    truncate_partitioned text;
BEGIN
    -- 1.0 let TRUNCATE be protected on a partitioned table, with one trigger on the root: TRUNCATE of a
    -- partition fires none. 1.1 refuses that protection, and so refuses to carry it over half enforced.
    SELECT pg_catalog.string_agg(pr.target::pg_catalog.text, ', ') INTO truncate_partitioned
      FROM @extschema@.approval_gate_protected pr
      JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) pr.target
     WHERE c.relkind OPERATOR(pg_catalog.=) 'p' AND 'TRUNCATE' OPERATOR(pg_catalog.=) ANY (pr.operations);
    IF truncate_partitioned IS NOT NULL THEN
        RAISE EXCEPTION 'TRUNCATE is protected on partitioned table(s) %, which approval_gate 1.1 cannot enforce on their partitions',
                        truncate_partitioned
            USING ERRCODE = '0A000',
                  HINT = 'for each: DROP TRIGGER approval_gate_protect_truncate ON the table; UPDATE '
                         '@extschema@.approval_gate_protected SET operations = array_remove(operations, ''TRUNCATE'') '
                         'WHERE target = the table; REVOKE TRUNCATE from the gated roles; then update again';
    END IF;
    -- Rows of tables dropped under 1.0: their OIDs may be reused by unrelated relations.
    DELETE FROM @extschema@.approval_gate_protected pr
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) pr.target);
    FOR p IN SELECT pr.target, pr.operations, pr.gated_roles, c.relkind
               FROM @extschema@.approval_gate_protected pr
               JOIN pg_catalog.pg_class c ON c.oid = pr.target
    LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_trigger t
                    WHERE t.tgrelid = p.target AND t.tgname = 'approval_gate_protect_row') THEN
            -- Written as approval_gate_protect() writes it: ARRAY['role', ...]::pg_catalog.name[].
            when_gated := CASE WHEN p.gated_roles IS NULL THEN ''
                               ELSE pg_catalog.format('WHEN (@extschema@.approval_gate_caller_gated(ARRAY[%s]::pg_catalog.name[]))',
                                                      (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(r), ', ')
                                                         FROM pg_catalog.unnest(p.gated_roles) AS r)) END;
            EXECUTE pg_catalog.format('DROP TRIGGER approval_gate_protect_row ON %s', p.target);
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER approval_gate_protect_row AFTER DELETE OR UPDATE ON %s FOR EACH ROW %s'
                ' EXECUTE FUNCTION @extschema@.approval_gate_protect_trigger()', p.target, when_gated);
            IF p.relkind = 'r' THEN
                EXECUTE pg_catalog.format(
                    'CREATE TRIGGER approval_gate_protect_statement BEFORE DELETE OR UPDATE ON %s FOR EACH STATEMENT %s'
                    ' EXECUTE FUNCTION @extschema@.approval_gate_protect_trigger()', p.target, when_gated);
            END IF;
        END IF;
    END LOOP;
END
$upgrade$;
