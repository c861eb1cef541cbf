-- 03_policies.sql: the policy map (README "Policies"): set_policy upsert, workspace rows overriding
-- the default row, drop_policy, is_gated, validation, the per-backend cache, pending_ttl,
-- approval_ttl, deny_cooldown and approver_role.
BEGIN;
SELECT plan(79);

CREATE ROLE agent LOGIN;
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
CREATE ROLE special_approvers NOLOGIN;
CREATE ROLE carol LOGIN IN ROLE special_approvers;

-- Every role switch also sets the actor (under SET ROLE the session user stays the superuser).
\set as_agent 'SET ROLE agent; SET approval_gate.actor = agent;'
\set as_alice 'SET ROLE alice; SET approval_gate.actor = alice;'
\set as_bob   'SET ROLE bob; SET approval_gate.actor = bob;'
\set as_carol 'SET ROLE carol; SET approval_gate.actor = carol;'
\set as_owner 'RESET ROLE; RESET approval_gate.actor;'

\set w1 '''11111111-0000-0000-0000-000000000001'''
\set w2 '''11111111-0000-0000-0000-000000000002'''

-- =============================================================================================
-- set_policy: insert with the documented defaults, then upsert on (action, workspace_id)
-- =============================================================================================
SELECT is(approval_gate_is_gated(:w1, 'p_new'), false, 'an action with no policy row is not gated');
SELECT approval_gate_set_policy('p_new') \gset junk_
SELECT results_eq(
    $$SELECT gated, required_approvals, approver_role::text COLLATE "default", pending_ttl, approval_ttl, deny_cooldown, allow_self_approval
        FROM approval_gate_policies WHERE action = 'p_new' AND workspace_id IS NULL$$,
    $$VALUES (true, 1, 'approval_gate_approver', NULL::interval, interval '1 day', interval '10 minutes', false)$$,
    'set_policy(action) inserts a default row with the documented defaults');
SELECT is(approval_gate_is_gated(:w1, 'p_new'), true, 'the new default row gates the action in every workspace');
SELECT approval_gate_set_policy('p_new', required_approvals => 3, pending_ttl => '2 hours', approval_ttl => '5 minutes',
                                deny_cooldown => '1 minute', allow_self_approval => true) \gset junk_
SELECT results_eq(
    $$SELECT count(*)::int, min(required_approvals), min(pending_ttl), min(approval_ttl), min(deny_cooldown), bool_and(allow_self_approval)
        FROM approval_gate_policies WHERE action = 'p_new'$$,
    $$VALUES (1, 3, interval '2 hours', interval '5 minutes', interval '1 minute', true)$$,
    'set_policy again upserts: still one row for (p_new, NULL), with the new values');
SELECT approval_gate_set_policy('p_new', required_approvals => 2) \gset junk_
SELECT results_eq(
    $$SELECT count(*)::int, min(required_approvals), min(pending_ttl), min(approval_ttl), bool_and(allow_self_approval)
        FROM approval_gate_policies WHERE action = 'p_new'$$,
    $$VALUES (1, 2, NULL::interval, interval '1 day', false)$$,
    'an upsert replaces the whole row: omitted arguments take their defaults again');
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w1, 'p_new')), 'pending', 'the new policy gates require');
:as_owner
SELECT is((SELECT required_approvals FROM approval_gate_requests WHERE workspace_id = :w1 AND action = 'p_new'), 2,
          'the request copies required_approvals from the policy');

-- =============================================================================================
-- A workspace row overrides the default row
-- =============================================================================================
SELECT approval_gate_set_policy('p_ws') \gset junk_
SELECT approval_gate_set_policy('p_ws', :w1, gated => false) \gset junk_
SELECT is((SELECT count(*)::int FROM approval_gate_policies WHERE action = 'p_ws'), 2,
          'a workspace row sits next to the default row');
SELECT is(approval_gate_is_gated(:w1, 'p_ws'), false, 'workspace row gated=false: not gated in that workspace');
SELECT is(approval_gate_is_gated(:w2, 'p_ws'), true, '... still gated in another workspace (default row)');
:as_agent
SELECT results_eq($$SELECT outcome, request_id FROM approval_gate_require('11111111-0000-0000-0000-000000000001', 'p_ws')$$,
                  $$VALUES ('not_gated', NULL::uuid)$$,
                  'require answers not_gated with a NULL request id in the overridden workspace');
SELECT is((SELECT request_hash FROM approval_gate_require(:w1, 'p_ws')), NULL,
          'not_gated returns no request hash: the gate does not hash what it does not gate');
SELECT is(approval_gate_consume(:w1, 'p_ws'), NULL, 'consume of an ungated action returns NULL (no AG001)');
SELECT is((SELECT outcome FROM approval_gate_require(:w2, 'p_ws')), 'pending', 'require answers pending in the other workspace');
:as_owner
SELECT is((SELECT count(*)::int FROM approval_gate_requests WHERE action = 'p_ws' AND workspace_id = :w1), 0,
          'not_gated wrote no request');
