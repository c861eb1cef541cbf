-- ---------------------------------------------------------------------------------------------
-- 1.0 -> 1.1, once the 1.1 functions exist: the triggers of tables protected under 1.0 are made
-- again as 1.1 makes them, so that roles that are not gated queue no trigger event.
-- ---------------------------------------------------------------------------------------------
DO $upgrade$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT target, operations, gated_roles FROM @extschema@.approval_gate_protected
              WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = target)
    LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_trigger t
                    WHERE t.tgrelid = p.target AND t.tgname = 'approval_gate_protect_row') THEN
            EXECUTE pg_catalog.format('DROP TRIGGER approval_gate_protect_row ON %s', p.target);
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER approval_gate_protect_row AFTER %s ON %s FOR EACH ROW %s'
                ' EXECUTE FUNCTION @extschema@.approval_gate_protect_trigger()',
                (SELECT pg_catalog.string_agg(op, ' OR ')
                   FROM pg_catalog.unnest(p.operations) AS op WHERE op <> 'TRUNCATE'),
                p.target,
                CASE WHEN p.gated_roles IS NULL THEN ''
                     ELSE pg_catalog.format('WHEN (@extschema@.approval_gate_current_role_gated(%L::pg_catalog.name[]))',
                                            p.gated_roles) END);
        END IF;
    END LOOP;
END
$upgrade$;

