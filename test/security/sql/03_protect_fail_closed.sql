-- Issue 11 B, C1, D4: no crash, no fail-open path on protected tables. A trigger that fires where no
-- protection matches, or on a table whose protection no longer fits it, refuses; a partitioned table
-- is protected on every partition, including those attached later.
SET client_min_messages = warning;
\set ws '''33333333-3333-3333-3333-333333333333'''

-- B. The trigger function attached by hand, as a statement-level or INSERT trigger: 39P01, no crash.
\c - agent
SET search_path = agent_space, public;
CREATE TABLE b (id int PRIMARY KEY, ws uuid);
SELECT approval_gate_protect('b', 'delete_workspace', 'ws');
CREATE TRIGGER x AFTER INSERT ON b FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_protect_trigger();
SELECT try($$INSERT INTO b VALUES (1, NULL)$$) AS statement_insert_trigger;
DROP TRIGGER x ON b;
CREATE TRIGGER x AFTER INSERT ON b FOR EACH ROW EXECUTE FUNCTION approval_gate_protect_trigger();
SELECT try($$INSERT INTO b VALUES (1, NULL)$$) AS row_insert_trigger;
DROP TRIGGER x ON b;
CREATE TRIGGER x BEFORE DELETE ON b FOR EACH ROW EXECUTE FUNCTION approval_gate_protect_trigger();
INSERT INTO b VALUES (1, NULL);
SELECT try($$DELETE FROM b$$) AS before_row_delete_trigger;
DROP TRIGGER x ON b;
CREATE TRIGGER x AFTER UPDATE ON b FOR EACH ROW EXECUTE FUNCTION approval_gate_protect_trigger();
SELECT try($$UPDATE b SET ws = ws$$) AS update_not_protected;
DROP TRIGGER x ON b;
CREATE TRIGGER x BEFORE TRUNCATE ON b FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_protect_trigger();
SELECT try($$TRUNCATE b$$) AS truncate_not_protected;
DROP TRIGGER x ON b;
-- On a table with no protection at all, the trigger refuses (fail closed).
CREATE TEMP TABLE unprotected (id int PRIMARY KEY, ws uuid);
INSERT INTO unprotected VALUES (1, NULL);
CREATE TRIGGER x AFTER DELETE ON unprotected FOR EACH ROW EXECUTE FUNCTION approval_gate_protect_trigger();
SELECT try($$DELETE FROM unprotected$$) AS no_protection_matches;
-- The extension's other trigger functions cannot be attached by the agent at all.
SELECT try($$CREATE TRIGGER y AFTER INSERT ON unprotected FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_refuse_change()$$) AS attach_refuse_change;
SELECT try($$CREATE TRIGGER y AFTER INSERT ON unprotected FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_policies_changed()$$) AS attach_policies_changed;
-- ... and a superuser who does gets 39P01 too.
\c - postgres
CREATE TABLE sink (id int);
CREATE TRIGGER y AFTER INSERT ON sink FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_refuse_change();
SELECT try($$INSERT INTO sink VALUES (1)$$) AS refuse_change_misplaced;
DROP TRIGGER y ON sink;
CREATE TRIGGER y AFTER INSERT ON sink FOR EACH STATEMENT EXECUTE FUNCTION approval_gate_policies_changed();
SELECT try($$INSERT INTO sink VALUES (1)$$) AS policies_changed_misplaced;
DROP TABLE sink;