SELECT is((SELECT count(*)::int FROM approval_gate_events WHERE action = 'p_ws' AND workspace_id = :w1), 0,
          'not_gated wrote no event');

SELECT approval_gate_set_policy('p_off', gated => false) \gset junk_
SELECT approval_gate_set_policy('p_off', :w1) \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'p_off'), true, 'a workspace row gated=true gates an action the default row does not');
SELECT is(approval_gate_is_gated(:w2, 'p_off'), false, '... and only in that workspace');

SELECT approval_gate_set_policy('p_quorum') \gset junk_
SELECT approval_gate_set_policy('p_quorum', :w1, required_approvals => 2) \gset junk_
:as_agent
SELECT request_id AS pq1 FROM approval_gate_require(:w1, 'p_quorum') \gset
SELECT request_id AS pq2 FROM approval_gate_require(:w2, 'p_quorum') \gset
:as_owner
SELECT results_eq(format($$SELECT required_approvals FROM approval_gate_requests WHERE id IN (%L, %L)
                            ORDER BY workspace_id$$, :'pq1', :'pq2'),
                  $$VALUES (2), (1)$$,
                  'required_approvals comes from the workspace row in w1 and from the default row in w2');

-- =============================================================================================
-- drop_policy
-- =============================================================================================
SELECT is(approval_gate_drop_policy('p_ws', :w1), true, 'drop_policy of an existing workspace row returns true');
SELECT is(approval_gate_is_gated(:w1, 'p_ws'), true, 'without its workspace row, w1 falls back to the default row (gated)');
SELECT is(approval_gate_drop_policy('p_ws'), true, 'drop_policy of the default row returns true');
SELECT is(approval_gate_is_gated(:w2, 'p_ws'), false, 'with no row left the action is not gated');
SELECT is(approval_gate_drop_policy('p_ws'), false, 'drop_policy of a missing row returns false');
SELECT is(approval_gate_drop_policy('p_off'), true, 'drop_policy without a workspace drops only the default row');
SELECT is(approval_gate_is_gated(:w1, 'p_off'), true, '... the workspace row of p_off is still there and gates w1');
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w2, 'p_ws')), 'not_gated', 'require on a dropped action: not_gated');
:as_owner

-- =============================================================================================
-- Validation
-- =============================================================================================
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', approver_role => 'no_such_role_approval_gate')$$, '42704', NULL,
                 'an approver role that does not exist is refused (42704)');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', required_approvals => 0)$$, '22023', NULL,
                 'required_approvals 0 is refused (22023)');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', required_approvals => 101)$$, '22023', NULL,
                 'required_approvals 101 is refused (22023)');
SELECT lives_ok($$SELECT approval_gate_set_policy('p_hundred', required_approvals => 100)$$,
                'required_approvals 100 is accepted');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', pending_ttl => '0')$$, '22023', NULL,
                 'a zero pending_ttl is refused (22023)');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', approval_ttl => '-1 hour')$$, '22023', NULL,
                 'a negative approval_ttl is refused (22023)');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', deny_cooldown => '-1 minute')$$, '22023', NULL,
                 'a negative deny_cooldown is refused (22023)');
SELECT throws_ok($$SELECT approval_gate_set_policy('')$$, '22023', NULL, 'an empty action is refused (22023)');
SELECT throws_ok(format('SELECT approval_gate_set_policy(%L)', repeat('x', 129)), '22023', NULL,
                 'an action over 128 bytes is refused (22023)');
SELECT throws_ok($$SELECT approval_gate_set_policy(NULL)$$, '22004', NULL, 'a NULL action is refused (22004)');
SELECT throws_ok($$SELECT approval_gate_set_policy('p_bad', gated => NULL)$$, '22004', NULL, 'a NULL gated is refused (22004)');
SELECT is_empty($$SELECT * FROM approval_gate_policies WHERE action IN ('p_bad', '')$$, 'no refused policy was written');

-- =============================================================================================
-- approver_role is honoured
-- =============================================================================================
SELECT approval_gate_set_policy('p_role', approver_role => 'special_approvers') \gset junk_
:as_agent
SELECT request_id AS pr FROM approval_gate_require(:w1, 'p_role') \gset
:as_alice
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'pr'), '42501', NULL,
                 'alice (approval_gate_approver) may not decide an action whose approver_role is special_approvers');
:as_carol
SELECT is(approval_gate_approve(:'pr'), 'approved', 'carol (member of special_approvers) may');
:as_owner

