-- 04_cycle.sql: the full cycle of issue 2 (pending, dedup, approve, consume, single use, context
-- isolation), consume's AG001, escalation to the parent workspace, set_parent cycles, and the
-- append-only hash-chained audit log.
BEGIN;
SELECT plan(80);

CREATE ROLE agent LOGIN;
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
CREATE ROLE parent_approvers NOLOGIN;
CREATE ROLE carol LOGIN IN ROLE parent_approvers;   -- approves for the parent workspace only
CREATE ROLE dave LOGIN;                             -- approves nothing

-- Each person is a login of their own: the session user changes, as when they connect.
\set as_agent 'SET SESSION AUTHORIZATION agent;'
\set as_alice 'SET SESSION AUTHORIZATION alice;'
\set as_bob   'SET SESSION AUTHORIZATION bob;'
\set as_carol 'SET SESSION AUTHORIZATION carol;'
\set as_dave  'SET SESSION AUTHORIZATION dave;'
\set as_owner 'RESET SESSION AUTHORIZATION;'

-- Every event made so far, sealed into a chain or still queued for sealing, in the order made.
CREATE TEMP VIEW cycle_events AS
SELECT request_id, event, status, actor, actor_role, principal, to_workspace_id, 0 AS queued, seq, NULL::bigint AS id
  FROM approval_gate_events
UNION ALL
SELECT request_id, event, status, actor, actor_role, principal, to_workspace_id, 1, NULL, id
  FROM approval_gate_event_queue;

\set wa '''aaaaaaaa-1111-1111-1111-000000000001'''
\set wb '''bbbbbbbb-1111-1111-1111-000000000002'''
\set ctx '''{"reason_code": 7}'''

-- =============================================================================================
-- 1. pending
-- =============================================================================================
:as_agent
SELECT outcome AS r1_outcome, request_id AS r1, request_hash AS r1_hash
  FROM approval_gate_require(:wa, 'delete_workspace', :ctx, 'cleanup') \gset
:as_owner
SELECT is(:'r1_outcome'::text, 'pending', 'first require: pending');
SELECT is(:'r1_hash'::text, approval_gate_request_hash(:wa, 'delete_workspace', :ctx),
          'first require returns the request hash of (workspace, action, context)');
SELECT is(:'r1_hash'::text,
          encode(sha256(convert_to('{"action":"delete_workspace","context":{"reason_code":7},'
                                   '"workspace_id":"aaaaaaaa-1111-1111-1111-000000000001"}', 'UTF8')), 'hex'),
          'the request hash is SHA-256 of the RFC 8785 object {action, context, workspace_id} (README definition)');
SELECT results_eq(
    format($$SELECT workspace_id, action, context, request_hash COLLATE "default", reason, requested_by, requested_role::text COLLATE "default", status::text
               FROM approval_gate_requests WHERE id = %L$$, :'r1'),
    format($$VALUES (%L::uuid, 'delete_workspace', %L::jsonb, %L, 'cleanup', 'agent', 'agent', 'pending')$$,
           :wa::uuid, :ctx::jsonb, :'r1_hash'),
    'the pending row records workspace, action, context, hash, reason, actor, role and status');
SELECT results_eq(format($$SELECT event::text, status FROM cycle_events WHERE request_id = %L$$, :'r1'),
                  $$VALUES ('requested', 'pending')$$, 'one requested event was logged');
:as_alice
SELECT is((SELECT count(*)::int FROM approval_gate_pending WHERE id = :'r1' AND approvals = 0), 1,
          'approvers see it in approval_gate_pending with 0 approvals');
:as_owner

-- =============================================================================================
-- 2. dedup: a retry returns the same id and writes nothing
-- =============================================================================================
SELECT count(*) AS events_before FROM cycle_events \gset
:as_agent
SELECT results_eq(format($$SELECT outcome, request_id::text FROM approval_gate_require(%L, 'delete_workspace', %L)$$,
                         :wa::uuid, :ctx::jsonb),
                  format($$VALUES ('pending', %L)$$, :'r1'), 'a retry returns the same pending id');
SELECT results_eq(format($$SELECT outcome, request_id::text FROM approval_gate_require(%L, 'delete_workspace', %L, 'another reason')$$,
                         :wa::uuid, :ctx::jsonb),
                  format($$VALUES ('pending', %L)$$, :'r1'), 'a retry with another reason returns the same pending id');
