-- The five-minute walkthrough: an agent asks, a human approves, the agent consumes.
\set ON_ERROR_STOP 1
\set ECHO queries
\pset footer off
SET client_min_messages = warning;

\echo
\echo '== 0. Install the extension and meet the cast: agent (LOGIN, not an approver), alice and bob (approvers)'
CREATE EXTENSION approval_gate;
CREATE ROLE agent LOGIN;
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
SELECT action, gated, required_approvals, approval_ttl FROM approval_gate_policies ORDER BY action;

\echo
\echo '== 1. Approvers listen; the agent asks to delete workspace A: a pending request is created'
LISTEN approval_gate;
SET ROLE agent;
SET approval_gate.actor = 'agent:cleanup-bot';
SELECT outcome, request_id, left(request_hash, 16) AS hash_prefix
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}', 'user asked to clean up') \gset
\echo outcome=:outcome request_id=:request_id hash=:hash_prefix...

\echo
\echo '== 2. The agent retries (polling): the same pending request comes back, nothing is written'
SELECT outcome, request_id = :'request_id' AS same_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"requested_via": "chat", "reason_code": 7}');

\echo
\echo '== 3. The agent cannot approve its own request, nor write the tables'
\set ON_ERROR_STOP 0
SELECT approval_gate_approve(:'request_id');
UPDATE approval_gate_requests SET status = 'approved';
\set ON_ERROR_STOP 1
RESET ROLE;
RESET approval_gate.actor;

\echo
\echo '== 4. alice sees the pending request and approves it'
SET ROLE alice;
SET approval_gate.actor = 'alice@example.com';
SELECT action, requested_by, reason, approvals, required_approvals FROM approval_gate_pending;
SELECT approval_gate_approve(:'request_id', 'confirmed with the workspace owner');
RESET ROLE;
RESET approval_gate.actor;

\echo
\echo '== 5. The agent calls again, in the transaction that deletes: the approval is consumed'
SET ROLE agent;
SET approval_gate.actor = 'agent:cleanup-bot';
BEGIN;
SELECT outcome, request_id = :'request_id' AS same_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');
-- ... DELETE FROM workspaces WHERE id = 'aaaaaaaa-...' would run here ...
COMMIT;

\echo
\echo '== 6. A replay of the same call does not reuse the approval: a new pending request'
SELECT outcome, request_id <> :'request_id' AS new_request
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');

\echo
\echo '== 7. An approval for workspace A can never delete workspace B'
RESET ROLE;
RESET approval_gate.actor;
SET ROLE bob;
SET approval_gate.actor = 'bob@example.com';
SELECT approval_gate_approve(id) FROM approval_gate_pending;
RESET ROLE;
RESET approval_gate.actor;
SET ROLE agent;
SELECT approval_gate_consume('bbbbbbbb-0000-0000-0000-000000000002', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}', missing_ok => true) AS consumed_for_b;
\set ON_ERROR_STOP 0
SELECT approval_gate_consume('bbbbbbbb-0000-0000-0000-000000000002', 'delete_workspace',
                             '{"reason_code": 7, "requested_via": "chat"}');
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== 8. The audit trail, hash-chained per workspace, and its verification (no rows: intact)'
SELECT seq, event, status, actor, left(prev_hash, 12) AS prev, left(hash, 12) AS hash
  FROM approval_gate_events ORDER BY workspace_id, seq;
SELECT * FROM approval_gate_verify_events();
