-- Issue 11 B, C1, D4: no crash, no fail-open path on protected tables. A trigger that fires where no
-- protection matches, or on a table whose protection no longer fits it, refuses; a partitioned table
-- is protected on every partition, including those attached later.
SET client_min_messages = warning;
\set ws '''33333333-3333-3333-3333-333333333333'''

-- B. The trigger function attached by hand, as a statement-level or INSERT trigger: 39P01, no crash.
\c - agent
CREATE TEMP TABLE b (id int PRIMARY KEY, ws uuid);
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
SELECT try($$UPDATE b SET id = 2$$) AS update_not_protected;
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
CREATE TEMP TABLE r (id int PRIMARY KEY, ws uuid, k2 int);
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