:as_owner
SELECT is((SELECT count(*)::int FROM approval_gate_requests WHERE workspace_id = :wa), 1, 'the retries created no row');
SELECT is((SELECT count(*) FROM cycle_events), :'events_before'::bigint, 'the retries logged no event');
SELECT is((SELECT reason FROM approval_gate_requests WHERE id = :'r1'), 'cleanup', 'the retries did not rewrite the row');

-- =============================================================================================
-- 3. approve
-- =============================================================================================
:as_alice
SELECT is(approval_gate_approve(:'r1', 'ok by alice'), 'approved', 'alice approves: approved');
:as_owner
SELECT results_eq(
    format($$SELECT status::text, decided_by, decision_note, decided_at IS NOT NULL, approved_until > decided_at, consumed_at IS NULL
               FROM approval_gate_requests WHERE id = %L$$, :'r1'),
    $$VALUES ('approved', 'alice', 'ok by alice', true, true, true)$$,
    'the approved row has decided_by, decision_note, decided_at, approved_until and no consumed_at');
SELECT results_eq(format($$SELECT voter_role::text COLLATE "default", principal, decision::text FROM approval_gate_votes WHERE request_id = %L$$, :'r1'),
                  $$VALUES ('alice', 'alice', 'approve')$$, 'alice''s vote is recorded');
:as_bob
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'r1'), '55000', NULL, 'approving an approved request: 55000');
SELECT throws_ok(format('SELECT approval_gate_deny(%L)', :'r1'), '55000', NULL, 'denying an approved request: 55000');
SELECT throws_ok($$SELECT approval_gate_approve('00000000-0000-0000-0000-0000000000ff')$$, 'P0002', NULL,
                 'approving an unknown request id: P0002');

-- =============================================================================================
-- 4. context isolation: the approval is bound to (workspace, action, context, sealed)
-- =============================================================================================
:as_agent
SELECT is(approval_gate_consume(:wb, 'delete_workspace', :ctx, missing_ok => true), NULL,
          'isolation: workspace B does not consume workspace A''s approval');
SELECT is(approval_gate_consume(:wa, 'deprovision_workspace', :ctx, missing_ok => true), NULL,
          'isolation: another action does not consume it');
SELECT is(approval_gate_consume(:wa, 'delete_workspace', '{"reason_code": 8}', missing_ok => true), NULL,
          'isolation: another context does not consume it');
SELECT is(approval_gate_consume(:wa, 'delete_workspace', '{"reason_code": 7, "force": true}', missing_ok => true), NULL,
          'isolation: a context with an extra member does not consume it');
SELECT is(approval_gate_consume(:wa, 'delete_workspace', '{}', missing_ok => true), NULL,
          'isolation: the empty context does not consume it');
SELECT is(approval_gate_consume(:wa, 'delete_workspace', '{"reason_code": "7"}', missing_ok => true), NULL,
          'isolation: the string "7" is not the number 7');
SELECT is(approval_gate_consume(:wa, 'delete_workspace', :ctx, '\x01'::bytea, missing_ok => true), NULL,
          'isolation: the same call with sealed bytes does not consume it');
SELECT results_eq(format($$SELECT outcome FROM approval_gate_require(%L, 'delete_workspace', %L)$$, :wb::uuid, :ctx::jsonb),
                  $$VALUES ('pending')$$, 'isolation: require for workspace B gets its own pending request');
SELECT results_eq(format($$SELECT outcome FROM approval_gate_require(%L, 'deprovision_workspace', %L)$$, :wa::uuid, :ctx::jsonb),
                  $$VALUES ('pending')$$, 'isolation: require for another action gets its own pending request');
:as_owner
SELECT results_eq(format($$SELECT status::text, consumed_at IS NULL FROM approval_gate_requests WHERE id = %L$$, :'r1'),
                  $$VALUES ('approved', true)$$, 'isolation: after all those calls the approval is still approved, unconsumed');

-- sealed bytes
:as_agent
SELECT request_id AS rs, request_hash AS rs_hash
  FROM approval_gate_require(:wa, 'secret_write', '{"name": "db_password"}', sealed => 'value-1'::bytea) \gset
:as_alice
SELECT approval_gate_approve(:'rs') \gset junk_
:as_agent
SELECT isnt(:'rs_hash'::text, approval_gate_request_hash(:wa, 'secret_write', '{"name": "db_password"}'),
            'sealed: the sealed bytes change the request hash');
