-- Issue 11 A and E: nothing that comes from a user object runs with the extension owner's rights, and
-- only policy managers write policies.
SET client_min_messages = warning;
\set ws '''22222222-2222-2222-2222-222222222222'''

-- A. The exact attack: a domain CHECK that makes its caller superuser, on a protected table's key.
-- (Its temporary table is refused now, see below; the agent owns a table in its own schema instead.)
\c - agent
CREATE TEMP TABLE temp_t (id text PRIMARY KEY, ws uuid);
SELECT try($$SELECT approval_gate_protect('temp_t', 'delete_workspace', 'ws')$$) AS protect_temp_table;
SET search_path = agent_space, public;
CREATE FUNCTION agent_space.p(text) RETURNS bool LANGUAGE plpgsql AS $$BEGIN EXECUTE 'ALTER ROLE agent SUPERUSER'; RETURN true; END$$;
CREATE DOMAIN agent_space.k AS text CHECK (agent_space.p(VALUE));
CREATE TABLE t (id agent_space.k PRIMARY KEY, ws uuid);
-- E. A login that manages no policy cannot make an action gated: no policy row appears.
SELECT try($$SELECT approval_gate_protect('t', 'delete_document', 'ws')$$) AS protect_new_action;
SELECT approval_gate_is_gated(:ws, 'delete_document') AS delete_document_gated;
-- It may protect its own table with an action a manager gated (here a built-in one).
SELECT approval_gate_protect('t', 'delete_workspace', 'ws');
-- Rendering the key through approval_gate_row_context runs the base type's (text's) functions only:
-- the domain's CHECK does not run, so it cannot run as the owner either.
SELECT c -> 'key' AS key, c ->> 'table' AS "table"
  FROM approval_gate_row_context('t', '{"id": "x"}') AS c;
-- The trigger renders a stored row's key the same way. The INSERT runs the CHECK, as the agent
-- itself, which may not ALTER ROLE: the agent's own rights, as for any statement it runs.
SELECT try($$INSERT INTO t VALUES ('x', '22222222-2222-2222-2222-222222222222')$$) AS insert_runs_check_as_agent;
\c - postgres
SELECT rolsuper AS agent_is_superuser FROM pg_roles WHERE rolname = 'agent';

-- The class: a key of a type whose text depends on a session setting, or on user code, is refused.
\c - postgres
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN float_key AS float8;
CREATE TABLE keyed (ws uuid, f8 float8, f4 float4, ts timestamptz, t timestamp, d date, iv interval, b bytea,
                    j jsonb, e mood, fk float_key, i int, n numeric, tx text, vc varchar(10), ch char(3), u uuid, bo bool);
SELECT col, try(format('SELECT approval_gate_protect(%L, %L, %L, ARRAY[%L]::name[])', 'keyed', 'delete_workspace', 'ws', col)) AS protect
  FROM unnest(ARRAY['f8', 'f4', 'ts', 't', 'd', 'iv', 'b', 'j', 'e', 'fk', 'i', 'n', 'tx', 'vc', 'ch', 'u', 'bo']) AS col;
SELECT approval_gate_unprotect('keyed');
-- The key's text is the same whatever the session's settings.
SELECT approval_gate_protect('keyed', 'delete_workspace', 'ws', ARRAY['n', 'tx', 'ch']::name[]);
SELECT approval_gate_row_context('keyed', '{"n": 1.50, "tx": "café", "ch": "ab"}') AS context \gset
SET extra_float_digits = -15;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Chatham';
SET IntervalStyle = 'sql_standard';
SET bytea_output = 'escape';
SET lc_numeric = 'C';
SELECT approval_gate_row_context('keyed', '{"n": "1.50", "tx": "café", "ch": "ab "}') = :'context'::jsonb AS same_context;
RESET ALL;
SELECT :'context' AS context;

-- A trigger of the user's own on a protected table runs as whoever runs the DML, never as the owner.
CREATE TABLE docs (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO docs VALUES (1, :ws), (2, :ws);
CREATE TABLE seen_by (who name, sess name);
GRANT INSERT ON seen_by TO agent;
GRANT SELECT, DELETE ON docs TO agent;
CREATE FUNCTION note_who() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO seen_by VALUES (current_user, session_user); RETURN OLD; END $$;
CREATE TRIGGER docs_note AFTER DELETE ON docs FOR EACH ROW EXECUTE FUNCTION note_who();
SELECT approval_gate_protect('docs', 'delete_workspace', 'ws', gated_roles => '{agent}');
\c - agent
SELECT request_id AS doc_req FROM approval_gate_require(:ws, 'delete_workspace', approval_gate_row_context('docs', '{"id": 1}')) \gset
\c - alice
SELECT approval_gate_approve(:'doc_req');
\c - agent
DELETE FROM docs WHERE id = 1;
\c - postgres
SELECT who, sess FROM seen_by;
-- The row trigger's WHEN condition is the gated-role test, evaluated as the DML's role too.
SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'approval_gate_protect_row' AND tgrelid = 'docs'::regclass;

-- A nondeterministic collation makes equal keys of different text: the stored row's own text is the
-- key, so an approval for another spelling is not consumed (refused, never passed).
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE tags (name text COLLATE ci PRIMARY KEY, ws uuid);
INSERT INTO tags VALUES ('Alpha', :ws);
GRANT SELECT, DELETE ON tags TO agent;
SELECT approval_gate_protect('tags', 'delete_workspace', 'ws', gated_roles => '{agent}');
\c - agent
SELECT request_id AS tag_req FROM approval_gate_require(:ws, 'delete_workspace', approval_gate_row_context('tags', '{"name": "alpha"}')) \gset
\c - alice
SELECT approval_gate_approve(:'tag_req');
\c - agent
SELECT try($$DELETE FROM tags WHERE name = 'alpha'$$) AS delete_other_spelling;

-- E. A policy manager's protect creates the gated default policy it needs; an action a manager
-- turned off explicitly is refused rather than protected in name only.
\c - postgres
CREATE TABLE m (id int PRIMARY KEY, ws uuid);
SELECT approval_gate_protect('m', 'archive_document', 'ws');
SELECT action, workspace_id, gated FROM approval_gate_policies WHERE action = 'archive_document';
SELECT approval_gate_set_policy('shred_document', gated => false);
SELECT try($$SELECT approval_gate_protect('m', 'shred_document', 'ws')$$) AS protect_ungated_action;
SELECT target, action FROM approval_gate_protected_tables WHERE target = 'm'::regclass;
-- A non-manager owner cannot protect with an action that is gated nowhere either.
CREATE ROLE table_owner LOGIN;
CREATE TABLE owned (id int PRIMARY KEY, ws uuid);
ALTER TABLE owned OWNER TO table_owner;
\c - table_owner
SELECT try($$SELECT approval_gate_protect('owned', 'shred_document', 'ws')$$) AS owner_protect_ungated;
SELECT try($$SELECT approval_gate_protect('owned', 'brand_new_action', 'ws')$$) AS owner_protect_new_action;
SELECT approval_gate_protect('owned', 'archive_document', 'ws') AS owner_protects_gated_action;
\c - postgres
SELECT count(*) AS brand_new_policies FROM approval_gate_policies WHERE action = 'brand_new_action';
