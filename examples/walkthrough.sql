-- The five-minute walkthrough: an agent asks, a human approves, the agent consumes.
-- ./examples/walkthrough.sh runs it with psql -f, as a superuser, on a throwaway cluster that has
-- approval_gate in shared_preload_libraries.
\set ON_ERROR_STOP 1
\set ECHO queries
\pset footer off
SET client_min_messages = warning;

\echo
\echo '== 0. Install the extension in this database and meet the cast'
CREATE EXTENSION approval_gate;
-- agent: an AI agent's own login. It is not an approver.
CREATE ROLE agent LOGIN;
-- alice and bob: humans, members of the default approver role.
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
-- pool: one login shared by many people (an API server, a connection pool). As a member of
-- approval_gate_proxy it names, per transaction, the person or bot it acts for.
CREATE ROLE pool LOGIN IN ROLE approval_gate_proxy, approval_gate_approver;
-- Four actions are gated out of the box; approval_gate_set_policy() gates more.
SELECT action, required_approvals, approver_role, approval_ttl FROM approval_gate_builtin_policies ORDER BY action;

\echo
\echo 'Each switch of identity below is SET SESSION AUTHORIZATION: it changes the session''s login'
\echo '(session_user), which is who a call counts as, as connecting as that login would. SET ROLE'
\echo 'would not change it. Approvers listen on the channel approval_gate: a notification is an empty'
\echo 'wake-up, sent after commit by the sealer worker, so psql prints it wherever it arrives below.'
LISTEN approval_gate;

\echo
\echo '== 1. The agent asks to delete workspace A: a pending request is created'
SET SESSION AUTHORIZATION agent;
SELECT approval_gate_principal() AS principal;
SELECT outcome, request_id, left(request_hash, 16) AS hash_prefix
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}', 'the user asked to clean up') \gset
\echo outcome=:outcome request_id=:request_id hash=:hash_prefix...

\echo
\echo '== 2. The agent polls: the same pending request comes back, nothing is written'
-- Key order and spacing do not matter: the hash is over the canonical JSON of the context.
SELECT outcome, request_id = :'request_id' AS same_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"requested_via": "chat", "reason_code": 7}');
-- The agent reads its own requests through the view; the tables are not readable.
SELECT action, status, requested_by FROM approval_gate_visible_requests;

\echo
\echo '== 3. The agent cannot approve, cannot write the tables, cannot pose as someone else'
\set ON_ERROR_STOP 0
SELECT approval_gate_approve(:'request_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE approval_gate_requests SET status = 'approved';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
-- approval_gate.actor is read only for members of approval_gate_proxy: the agent stays the agent.
SET approval_gate.actor = 'alice';
SELECT approval_gate_principal() AS principal_with_actor_set;
RESET approval_gate.actor;

\echo
\echo '== 4. alice sees the pending request and approves it'
SET SESSION AUTHORIZATION alice;
SELECT action, workspace_id, requested_by, reason, approvals, required_approvals FROM approval_gate_pending;
SELECT approval_gate_approve(:'request_id', 'confirmed with the workspace owner');

\echo
\echo '== 5. The agent calls again, in the transaction that deletes: the approval is consumed'
SET SESSION AUTHORIZATION agent;
BEGIN;
SELECT outcome, request_id = :'request_id' AS same_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');
-- ... DELETE FROM workspaces WHERE id = 'aaaaaaaa-...' runs here. Had it failed, the rollback
-- would have left the approval unused.
COMMIT;

\echo
\echo '== 6. A replay of the same call does not reuse the approval: a new pending request'
SELECT outcome, request_id <> :'request_id' AS new_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');

\echo
\echo '== 7. An approval for workspace A never deletes workspace B'
SET SESSION AUTHORIZATION bob;
SELECT approval_gate_approve(id) AS bob_approves FROM approval_gate_pending;
SET SESSION AUTHORIZATION agent;
-- The strict form: consume or raise AG001. Clients check the SQLSTATE, never the message.
\set ON_ERROR_STOP 0
SELECT approval_gate_consume('bbbbbbbb-0000-0000-0000-000000000002', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
SELECT approval_gate_consume('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}') IS NOT NULL AS consumed_for_a;

\echo
\echo '== 8. A shared login acts for the person it names, set per transaction with set_config(..., true)'
SET SESSION AUTHORIZATION pool;
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:report-bot', true);
SELECT outcome, request_id AS bot_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'secret_write',
                             '{"secret": "smtp_password"}', sealed => 'n3w-p4ssw0rd'::bytea) \gset
\echo outcome=:outcome
-- The bot is an approver through the same login, but a principal never approves its own request.
\set ON_ERROR_STOP 0
SELECT approval_gate_approve(:'bot_request');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
ROLLBACK;
\echo 'The rollback took the request back with it: a rolled-back call leaves nothing and notifies nobody.'
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:report-bot', true);
SELECT outcome, request_id AS bot_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'secret_write',
                             '{"secret": "smtp_password"}', sealed => 'n3w-p4ssw0rd'::bytea) \gset