SELECT is(:'rs_hash'::text,
          encode(sha256(convert_to('{"action":"secret_write","context":{"name":"db_password"},"sealed":"'
                                   || encode(sha256('value-1'::bytea), 'hex')
                                   || '","workspace_id":"aaaaaaaa-1111-1111-1111-000000000001"}', 'UTF8')), 'hex'),
          'sealed: the hash binds "sealed": hex SHA-256 of the bytes, as the README defines');
SELECT is(approval_gate_consume(:wa, 'secret_write', '{"name": "db_password"}', 'value-2'::bytea, missing_ok => true), NULL,
          'sealed: an approval for one secret value is not consumed by a write of another value');
SELECT is(approval_gate_consume(:wa, 'secret_write', '{"name": "db_password"}', missing_ok => true), NULL,
          'sealed: ... nor by the same call without sealed bytes');
:as_owner
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'rs'), 'approved', 'sealed: still approved after the mismatches');
SELECT is_empty(format($$SELECT 1 FROM approval_gate_requests WHERE id = %L
                          AND (context::text LIKE '%%value-1%%' OR coalesce(reason, '') LIKE '%%value-1%%')$$, :'rs'),
                'sealed: the sealed bytes are not stored');
:as_agent
SELECT is(approval_gate_consume(:wa, 'secret_write', '{"name": "db_password"}', 'value-1'::bytea), :'rs'::uuid,
          'sealed: the write of the approved value consumes it');
:as_owner

-- =============================================================================================
-- 5. consume, rolled back or committed, and single use
-- =============================================================================================
SAVEPOINT before_consume;
:as_agent
SELECT outcome AS rb_outcome FROM approval_gate_require(:wa, 'delete_workspace', :ctx) \gset
:as_owner
ROLLBACK TO SAVEPOINT before_consume;
SELECT is(:'rb_outcome'::text, 'approved', 'a consumption inside a savepoint answered approved');
SELECT results_eq(format($$SELECT status::text, consumed_at IS NULL FROM approval_gate_requests WHERE id = %L$$, :'r1'),
                  $$VALUES ('approved', true)$$, 'rolled back: the approval is not burned');

SELECT count(*) AS events_before FROM cycle_events \gset
:as_agent
SELECT outcome AS c_outcome, request_id AS c_id, request_hash AS c_hash
  FROM approval_gate_require(:wa, 'delete_workspace', :ctx) \gset
:as_owner
SELECT is(:'c_outcome' || ' ' || :'c_id', 'approved ' || :'r1'::text, 'require consumes the approval: approved with the same id');
SELECT is(:'c_hash'::text, :'r1_hash', 'the approved outcome carries the same request hash');
SELECT results_eq(format($$SELECT status::text, consumed_at IS NOT NULL FROM approval_gate_requests WHERE id = %L$$, :'r1'),
                  $$VALUES ('consumed', true)$$, 'the request is consumed, consumed_at set');
SELECT results_eq(format($$SELECT event::text FROM cycle_events WHERE request_id = %L
                            ORDER BY queued DESC, seq DESC, id DESC LIMIT 1$$, :'r1'),
                  $$VALUES ('consumed')$$, 'a consumed event was logged');

:as_agent
SELECT outcome AS re_outcome, request_id AS re_id FROM approval_gate_require(:wa, 'delete_workspace', :ctx) \gset
:as_owner
SELECT ok(:'re_outcome'::text = 'pending' AND :'re_id'::uuid <> :'r1'::uuid,
          'single use: a replay gets a NEW pending request id');
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'r1'), 'consumed', 'single use: the old request stays consumed');
:as_agent
SELECT is(approval_gate_consume(:wa, 'delete_workspace', :ctx, missing_ok => true), NULL,
          'single use: consume finds nothing (missing_ok => NULL)');
SELECT throws_ok(format($$SELECT approval_gate_consume(%L, 'delete_workspace', %L)$$, :wa::uuid, :ctx::jsonb), 'AG001', NULL,
                 'consume with nothing to consume raises AG001');
SELECT throws_like(format($$SELECT approval_gate_consume(%L, 'delete_workspace', %L)$$, :wa::uuid, :ctx::jsonb),
                   '%approval required%delete_workspace%' || :wa || '%',
                   'the AG001 message names the action and the workspace');