-- B. Retyping, renaming or dropping a protected table's columns: the next change refuses clearly.
\c - agent
SET search_path = agent_space, public;
CREATE TABLE r (id int PRIMARY KEY, ws uuid, k2 int);
INSERT INTO r VALUES (1, gen_random_uuid(), 1), (2, gen_random_uuid(), 2), (3, gen_random_uuid(), 3), (4, gen_random_uuid(), 4);
SELECT approval_gate_protect('r', 'delete_workspace', 'ws', '{id,k2}');
ALTER TABLE r ALTER COLUMN ws TYPE bigint USING 1;
SELECT try($$DELETE FROM r WHERE id = 1$$) AS workspace_retyped;
ALTER TABLE r ALTER COLUMN ws TYPE uuid USING gen_random_uuid();
ALTER TABLE r ALTER COLUMN k2 TYPE float8;
SELECT try($$DELETE FROM r WHERE id = 2$$) AS key_retyped_to_float;
ALTER TABLE r RENAME COLUMN k2 TO k3;
SELECT try($$DELETE FROM r WHERE id = 3$$) AS key_renamed;
ALTER TABLE r DROP COLUMN k3;
SELECT try($$DELETE FROM r WHERE id = 4$$) AS key_dropped;
SELECT count(*) AS rows_left FROM r;
-- A key column named twice could never match a row's context (a JSON object): refused.
CREATE TABLE dup (id int PRIMARY KEY, ws uuid);
SELECT try($$SELECT approval_gate_protect('dup', 'delete_workspace', 'ws', '{id,id}')$$) AS key_named_twice;

-- B. A column added to the extension's own tables (as a later upgrade might): the next calls work.
\c - postgres
ALTER TABLE approval_gate_events ADD COLUMN note text;
ALTER TABLE approval_gate_event_queue ADD COLUMN note text NOT NULL DEFAULT 'n/a';
ALTER TABLE approval_gate_requests ADD COLUMN note text NOT NULL DEFAULT 'n/a';
ALTER TABLE approval_gate_votes ADD COLUMN note2 text DEFAULT 'n/a';
\c - agent
SELECT outcome, request_id AS col_req FROM approval_gate_require(:ws, 'delete_workspace', '{"columns": "added"}') \gset
\c - alice
SELECT approval_gate_approve(:'col_req') AS approved_with_added_columns;
\c - agent
SELECT outcome AS consumed_with_added_columns FROM approval_gate_require(:ws, 'delete_workspace', '{"columns": "added"}');
\c - postgres
SELECT approval_gate_seal_events() >= 0 AS sealed_with_added_columns; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT count(*) AS broken FROM approval_gate_verify_events();
SELECT DISTINCT note FROM approval_gate_requests WHERE id = :'col_req';
ALTER TABLE approval_gate_events DROP COLUMN note;
ALTER TABLE approval_gate_event_queue DROP COLUMN note;
ALTER TABLE approval_gate_requests DROP COLUMN note;
ALTER TABLE approval_gate_votes DROP COLUMN note2;