-- =============================================================================================
-- The policy cache: a change is visible at once in the same session
-- =============================================================================================
SELECT is(approval_gate_is_gated(:w1, 'cache_a'), false, 'cache: cache_a starts not gated (and is now cached)');
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w1, 'cache_a')), 'not_gated', 'cache: require agrees');
:as_owner
SELECT approval_gate_set_policy('cache_a') \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'cache_a'), true, 'cache: set_policy is visible at once to is_gated');
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w1, 'cache_a')), 'pending', 'cache: ... and to require');
:as_owner
SELECT approval_gate_set_policy('cache_a', :w1, gated => false) \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'cache_a'), false, 'cache: a new workspace row is visible at once');
SELECT approval_gate_drop_policy('cache_a', :w1) \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'cache_a'), true, 'cache: dropping the workspace row is visible at once');
SELECT approval_gate_drop_policy('cache_a') \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'cache_a'), false, 'cache: dropping the default row is visible at once');
-- An action with no workspace's own row is cached once for every workspace; a workspace's row added
-- later applies to that workspace alone, in require's ungated answer too.
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w1, 'cache_c')), 'not_gated', 'cache: cache_c not gated in w1 (cached for every workspace)');
:as_owner
SELECT approval_gate_set_policy('cache_c', :w2) \gset junk_
:as_agent
SELECT is((SELECT outcome FROM approval_gate_require(:w2, 'cache_c')), 'pending', 'cache: a row of w2''s own gates cache_c in w2 at once');
SELECT is((SELECT outcome FROM approval_gate_require(:w1, 'cache_c')), 'not_gated', 'cache: ... and not in w1');
:as_owner
SELECT approval_gate_set_policy('cache_c', gated => true) \gset junk_
SELECT approval_gate_set_policy('cache_c', :w2, gated => false) \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'cache_c'), true, 'cache: with a default row and w2''s own, w1 follows the default');
SELECT is(approval_gate_is_gated(:w2, 'cache_c'), false, 'cache: ... and w2 its own row');

-- The owner writing the table directly (the trigger must invalidate too).
SELECT approval_gate_set_policy('secret_write') \gset junk_
SELECT is(approval_gate_is_gated(:w1, 'secret_write'), true, 'cache: secret_write has a gated row of its own');
UPDATE approval_gate_policies SET gated = false WHERE action = 'secret_write';
SELECT is(approval_gate_is_gated(:w1, 'secret_write'), false, 'cache: a direct UPDATE by the owner is visible at once');
DELETE FROM approval_gate_policies WHERE action = 'secret_write';
INSERT INTO approval_gate_policies (action) VALUES ('secret_write');
SELECT is(approval_gate_is_gated(:w1, 'secret_write'), true, 'cache: a direct DELETE + INSERT by the owner is visible at once');

-- A change rolled back must not stay in the cache.
SELECT is(approval_gate_is_gated(:w1, 'cache_b'), false, 'cache: cache_b starts not gated');
SAVEPOINT before_cache_b;
SELECT approval_gate_set_policy('cache_b') \gset junk_
SELECT approval_gate_is_gated(:w1, 'cache_b') AS cache_b_inside \gset
ROLLBACK TO SAVEPOINT before_cache_b;
SELECT is(:'cache_b_inside'::boolean, true, 'cache: inside the savepoint cache_b is gated');
SELECT is(approval_gate_is_gated(:w1, 'cache_b'), false, 'cache: after ROLLBACK TO SAVEPOINT cache_b is not gated any more');
-- A built-in default is not a row to drop: dropping answers false, and the action stays gated;
-- only a row of its own (gated => false) ungates it.
SELECT is(approval_gate_drop_policy('delete_workspace'), false,
          'drop_policy of an action gated only by its built-in default drops nothing');
SELECT is(approval_gate_is_gated(:w1, 'delete_workspace'), true, '... and delete_workspace stays gated');
SAVEPOINT before_drop;
SELECT approval_gate_set_policy('delete_workspace', gated => false) \gset junk_
SELECT approval_gate_is_gated(:w1, 'delete_workspace') AS dw_inside \gset
ROLLBACK TO SAVEPOINT before_drop;
SELECT is(:'dw_inside'::boolean, false, 'cache: inside the savepoint delete_workspace is ungated by a row of its own');
SELECT is(approval_gate_is_gated(:w1, 'delete_workspace'), true,
          'cache: after ROLLBACK TO SAVEPOINT delete_workspace is gated again');

-- =============================================================================================
-- pending_ttl: a pending request past expires_at is never reused
-- =============================================================================================
SELECT approval_gate_set_policy('p_ttl', pending_ttl => '1 hour') \gset junk_
:as_agent
SELECT request_id AS t1 FROM approval_gate_require(:w1, 'p_ttl') \gset
:as_owner
SELECT ok((SELECT expires_at - created_at BETWEEN interval '1 hour' AND interval '1 hour 1 second'
             FROM approval_gate_requests WHERE id = :'t1'),
          'pending_ttl: expires_at = created_at + pending_ttl');