SELECT throws_ok($$SELECT approval_gate_consume('cccccccc-0000-0000-0000-000000000000', 'org_token_mint')$$, 'AG001', NULL,
                 'consume on a key that never had a request raises AG001');
:as_alice
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'r1'), '55000', NULL, 'approving a consumed request: 55000');
:as_agent
SELECT throws_ok(format('SELECT approval_gate_withdraw(%L)', :'r1'), '55000', NULL,
                 'the requester withdrawing a consumed request: 55000');
SELECT throws_ok($$SELECT approval_gate_withdraw('00000000-0000-0000-0000-0000000000ff')$$, 'P0002', NULL,
                 'withdrawing an unknown request id: P0002');
:as_bob
SELECT is(approval_gate_deny(:'re_id', 'not now'), 'denied', 'bob denies the replayed request: denied');
:as_owner
SELECT results_eq(format($$SELECT event::text, status, actor FROM cycle_events WHERE request_id = %L
                            ORDER BY queued DESC, seq DESC, id DESC LIMIT 1$$, :'re_id'),
                  $$VALUES ('denied', 'denied', 'bob')$$,
                  'the denial logged a denied event by bob');

-- =============================================================================================
-- 6. escalation to the parent workspace
-- =============================================================================================
\set wchild  '''c0000000-0000-0000-0000-00000000000c'''
\set wparent '''d0000000-0000-0000-0000-00000000000d'''
\set wother  '''e0000000-0000-0000-0000-00000000000e'''
SELECT approval_gate_set_policy('delete_workspace', :wparent, approver_role => 'parent_approvers') \gset junk_
SELECT approval_gate_set_parent(:wchild, :wparent) \gset junk_
SELECT results_eq($$SELECT workspace_id::text, parent_id::text FROM approval_gate_workspaces$$,
                  format('VALUES (%L, %L)', :wchild, :wparent), 'set_parent records the link');
:as_agent
SELECT request_id AS e1 FROM approval_gate_require(:wchild, 'delete_workspace') \gset
SELECT request_id AS e_other FROM approval_gate_require(:wother, 'delete_workspace') \gset
:as_owner
SELECT is((SELECT escalated_to FROM approval_gate_requests WHERE id = :'e1'), :wparent::uuid,
          'escalation: the child''s new request has escalated_to = parent');
SELECT is((SELECT escalated_to FROM approval_gate_requests WHERE id = :'e_other'), NULL,
          'escalation: a request in a workspace without parent is not escalated');
SELECT results_eq(format($$SELECT to_workspace_id::text FROM cycle_events WHERE request_id = %L AND event = 'escalated'$$, :'e1'),
                  format('VALUES (%L)', :wparent), 'escalation: an escalated event names the parent');
SELECT is((SELECT escalated_to FROM approval_gate_pending WHERE id = :'e1'), :wparent::uuid,
          'escalation: approval_gate_pending shows escalated_to');
:as_carol
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'e_other'), '42501', NULL,
                 'escalation: carol (parent''s approver role only) may not decide an unrelated workspace''s request');
:as_dave
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'e1'), '42501', NULL,
                 'escalation: dave (no approver role) may not decide the escalated request');
:as_carol
SELECT is(approval_gate_approve(:'e1'), 'approved', 'escalation: carol (the parent policy''s approver role) may approve it');
:as_agent
SELECT is(approval_gate_consume(:wchild, 'delete_workspace'), :'e1'::uuid, 'escalation: the approval is consumed in the child');
:as_owner
SELECT approval_gate_set_parent(:wchild, NULL) \gset junk_
SELECT is_empty($$SELECT 1 FROM approval_gate_workspaces$$, 'set_parent(child, NULL) removes the link');
:as_agent
SELECT request_id AS e2 FROM approval_gate_require(:wchild, 'delete_workspace') \gset
:as_owner
SELECT is((SELECT escalated_to FROM approval_gate_requests WHERE id = :'e2'), NULL,
          'escalation: after the link is removed a new request is not escalated');

-- set_parent refuses cycles
SELECT approval_gate_set_parent(:wchild, :wparent) \gset junk_
SELECT throws_ok(format('SELECT approval_gate_set_parent(%L, %L)', :wparent, :wchild), '22023', NULL,
                 'set_parent: a direct cycle (parent -> child -> parent) is refused (22023)');
SELECT approval_gate_set_parent(:wparent, :wother) \gset junk_
SELECT throws_ok(format('SELECT approval_gate_set_parent(%L, %L)', :wother, :wchild), '22023', NULL,
                 'set_parent: a three-link cycle is refused (22023)');