-- C1. Partitioned tables: protected through the parent, directly on a partition, and on partitions
-- created or attached after the protection.
CREATE TABLE parts (id int, ws uuid NOT NULL, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (1) TO (100);
INSERT INTO parts VALUES (1, :ws), (2, :ws);
GRANT SELECT, DELETE, UPDATE ON parts TO agent;
GRANT SELECT, DELETE ON parts_1 TO agent;
SELECT approval_gate_protect('parts', 'delete_workspace', 'ws', operations => '{DELETE,UPDATE}', gated_roles => '{agent}');
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES FROM (100) TO (200);
CREATE TABLE parts_3 (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO parts_2 VALUES (101, :ws);
INSERT INTO parts_3 VALUES (201, :ws);
ALTER TABLE parts ATTACH PARTITION parts_3 FOR VALUES FROM (200) TO (300);
GRANT SELECT, DELETE ON parts_2, parts_3 TO agent;
\c - agent
SELECT try($$DELETE FROM parts WHERE id = 1$$) AS delete_through_parent;
SELECT try($$DELETE FROM parts_1 WHERE id = 2$$) AS delete_on_partition;
SELECT try($$DELETE FROM parts_2 WHERE id = 101$$) AS delete_on_later_partition;
SELECT try($$DELETE FROM parts_3 WHERE id = 201$$) AS delete_on_attached_partition;
SELECT try($$UPDATE parts SET id = 150 WHERE id = 1$$) AS update_moving_partitions;
SELECT count(*) AS rows_left FROM parts;
-- The approval names the partitioned table, whichever partition is asked about or deleted from.
SELECT approval_gate_row_context('parts_1', '{"id": 2}') = approval_gate_row_context('parts', '{"id": 2}') AS same_context;
SELECT request_id AS part_req FROM approval_gate_require(:ws, 'delete_workspace', approval_gate_row_context('parts', '{"id": 2}')) \gset
\c - alice
SELECT approval_gate_approve(:'part_req');
\c - agent
SELECT try($$DELETE FROM parts_1 WHERE id = 2$$) AS delete_approved_row_on_partition;
SELECT count(*) AS rows_left FROM parts;
-- A partition cannot be protected on its own, nor TRUNCATE on a partitioned table (a statement
-- trigger is not cloned onto partitions, so a TRUNCATE of one partition would pass).
\c - postgres
SELECT try($$SELECT approval_gate_protect('parts_1', 'delete_workspace', 'ws')$$) AS protect_partition;
SELECT try($$SELECT approval_gate_protect('parts', 'delete_workspace', 'ws', operations => '{DELETE,TRUNCATE}')$$) AS protect_truncate_partitioned;
-- The protection is still there after the refused calls.
SELECT target, operations FROM approval_gate_protected_tables WHERE target = 'parts'::regclass;

-- Fail closed: a protection row removed behind the extension's back, a gated role that no longer
-- exists.
CREATE TABLE gone (id int PRIMARY KEY, ws uuid);
INSERT INTO gone VALUES (1, :ws), (2, :ws);
GRANT SELECT, DELETE ON gone TO agent;
CREATE ROLE temp_gated;
SELECT approval_gate_protect('gone', 'delete_workspace', 'ws', gated_roles => '{temp_gated,agent}');
DROP ROLE temp_gated;
\c - agent
SELECT try($$DELETE FROM gone WHERE id = 1$$) AS gated_role_dropped;
\c - postgres
SELECT approval_gate_protect('gone', 'delete_workspace', 'ws', gated_roles => '{agent}');
DELETE FROM approval_gate_protected WHERE target = 'gone'::regclass;
\c - agent
SELECT try($$DELETE FROM gone WHERE id = 1$$) AS protection_row_gone;
\c - postgres
SELECT count(*) AS rows_left FROM gone;

-- D4. Triggers that a superuser adds to the extension's own tables are honoured, and a write they
-- skip is never reported as done: the call refuses.
CREATE FUNCTION skip_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END $$;
CREATE TABLE statement_log (what text);
CREATE FUNCTION log_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.statement_log VALUES (TG_TABLE_NAME || ' ' || TG_OP); RETURN NULL; END $$;
CREATE TRIGGER foreign_statement AFTER UPDATE ON approval_gate_requests
    FOR EACH STATEMENT EXECUTE FUNCTION log_statement();
\c - agent
SELECT request_id AS d4_req FROM approval_gate_require(:ws, 'delete_workspace', '{"d4": 1}') \gset
\c - alice
SELECT approval_gate_approve(:'d4_req') AS approve;
\c - postgres
SELECT what FROM statement_log;
CREATE TRIGGER foreign_skip BEFORE UPDATE ON approval_gate_requests FOR EACH ROW EXECUTE FUNCTION skip_row();
\c - agent
SELECT try($$SELECT approval_gate_consume('33333333-3333-3333-3333-333333333333', 'delete_workspace', '{"d4": 1}')$$) AS consume_skipped_by_trigger;
\c - postgres
SELECT status FROM approval_gate_requests WHERE id = :'d4_req';
DROP TRIGGER foreign_skip ON approval_gate_requests;
DROP TRIGGER foreign_statement ON approval_gate_requests;
CREATE TRIGGER foreign_skip BEFORE INSERT ON approval_gate_event_queue FOR EACH ROW EXECUTE FUNCTION skip_row();
\c - agent
SELECT try($$SELECT approval_gate_require('33333333-3333-3333-3333-333333333333', 'delete_workspace', '{"d4": 2}')$$) AS event_skipped_by_trigger;
\c - postgres
SELECT count(*) AS requests_left_by_refused_call FROM approval_gate_requests WHERE context = '{"d4": 2}';
DROP TRIGGER foreign_skip ON approval_gate_event_queue;
SELECT count(*) AS broken FROM approval_gate_verify_events() WHERE seq IS NOT NULL;

-- Red team, second round: every path by which a gated row change could skip the trigger for its
-- operation, or the gated-role check, is refused.
-- 1. An UPDATE that moves a row to another partition is a DELETE there plus an INSERT: UPDATE cannot
--    be protected without DELETE on a partitioned table, and a protection made on a plain table that
--    later became a partition refuses the DELETE half of such a move.
CREATE TABLE ledger (id int, region int, ws uuid NOT NULL, amount int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ledger_1 PARTITION OF ledger FOR VALUES IN (1);
CREATE TABLE ledger_2 (id int, region int, ws uuid NOT NULL, amount int, PRIMARY KEY (id, region));
INSERT INTO ledger VALUES (1, 1, :ws, 100);
INSERT INTO ledger_2 VALUES (2, 2, :ws, 200);
GRANT SELECT, UPDATE, DELETE ON ledger, ledger_1, ledger_2 TO agent;
SELECT try($$SELECT approval_gate_protect('ledger', 'delete_workspace', 'ws', operations => '{UPDATE}')$$) AS update_only_on_partitioned;
SELECT approval_gate_protect('ledger_2', 'delete_workspace', 'ws', operations => '{UPDATE}');
ALTER TABLE ledger ATTACH PARTITION ledger_2 FOR VALUES IN (2);
\c - agent
SELECT try($$UPDATE ledger SET amount = 999, region = 1 WHERE id = 2$$) AS move_out_of_update_protected;
SELECT try($$DELETE FROM ledger_2 WHERE id = 2$$) AS delete_on_update_protected_partition;
\c - postgres
SELECT id, region, amount FROM ledger ORDER BY id;
SELECT approval_gate_unprotect('ledger_2');
SELECT approval_gate_protect('ledger', 'delete_workspace', 'ws', operations => '{DELETE,UPDATE}');
\c - agent
SELECT try($$UPDATE ledger SET amount = 999, region = 2 WHERE id = 1$$) AS move_on_protected_partitioned;
\c - postgres
SELECT id, region, amount FROM ledger ORDER BY id;
-- On a plain table, an UPDATE-only protection lets DELETE through: it is not protected.
CREATE TABLE notes_u (id int PRIMARY KEY, ws uuid NOT NULL, body text);
INSERT INTO notes_u VALUES (1, :ws, 'a'), (2, :ws, 'b');
GRANT SELECT, UPDATE, DELETE ON notes_u TO agent;
SELECT approval_gate_protect('notes_u', 'delete_workspace', 'ws', operations => '{UPDATE}');
\c - agent
SELECT try($$UPDATE notes_u SET body = 'x' WHERE id = 1$$) AS update_only_update;
SELECT try($$DELETE FROM notes_u WHERE id = 2$$) AS update_only_delete;
\c - postgres

-- 2. Rows of inheritance children fire none of the parent's triggers: a table with children cannot
--    be protected, and a child added later makes every statement on the parent refuse.
CREATE TABLE docs_i (id int PRIMARY KEY, ws uuid NOT NULL, body text);
CREATE TABLE docs_i_old () INHERITS (docs_i);
SELECT try($$SELECT approval_gate_protect('docs_i', 'delete_workspace', 'ws')$$) AS protect_with_children;
DROP TABLE docs_i_old;
SELECT approval_gate_protect('docs_i', 'delete_workspace', 'ws', operations => '{DELETE,UPDATE}');
CREATE TABLE docs_i_archive () INHERITS (docs_i);
INSERT INTO docs_i VALUES (1, :ws, 'parent row');
INSERT INTO docs_i_archive VALUES (2, :ws, 'child row');
GRANT SELECT, UPDATE, DELETE ON docs_i TO agent;
\c - agent
SELECT try($$UPDATE docs_i SET body = 'tampered' WHERE id = 2$$) AS update_reaching_child;
SELECT try($$DELETE FROM docs_i WHERE id = 2$$) AS delete_reaching_child;
\c - postgres
SELECT id, body FROM docs_i ORDER BY id;
ALTER TABLE docs_i_archive NO INHERIT docs_i;
\c - agent
SELECT try($$DELETE FROM docs_i WHERE id = 1$$) AS delete_after_no_inherit;

-- 3. The gated-role check asks for the login as well as the role in effect: a foreign-key cascade
--    runs as the referencing table's owner, a SECURITY DEFINER function as its owner.
\c - postgres
CREATE ROLE gated_agents;
GRANT gated_agents TO agent;
CREATE TABLE projects (pid int PRIMARY KEY);
CREATE TABLE secrets (id int PRIMARY KEY, ws uuid NOT NULL, pid int REFERENCES projects ON DELETE CASCADE);
INSERT INTO projects VALUES (1), (2);
INSERT INTO secrets VALUES (10, :ws, 1), (20, :ws, 2);
GRANT SELECT, DELETE ON projects, secrets TO agent;
SELECT approval_gate_protect('secrets', 'delete_workspace', 'ws', gated_roles => '{gated_agents}');
CREATE FUNCTION purge_secret(i int) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$ DELETE FROM secrets WHERE id = i $$;
REVOKE ALL ON FUNCTION purge_secret(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_secret(int) TO agent;
\c - agent
SELECT try($$DELETE FROM secrets WHERE id = 10$$) AS direct_delete;
SELECT try($$DELETE FROM projects WHERE pid = 2$$) AS cascade_delete;
SELECT try($$SELECT purge_secret(10)$$) AS security_definer_delete;
\c - postgres
SELECT id FROM secrets ORDER BY id;
-- A role that is not gated (the owner here) still passes.
DELETE FROM projects WHERE pid = 1;
SELECT count(*) AS secrets_left FROM secrets;

-- 4. A policy dropped after the table was protected does not switch the protection off.
CREATE TABLE customers (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO customers VALUES (1, :ws);
GRANT SELECT, DELETE ON customers TO agent;
SELECT approval_gate_protect('customers', 'drop_customer', 'ws');
SELECT approval_gate_drop_policy('drop_customer') AS policy_dropped;
\c - agent
SELECT try($$DELETE FROM customers WHERE id = 1$$) AS delete_after_policy_dropped;
\c - postgres
SELECT approval_gate_set_policy('drop_customer', gated => false);
\c - agent
SELECT try($$DELETE FROM customers WHERE id = 1$$) AS delete_after_explicitly_ungated;
\c - postgres
SELECT approval_gate_drop_policy('drop_customer');

-- Red team, third round.
-- 5. gated_roles must name someone, and not the table's owner (an owner can drop the protection).
CREATE ROLE agent_owner;
GRANT gated_agents TO agent_owner;
CREATE TABLE owned_by_agent (id int PRIMARY KEY, ws uuid NOT NULL);
ALTER TABLE owned_by_agent OWNER TO agent_owner;
SELECT try($$SELECT approval_gate_protect('owned_by_agent', 'delete_workspace', 'ws', gated_roles => '{}')$$) AS empty_gated_roles;
SELECT try($$SELECT approval_gate_protect('owned_by_agent', 'delete_workspace', 'ws', gated_roles => '{gated_agents}')$$) AS owner_is_gated;
SELECT count(*) AS protections_made FROM approval_gate_protected WHERE target = 'owned_by_agent'::regclass;
-- 6. Under a DELETE-only protection, an UPDATE that moves a row to another workspace or key (where
--    another approval, or no gate, would answer the DELETE) needs the row's approval; any other
--    UPDATE is free. On a partitioned table too, where an in-place UPDATE is no DELETE.
SELECT approval_gate_set_policy('delete_workspace', '44444444-4444-4444-4444-444444444444', gated => false);
CREATE TABLE rehome (id int PRIMARY KEY, ws uuid NOT NULL, note text);
INSERT INTO rehome VALUES (1, :ws, 'a'), (2, :ws, 'b');
GRANT SELECT, UPDATE, DELETE ON rehome TO agent;
SELECT approval_gate_protect('rehome', 'delete_workspace', 'ws');
CREATE TABLE rehome_p (id int, ws uuid NOT NULL, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE rehome_p1 PARTITION OF rehome_p FOR VALUES FROM (1) TO (100);
INSERT INTO rehome_p VALUES (1, :ws, 'a');
GRANT SELECT, UPDATE, DELETE ON rehome_p TO agent;
SELECT approval_gate_protect('rehome_p', 'delete_workspace', 'ws');
\c - agent
SELECT try($$UPDATE rehome SET note = 'edited' WHERE id = 1$$) AS update_other_column;
SELECT try($$UPDATE rehome SET ws = '44444444-4444-4444-4444-444444444444' WHERE id = 1$$) AS update_workspace;
SELECT try($$UPDATE rehome SET id = 3 WHERE id = 2$$) AS update_key;
SELECT try($$UPDATE rehome_p SET note = 'edited' WHERE id = 1$$) AS partitioned_update_other_column;
SELECT try($$UPDATE rehome_p SET ws = '44444444-4444-4444-4444-444444444444' WHERE id = 1$$) AS partitioned_update_workspace;
\c - postgres
SELECT id, ws = :ws AS same_workspace, note FROM rehome ORDER BY id;
SELECT approval_gate_drop_policy('delete_workspace', '44444444-4444-4444-4444-444444444444');
-- 7. pg_database_owner as a gated role: the kept answer follows a change of the database's owner.
-- (The table's owner must not own the database: it would be gated itself.)
CREATE ROLE dbo_table_owner;
CREATE TABLE dbo_docs (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO dbo_docs VALUES (1, :ws), (2, :ws);
GRANT SELECT, DELETE ON dbo_docs TO agent;
SELECT try($$SELECT approval_gate_protect('dbo_docs', 'delete_workspace', 'ws', gated_roles => '{pg_database_owner}')$$) AS database_owner_owns_table;
ALTER TABLE dbo_docs OWNER TO dbo_table_owner;
SELECT approval_gate_protect('dbo_docs', 'delete_workspace', 'ws', gated_roles => '{pg_database_owner}');
SELECT pg_catalog.pg_get_userbyid(datdba) AS owner_before FROM pg_database WHERE datname = current_database() \gset
SET SESSION AUTHORIZATION agent;
SELECT try($$DELETE FROM dbo_docs WHERE id = 1$$) AS not_owner_delete;
RESET SESSION AUTHORIZATION;
SELECT format('ALTER DATABASE %I OWNER TO agent', current_database()) \gexec
SET SESSION AUTHORIZATION agent;
SELECT try($$DELETE FROM dbo_docs WHERE id = 2$$) AS owner_delete;
RESET SESSION AUTHORIZATION;
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner_before') \gexec
SELECT id FROM dbo_docs ORDER BY id;

-- A dropped protected table leaves a row naming a bare OID; the next protect or unprotect removes it.
CREATE TABLE dropped_later (id int PRIMARY KEY, ws uuid NOT NULL);
SELECT approval_gate_protect('dropped_later', 'delete_workspace', 'ws');
DROP TABLE dropped_later;
SELECT count(*) AS rows_of_dropped_tables FROM approval_gate_protected p WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = p.target);
SELECT approval_gate_unprotect('dbo_docs');
SELECT count(*) AS rows_of_dropped_tables FROM approval_gate_protected p WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = p.target);

-- A row whose key makes a context over approval_gate.max_context_bytes can never be approved: the
-- trigger refuses it (54000) before rendering, hashing or echoing it, as row_context does.
CREATE TABLE big_keys (k text, ws uuid NOT NULL);
INSERT INTO big_keys VALUES (repeat('a', 100000), :ws), ('short', :ws);
GRANT SELECT, DELETE ON big_keys TO agent;
SELECT approval_gate_protect('big_keys', 'delete_workspace', 'ws', key_columns => '{k}', gated_roles => '{agent}');
\c - agent
SELECT try($$DELETE FROM big_keys WHERE k <> 'short'$$) AS long_key_delete;
SELECT try($$DELETE FROM big_keys WHERE k = 'short'$$) AS short_key_delete;
SELECT try(format('SELECT approval_gate_row_context(%L, %L)', 'big_keys', jsonb_build_object('k', repeat('a', 100000)))) AS long_key_context;
\c - postgres
SELECT count(*) AS big_keys_left FROM big_keys;
