-- approval_gate_protect: the gate enforced by triggers on the data itself (issue 5).
SET client_min_messages = warning;
CREATE ROLE regress_p_agent;
CREATE ROLE regress_p_operator;
CREATE ROLE regress_p_alice IN ROLE approval_gate_approver;
CREATE TABLE docs (id int PRIMARY KEY, ws uuid NOT NULL, body text);
CREATE TABLE notes (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO docs SELECT g, 'aaaaaaaa-0000-0000-0000-00000000000a', 'doc ' || g FROM generate_series(1, 6) g;
INSERT INTO notes SELECT g, 'aaaaaaaa-0000-0000-0000-00000000000a' FROM generate_series(1, 2) g;
GRANT SELECT, DELETE, UPDATE, TRUNCATE ON docs, notes TO regress_p_agent, regress_p_operator;
GRANT SELECT ON approval_gate_protected_tables TO regress_p_agent;

-- The agent asks and alice approves, each as its own login (SET SESSION AUTHORIZATION changes the
-- session user, which is what a principal is; SET ROLE would not).
CREATE FUNCTION ask_and_approve(target regclass, row_key jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d approval_gate_decision;
BEGIN
    SET LOCAL SESSION AUTHORIZATION regress_p_agent;
    d := approval_gate_require('aaaaaaaa-0000-0000-0000-00000000000a', 'delete_document',
                               approval_gate_row_context(target, row_key));
    SET LOCAL SESSION AUTHORIZATION regress_p_alice;
    RETURN d.outcome || ' -> ' || approval_gate_approve(d.request_id);
END $$;
GRANT EXECUTE ON FUNCTION ask_and_approve(regclass, jsonb) TO PUBLIC;

-- Protecting needs the table owner; arguments are checked.
SELECT sql_error($$SET LOCAL ROLE regress_p_agent; SELECT approval_gate_protect('docs', 'delete_document', 'ws')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', 'delete_document', 'nope')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', 'delete_document', 'body')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', 'delete_document', 'ws', '{nope}')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', 'delete_document', 'ws', operations => '{INSERT}')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', 'delete_document', 'ws', gated_roles => '{no_such_role}')$$);
SELECT sql_error($$SELECT approval_gate_protect('docs', '', 'ws')$$);
SELECT count(*) AS protected_after_errors FROM approval_gate_protected_tables;

SELECT approval_gate_protect('docs', 'delete_document', 'ws', operations => '{delete,truncate}',
                             gated_roles => '{regress_p_agent}');
SELECT approval_gate_protect('notes', 'delete_document', 'ws', gated_roles => '{regress_p_agent}');
SELECT target, action, workspace_column, key_columns, operations, gated_roles FROM approval_gate_protected_tables
 ORDER BY target::text;
-- protect() made sure the action is gated.
SELECT approval_gate_is_gated('aaaaaaaa-0000-0000-0000-00000000000a', 'delete_document') AS gated;

-- The context a row's deletion needs; the key may be given in any form its column type accepts.
SELECT approval_gate_row_context('docs', '{"id": 1}');
SELECT approval_gate_row_context('docs', '{"id": "1"}') = approval_gate_row_context('docs', '{"id": 1}') AS same;
SELECT sql_error($$SELECT approval_gate_row_context('docs', '{"other": 1}')$$);
SELECT sql_error($$SELECT approval_gate_row_context('docs', '{"id": "x"}')$$);
SELECT sql_error($$SELECT approval_gate_row_context('pg_class', '{"oid": 1}')$$);

-- 1. Without an approval the agent's DELETE fails (AG001, hint with the exact call) and the row stays.
SET SESSION AUTHORIZATION regress_p_agent;
DELETE FROM docs WHERE id = 1;
SELECT count(*) AS doc_1_still_there FROM docs WHERE id = 1;
-- Naming another actor does not change which roles are gated.
SET approval_gate.actor = 'regress_p_operator';
SELECT sql_error('DELETE FROM docs WHERE id = 1');
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;

-- 2. With an approval for that row the DELETE succeeds and consumes it.
SELECT ask_and_approve('docs', '{"id": 1}');
-- 3. ... but an approval for row 1 does not delete row 2, nor row 1 of another table.
SET SESSION AUTHORIZATION regress_p_agent;
SELECT sql_error('DELETE FROM docs WHERE id = 2');
SELECT sql_error('DELETE FROM notes WHERE id = 1');
-- 4. A rolled-back delete leaves the approval usable.
BEGIN;
DELETE FROM docs WHERE id = 1;
ROLLBACK;
RESET SESSION AUTHORIZATION;
SELECT status AS after_rollback FROM approval_gate_requests
 WHERE context @> '{"key": {"id": "1"}, "table": "public.docs"}';
SET SESSION AUTHORIZATION regress_p_agent;
DELETE FROM docs WHERE id = 1;
RESET SESSION AUTHORIZATION;
SELECT status FROM approval_gate_requests WHERE context @> '{"key": {"id": "1"}, "table": "public.docs"}'
 ORDER BY created_at;
SELECT count(*) AS doc_1_left FROM docs WHERE id = 1;

-- 5. Bulk deletes need one approval per row: rows 3 and 4 approved, row 5 not, so nothing goes.
SELECT ask_and_approve('docs', '{"id": 3}'), ask_and_approve('docs', '{"id": 4}');
SET SESSION AUTHORIZATION regress_p_agent;
SELECT sql_error('DELETE FROM docs WHERE id IN (3, 4, 5)');
SELECT count(*) AS rows_3_4_5_left FROM docs WHERE id IN (3, 4, 5);
DELETE FROM docs WHERE id IN (3, 4);
SELECT array_agg(id ORDER BY id) AS docs_left FROM docs;
RESET SESSION AUTHORIZATION;

-- 6. An operator role is not gated.
SET SESSION AUTHORIZATION regress_p_operator;
DELETE FROM docs WHERE id = 6;
SELECT array_agg(id ORDER BY id) AS docs_left FROM docs;
RESET SESSION AUTHORIZATION;

-- 7. TRUNCATE needs an approval for the whole table, asked for the nil workspace.
SET SESSION AUTHORIZATION regress_p_agent;
TRUNCATE docs;
SELECT count(*) AS docs_after_refused_truncate FROM docs;
SELECT (approval_gate_require('00000000-0000-0000-0000-000000000000', 'delete_document',
                              '{"table": "public.docs", "truncate": true}')).outcome;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_p_alice;
SELECT approval_gate_approve(id) FROM approval_gate_pending WHERE context ? 'truncate';
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_p_agent;
TRUNCATE docs;
SELECT count(*) AS docs_after_truncate FROM docs;
RESET SESSION AUTHORIZATION;

-- UPDATE is gated only where asked for: notes protects DELETE only.
SET SESSION AUTHORIZATION regress_p_agent;
UPDATE notes SET ws = ws WHERE id = 1;
RESET SESSION AUTHORIZATION;

-- Unprotect needs the owner and removes the triggers.
SELECT sql_error($$SET LOCAL ROLE regress_p_agent; SELECT approval_gate_unprotect('notes')$$);
SELECT approval_gate_unprotect('notes');
SELECT approval_gate_unprotect('notes') AS again;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'notes'::regclass;
SET SESSION AUTHORIZATION regress_p_agent;
DELETE FROM notes WHERE id = 1;
RESET SESSION AUTHORIZATION;
SELECT target FROM approval_gate_protected_tables;
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT * FROM approval_gate_verify_events();

DROP TABLE docs, notes;
DROP FUNCTION ask_and_approve(regclass, jsonb);
REVOKE SELECT ON approval_gate_protected_tables FROM regress_p_agent;
DROP ROLE regress_p_agent, regress_p_operator, regress_p_alice;