SELECT throws_ok(format('SELECT approval_gate_set_parent(%L, %L)', :wchild, :wchild), '22023', NULL,
                 'set_parent: a workspace cannot be its own parent (22023)');
SELECT results_eq($$SELECT workspace_id::text, parent_id::text FROM approval_gate_workspaces ORDER BY 1$$,
                  format('VALUES (%L, %L), (%L, %L)', :wchild, :wparent, :wparent, :wother),
                  'set_parent: the refused links were not written');

-- =============================================================================================
-- 7. the audit log: complete, chained, append-only
-- =============================================================================================
SELECT approval_gate_seal_events() AS sealed \gset
SELECT is((SELECT count(*) FROM approval_gate_event_queue), 0::bigint, 'sealing took every queued event off the queue');
SELECT results_eq(format($$SELECT event::text FROM approval_gate_events WHERE request_id = %L ORDER BY seq$$, :'r1'),
                  $$VALUES ('requested'), ('vote'), ('approved'), ('consumed')$$,
                  'events: the cycle logged requested, vote, approved, consumed in order (the rolled-back consumption left nothing)');
SELECT results_eq(format($$SELECT actor, actor_role::text COLLATE "default" FROM approval_gate_events
                            WHERE request_id = %L AND event IN ('requested', 'approved', 'consumed') ORDER BY seq$$, :'r1'),
                  $$VALUES ('agent', 'agent'), ('alice', 'alice'), ('agent', 'agent')$$,
                  'events: each event records the acting login and role');
SELECT results_eq(format($$SELECT principal FROM approval_gate_events
                            WHERE request_id = %L AND event IN ('requested', 'approved', 'consumed') ORDER BY seq$$, :'r1'),
                  $$VALUES ('agent'), ('alice'), ('agent')$$,
                  'events: each event records the principal it counted as');
SELECT is_empty($$SELECT e.workspace_id, e.seq FROM approval_gate_events e
                   LEFT JOIN approval_gate_events p ON p.workspace_id = e.workspace_id AND p.seq = e.seq - 1
                  WHERE e.seq > 1 AND e.prev_hash IS DISTINCT FROM p.hash$$,
                'events: every event''s prev_hash is the hash of the previous event of its workspace');
SELECT is_empty($$SELECT workspace_id FROM approval_gate_events GROUP BY workspace_id
                  HAVING count(*) <> max(seq) OR min(seq) <> 1$$,
                'events: each workspace chain is numbered 1..n without gaps');
SELECT is_empty($$SELECT * FROM approval_gate_verify_events()$$, 'approval_gate_verify_events() finds no broken link');
SELECT is_empty(format('SELECT * FROM approval_gate_verify_events(%L)', :wa), 'approval_gate_verify_events(workspace A) finds none');

SELECT throws_ok($$UPDATE approval_gate_events SET actor = 'mallory'$$, '42501', NULL,
                 'events: UPDATE is refused even to the superuser owner');
SELECT throws_ok($$DELETE FROM approval_gate_events$$, '42501', NULL, 'events: DELETE is refused even to the superuser owner');
SELECT throws_ok($$TRUNCATE approval_gate_events$$, '42501', NULL, 'events: TRUNCATE is refused even to the superuser owner');
SELECT is((SELECT count(*) FROM approval_gate_events WHERE actor = 'mallory'), 0::bigint, 'events: nothing was rewritten');

-- verify_events does detect a rewritten event (bypassing the triggers as superuser): the check above is not vacuous
SELECT workspace_id AS tamper_ws, seq AS tamper_seq FROM approval_gate_events
 WHERE request_id = :'r1' AND event = 'approved' \gset
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE approval_gate_events SET actor = 'mallory' WHERE workspace_id = :'tamper_ws' AND seq = :'tamper_seq';
SET LOCAL session_replication_role = origin;
SELECT workspace_id AS broken_ws, seq AS broken_seq FROM approval_gate_verify_events() \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'broken_ws' || '/' || :'broken_seq', :'tamper_ws' || '/' || :'tamper_seq',
          'verify_events reports the first broken link at the rewritten event');
SELECT is_empty($$SELECT * FROM approval_gate_verify_events()$$, 'after rolling the tampering back the chain verifies again');

SELECT * FROM finish();
ROLLBACK;