UPDATE approval_gate_requests SET expires_at = now() - interval '1 second' WHERE id = :'t1';
SELECT is((SELECT count(*)::int FROM approval_gate_pending WHERE id = :'t1'), 0,
          'pending_ttl: an expired pending request is not listed in approval_gate_pending');
:as_alice
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'t1'), '55000', NULL,
                 'pending_ttl: approving a pending request past expires_at is refused (55000)');
:as_agent
SELECT request_id AS t2, outcome AS t2_outcome FROM approval_gate_require(:w1, 'p_ttl') \gset
:as_owner
SELECT ok(:'t2_outcome' = 'pending' AND :'t2'::uuid <> :'t1'::uuid,
          'pending_ttl: require past the deadline creates a new pending request');
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'t1'), 'expired',
          'pending_ttl: the old pending request is marked expired');
SELECT approval_gate_set_policy('p_ttl2', pending_ttl => '1 hour') \gset junk_
:as_agent
SELECT request_id AS t3 FROM approval_gate_require(:w2, 'p_ttl2') \gset
:as_owner
UPDATE approval_gate_requests SET expires_at = now() - interval '1 second' WHERE id = :'t3';
SELECT cmp_ok(approval_gate_expire(), '>=', 1::bigint, 'approval_gate_expire() counts the overdue pending request');
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'t3'), 'expired', 'approval_gate_expire() marks it expired');

-- approval_ttl: an approval past approved_until is never consumed
SELECT approval_gate_set_policy('p_attl', approval_ttl => '2 hours') \gset junk_
:as_agent
SELECT request_id AS a1 FROM approval_gate_require(:w1, 'p_attl') \gset
:as_alice
SELECT approval_gate_approve(:'a1') \gset junk_
:as_owner
SELECT is((SELECT approved_until - decided_at FROM approval_gate_requests WHERE id = :'a1'), interval '2 hours',
          'approval_ttl: approved_until = decided_at + approval_ttl');
UPDATE approval_gate_requests SET approved_until = now() - interval '1 second' WHERE id = :'a1';
:as_agent
SELECT is(approval_gate_consume(:w1, 'p_attl', missing_ok => true), NULL, 'approval_ttl: an overdue approval is not consumed');
SELECT request_id AS a2, outcome AS a2_outcome FROM approval_gate_require(:w1, 'p_attl') \gset
:as_owner
SELECT ok(:'a2_outcome' = 'pending' AND :'a2'::uuid <> :'a1'::uuid, 'approval_ttl: require gets a new pending request instead');
SELECT isnt((SELECT status FROM approval_gate_requests WHERE id = :'a1'), 'consumed', 'approval_ttl: the overdue approval was not consumed');

-- =============================================================================================
-- deny_cooldown
-- =============================================================================================
SELECT approval_gate_set_policy('p_cool', deny_cooldown => '10 minutes') \gset junk_
:as_agent
SELECT request_id AS d1 FROM approval_gate_require(:w1, 'p_cool') \gset
:as_bob
SELECT is(approval_gate_deny(:'d1', 'no'), 'denied', 'deny_cooldown: bob denies');
:as_agent
SELECT results_eq(format($$SELECT outcome, request_id::text FROM approval_gate_require(%L, 'p_cool')$$, :w1::uuid),
                  format($$VALUES ('denied', %L)$$, :'d1'),
                  'deny_cooldown: within the cooldown require answers denied with the denied id');
:as_owner
SELECT is((SELECT count(*)::int FROM approval_gate_requests WHERE action = 'p_cool'), 1,
          'deny_cooldown: the denied answer wrote no request');
UPDATE approval_gate_requests SET decided_at = now() - interval '11 minutes' WHERE id = :'d1';
:as_agent
SELECT request_id AS d2, outcome AS d2_outcome FROM approval_gate_require(:w1, 'p_cool') \gset
:as_owner
SELECT ok(:'d2_outcome' = 'pending' AND :'d2'::uuid <> :'d1'::uuid,
          'deny_cooldown: after the cooldown require creates a new pending request');

SELECT approval_gate_set_policy('p_nocool', deny_cooldown => '0') \gset junk_
:as_agent
SELECT request_id AS n1 FROM approval_gate_require(:w1, 'p_nocool') \gset
:as_bob
SELECT approval_gate_deny(:'n1') \gset junk_
:as_agent
SELECT request_id AS n2, outcome AS n2_outcome FROM approval_gate_require(:w1, 'p_nocool') \gset
:as_owner
SELECT ok(:'n2_outcome' = 'pending' AND :'n2'::uuid <> :'n1'::uuid,
          'deny_cooldown 0: a denial does not block the next request');

SELECT * FROM finish();
ROLLBACK;