COMMIT;
-- The setting was local to that transaction: the next one counts as the login again.
SELECT approval_gate_principal() AS principal_after_commit;
BEGIN;
SELECT set_config('approval_gate.actor', 'user:carol', true);
SELECT approval_gate_approve(:'bot_request') AS carol_approves;
COMMIT;
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:report-bot', true);
-- The sealed bytes (the secret's new value) are bound into the hash but never stored.
SELECT approval_gate_consume('aaaaaaaa-0000-0000-0000-000000000001', 'secret_write', '{"secret": "smtp_password"}',
                             sealed => 'n3w-p4ssw0rd'::bytea) = :'bot_request' AS bot_consumes;
-- ... the secret is written here, in the same transaction ...
COMMIT;

\echo
\echo '== 9. A protected table: the gate on the data itself, for the roles it names'
RESET SESSION AUTHORIZATION;
CREATE TABLE documents (id int PRIMARY KEY, workspace_id uuid NOT NULL, body text);
INSERT INTO documents SELECT g, 'aaaaaaaa-0000-0000-0000-000000000001', 'doc ' || g FROM generate_series(40, 44) g;
GRANT SELECT, DELETE ON documents TO agent;
SELECT approval_gate_set_policy('delete_document');
SELECT approval_gate_protect('documents', 'delete_document', 'workspace_id', gated_roles => '{agent}');
SET SESSION AUTHORIZATION agent;
\set ON_ERROR_STOP 0
DELETE FROM documents WHERE id = 42;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1
-- The agent asks for exactly that row; approval_gate_row_context() builds the context the trigger checks.
SELECT outcome, request_id AS doc_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_document',
                             approval_gate_row_context('documents', '{"id": 42}')) \gset
\echo outcome=:outcome
SET SESSION AUTHORIZATION alice;
SELECT approval_gate_approve(:'doc_request');
SET SESSION AUTHORIZATION agent;
DELETE FROM documents WHERE id = 42;
-- A role outside gated_roles (here the table's owner) is not gated: the trigger's WHEN clause skips it.
RESET SESSION AUTHORIZATION;
DELETE FROM documents WHERE id = 43;
SELECT id FROM documents ORDER BY id;

\echo
\echo '== 10. The audit trail: hash-chained per workspace, verified, and anchored outside the database'
-- The sealer worker seals events after their transactions commit; this seals whatever is still
-- queued (without the preload, run it from cron).
SELECT approval_gate_seal_events() >= 0 AS sealed;
SELECT seq, event, principal, actor, left(prev_hash, 12) AS prev, left(hash, 12) AS hash
  FROM approval_gate_events WHERE workspace_id = 'aaaaaaaa-0000-0000-0000-000000000001' ORDER BY seq;
-- No rows: every chain is intact.
SELECT * FROM approval_gate_verify_events();
-- Keep a digest outside the database (a file, another system): checking against it later also
-- catches events cut from the end of a chain together with its head.
CREATE TEMP TABLE anchor AS SELECT approval_gate_digest() AS digest;
SELECT digest FROM anchor;
SELECT * FROM approval_gate_verify_events((SELECT digest FROM anchor));
