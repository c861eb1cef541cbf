-- approval_gate_approve, _deny, _withdraw, _expire, approval_gate_set_parent and escalation.
-- Workspaces: 03000000-...-0001 (quorum of 2 for delete_workspace, pending_ttl for deprovision),
-- -000a (parent), -000b (child of -000a), -000c. Output shows statuses and comparisons, never ids.
SET client_min_messages = warning;

CREATE ROLE regress_agent;
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE ROLE regress_carol;                 -- not an approver
CREATE ROLE regress_dave;
CREATE ROLE regress_erin;
CREATE ROLE regress_child_approvers;
CREATE ROLE regress_parent_approvers;
GRANT approval_gate_approver TO regress_alice, regress_bob, regress_dave;
GRANT regress_child_approvers TO regress_dave;
GRANT regress_parent_approvers TO regress_erin;

SELECT approval_gate_set_policy('delete_workspace', '03000000-0000-0000-0000-000000000001', required_approvals => 2);
SELECT approval_gate_set_policy('deprovision_workspace', '03000000-0000-0000-0000-000000000001', pending_ttl => '1 hour');

-- ---------------------------------------------------------------------------------------------
-- 1. Quorum of 2: pending after one approval, approved after the second distinct role
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS q_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'delete_workspace', '{"q": 1}') \gset
RESET SESSION AUTHORIZATION;
SELECT status, required_approvals FROM approval_gate_requests WHERE id = :'q_id';
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'q_id', 'first') AS alice_approves;
RESET SESSION AUTHORIZATION;
SELECT status, decided_at IS NULL AS undecided FROM approval_gate_requests WHERE id = :'q_id';
SELECT required_approvals, approvals, voters, escalated_to, requested_by FROM approval_gate_pending WHERE id = :'q_id';
-- Voting twice is refused: one vote per principal. alice is a login, not a proxy, so neither another
-- actor name nor another role (SET ROLE to the approver group) makes her someone else.
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'q_id')) AS alice_again;
SET approval_gate.actor = 'someone else';
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'q_id')) AS alice_as_other_actor;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L)', :'q_id')) AS alice_then_deny;
RESET approval_gate.actor;
SET ROLE approval_gate_approver;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'q_id')) AS alice_as_group_role;
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS nothing_written;
SET SESSION AUTHORIZATION regress_bob;
SELECT approval_gate_approve(:'q_id') AS bob_approves;
RESET SESSION AUTHORIZATION;
SELECT status, decided_by, decision_note, approved_until - decided_at AS approval_ttl FROM approval_gate_requests WHERE id = :'q_id';
SELECT voter_role, principal, decision, note FROM approval_gate_votes WHERE request_id = :'q_id' ORDER BY voted_at;
SELECT count(*) AS still_listed FROM approval_gate_pending WHERE id = :'q_id';
-- Deciding a request that is no longer pending: 55000.
SET SESSION AUTHORIZATION regress_dave;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'q_id')) AS approve_approved;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L)', :'q_id')) AS deny_approved;
RESET SESSION AUTHORIZATION;
SELECT event, status, actor, actor_role, principal, to_workspace_id FROM ag_events(:'q_id');

-- ---------------------------------------------------------------------------------------------
-- 2. One deny makes it denied, whatever the approvals so far
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS d_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'delete_workspace', '{"q": 2}') \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'d_id') AS alice_approves;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bob;
SELECT approval_gate_deny(:'d_id', 'too risky') AS bob_denies;
RESET SESSION AUTHORIZATION;
SELECT status, decided_by, decision_note, approved_until IS NULL AS never_consumable FROM approval_gate_requests WHERE id = :'d_id';
SELECT voter_role, decision, note FROM approval_gate_votes WHERE request_id = :'d_id' ORDER BY voted_at;
SELECT event, status, actor, principal FROM ag_events(:'d_id');
SET SESSION AUTHORIZATION regress_dave;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'d_id')) AS approve_denied;
RESET SESSION AUTHORIZATION;
-- With a quorum of 1 a single deny also decides it.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS d1_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "k"}') \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_deny(:'d1_id') AS alice_denies;
RESET SESSION AUTHORIZATION;
SELECT status, decision_note IS NULL AS no_note FROM approval_gate_requests WHERE id = :'d1_id';
-- required_approvals is copied onto the request when it is made: raising the quorum later does not
-- change a pending request.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS c_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "copied"}') \gset
RESET SESSION AUTHORIZATION;
SELECT approval_gate_set_policy('secret_write', '03000000-0000-0000-0000-000000000001', required_approvals => 3);
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'c_id') AS one_approval_enough;
RESET SESSION AUTHORIZATION;
SELECT required_approvals, status FROM approval_gate_requests WHERE id = :'c_id';
SELECT approval_gate_drop_policy('secret_write', '03000000-0000-0000-0000-000000000001') AS dropped;

-- ---------------------------------------------------------------------------------------------
-- 3. Who may decide: unknown id, non-approver, self-approval, long notes
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS s_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "s"}') \gset
RESET SESSION AUTHORIZATION;
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of($$SELECT approval_gate_approve('03000000-0000-0000-0000-0000000000ff')$$) AS approve_unknown;
SELECT sqlstate_of($$SELECT approval_gate_deny('03000000-0000-0000-0000-0000000000ff')$$) AS deny_unknown;
SELECT sqlstate_of($$SELECT approval_gate_withdraw('03000000-0000-0000-0000-0000000000ff')$$) AS withdraw_unknown;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L, repeat(%L, 8193))', :'s_id', 'n')) AS note_8193_bytes;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L, repeat(%L, 8193))', :'s_id', 'n')) AS deny_note_8193_bytes;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L, repeat(%L, 4097))', :'s_id', E'\u00e9')) AS note_4097_chars_8194_bytes;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_carol;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'s_id')) AS carol_approves;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L)', :'s_id')) AS carol_denies;
RESET SESSION AUTHORIZATION;
-- The agent is not an approver either.
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'s_id')) AS agent_approves_own;
RESET SESSION AUTHORIZATION;
-- A login that is not a proxy cannot borrow another principal through approval_gate.actor.
SET SESSION AUTHORIZATION regress_bob;
SET approval_gate.actor = 'regress_agent';
SELECT approval_gate_principal() AS bob_with_actor_set;
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS nothing_written;
SELECT status FROM approval_gate_requests WHERE id = :'s_id';
-- A note of exactly 8192 bytes is accepted.
SET SESSION AUTHORIZATION regress_bob;
SELECT approval_gate_approve(:'s_id', repeat('n', 8192)) AS note_8192_bytes;
RESET SESSION AUTHORIZATION;
SELECT status, octet_length(decision_note) AS note_bytes FROM approval_gate_requests WHERE id = :'s_id';
-- An approver asking for itself cannot approve its own request, under whatever role or actor name:
-- the principal is the login. Requested under the approver group role, decided as herself, or the
-- other way round: the same principal.
SET SESSION AUTHORIZATION regress_alice;
SET ROLE approval_gate_approver;
SELECT request_id AS self_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "self"}') \gset
RESET ROLE;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'self_id')) AS alice_approves_own;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L)', :'self_id')) AS alice_denies_own;
SET approval_gate.actor = 'x';
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'self_id')) AS alice_as_actor_x;
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT requested_by, requested_role FROM approval_gate_requests WHERE id = :'self_id';
-- Actor names a login sets are ignored on both sides: bob approves the agent's request even though
-- both said they were user:7.
SET SESSION AUTHORIZATION regress_agent;
SET approval_gate.actor = 'user:7';
SELECT request_id AS actor7_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "actor7"}') \gset
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bob;
SET approval_gate.actor = 'user:7';
SELECT approval_gate_approve(:'actor7_id') AS bob_approves_agent;
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT requested_by, decided_by FROM approval_gate_requests WHERE id = :'actor7_id';
-- allow_self_approval lifts the rule.
SELECT approval_gate_set_policy('secret_write', '03000000-0000-0000-0000-000000000001', allow_self_approval => true);
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'self_id', 'my own') AS alice_approves_own_allowed;
RESET SESSION AUTHORIZATION;
SELECT approval_gate_drop_policy('secret_write', '03000000-0000-0000-0000-000000000001') AS dropped;

-- ---------------------------------------------------------------------------------------------
-- 4. Withdraw
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS w_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'org_token_mint', '{"w": 1}') \gset
RESET SESSION AUTHORIZATION;
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of(format('SELECT approval_gate_withdraw(%L)', :'w_id')) AS alice_withdraws;
RESET SESSION AUTHORIZATION;
-- Only the requesting principal withdraws; an actor name set by another login changes nothing.
SET SESSION AUTHORIZATION regress_carol;
SET approval_gate.actor = 'regress_agent';
SELECT sqlstate_of(format('SELECT approval_gate_withdraw(%L)', :'w_id')) AS carol_as_agent_actor;
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS nothing_written;
SET SESSION AUTHORIZATION regress_agent;
SET approval_gate.actor = 'user:other';
SELECT approval_gate_withdraw(:'w_id') AS agent_withdraws;
RESET approval_gate.actor;
SELECT sqlstate_of(format('SELECT approval_gate_withdraw(%L)', :'w_id')) AS withdraw_again;
RESET SESSION AUTHORIZATION;
SELECT status, decided_by FROM approval_gate_requests WHERE id = :'w_id';
SELECT event, status, actor, principal FROM ag_events(:'w_id');
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'w_id')) AS approve_withdrawn;
RESET SESSION AUTHORIZATION;
-- A withdrawn request is not reused: the next call makes a new one.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id <> :'w_id' AS new_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'org_token_mint', '{"w": 1}');
RESET SESSION AUTHORIZATION;
-- Withdraw after approval: 55000.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS wa_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'org_token_mint', '{"w": 2}') \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'wa_id') AS approve;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of(format('SELECT approval_gate_withdraw(%L)', :'wa_id')) AS withdraw_approved;
RESET SESSION AUTHORIZATION;
SELECT status FROM approval_gate_requests WHERE id = :'wa_id';

-- ---------------------------------------------------------------------------------------------
-- 5. Expiry: expired rows are never consumed nor reused, swept or not
-- ---------------------------------------------------------------------------------------------
-- deprovision_workspace in -0001 has pending_ttl 1 hour.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS e1_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 1}') \gset
SELECT request_id AS e2_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 2}') \gset
SELECT request_id AS e3_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 3}') \gset
RESET SESSION AUTHORIZATION;
SELECT context, expires_at - created_at AS pending_ttl FROM approval_gate_requests WHERE id IN (:'e1_id', :'e2_id', :'e3_id') ORDER BY context::text;
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'e3_id') AS approve_e3;
RESET SESSION AUTHORIZATION;
-- e1 and e2 pass their deadline, e3's approval runs out; nobody has swept yet.
UPDATE approval_gate_requests SET expires_at = statement_timestamp() - interval '1 minute' WHERE id IN (:'e1_id', :'e2_id');
UPDATE approval_gate_requests SET approved_until = statement_timestamp() - interval '1 minute' WHERE id = :'e3_id';
SELECT count(*) AS pending_view_lists FROM approval_gate_pending WHERE id IN (:'e1_id', :'e2_id');
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_bob;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'e1_id')) AS approve_expired;
SELECT sqlstate_of(format('SELECT approval_gate_deny(%L)', :'e1_id')) AS deny_expired;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of(format('SELECT approval_gate_withdraw(%L)', :'e1_id')) AS withdraw_expired;
SELECT sqlstate_of($$SELECT approval_gate_consume('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 3}')$$) AS consume_expired_approval;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS nothing_written;
-- require finds e1 past its deadline: marks it expired there and then, and makes a new request.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id <> :'e1_id' AS new_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 1}');
-- e3's approval is past approved_until: not consumed, a new request instead.
SELECT outcome, request_id <> :'e3_id' AS new_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"e": 3}');
RESET SESSION AUTHORIZATION;
SELECT context, status FROM approval_gate_requests WHERE id IN (:'e1_id', :'e2_id', :'e3_id') ORDER BY context::text;
SELECT event, status FROM ag_events(:'e1_id');
-- The sweep: e2 (pending past its deadline) and e3 (approval run out); e1 is already expired.
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_expire() AS swept;
SELECT approval_gate_expire() AS swept_again;
RESET SESSION AUTHORIZATION;
SELECT context, status FROM approval_gate_requests WHERE id IN (:'e1_id', :'e2_id', :'e3_id') ORDER BY context::text;
SELECT e.event, e.status, e.actor FROM (SELECT * FROM ag_events(:'e2_id') UNION ALL SELECT * FROM ag_events(:'e3_id')) e
 WHERE e.event = 'expired';
SET SESSION AUTHORIZATION regress_bob;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'e2_id')) AS approve_swept;
RESET SESSION AUTHORIZATION;
-- Not everyone may sweep.
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of('SELECT approval_gate_expire()') AS agent_sweeps;
RESET SESSION AUTHORIZATION;

-- ---------------------------------------------------------------------------------------------
-- 6. Parents and escalation
-- ---------------------------------------------------------------------------------------------
SELECT approval_gate_set_policy('delete_workspace', '03000000-0000-0000-0000-00000000000b', approver_role => 'regress_child_approvers');
SELECT approval_gate_set_policy('delete_workspace', '03000000-0000-0000-0000-00000000000a', approver_role => 'regress_parent_approvers');
SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000b', '03000000-0000-0000-0000-00000000000a');
SELECT workspace_id, parent_id FROM approval_gate_workspaces WHERE workspace_id::text LIKE '03000000-%' ORDER BY 1;
-- Cycles are refused: a -> b when b -> a, a self link, and a longer loop.
SELECT sqlstate_of($$SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000a', '03000000-0000-0000-0000-00000000000b')$$) AS two_cycle;
SELECT sqlstate_of($$SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000c', '03000000-0000-0000-0000-00000000000c')$$) AS self_link;
SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000a', '03000000-0000-0000-0000-00000000000c');
SELECT sqlstate_of($$SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000c', '03000000-0000-0000-0000-00000000000b')$$) AS three_cycle;
SELECT workspace_id, parent_id FROM approval_gate_workspaces WHERE workspace_id::text LIKE '03000000-%' ORDER BY 1;
-- Only the owner or a superuser manages parents.
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of($$SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000c', NULL)$$) AS alice_sets_parent;
RESET SESSION AUTHORIZATION;
-- A new pending request in the child is escalated to the parent.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id AS x_id FROM approval_gate_require('03000000-0000-0000-0000-00000000000b', 'delete_workspace', '{"x": 1}') \gset
SELECT :'outcome' AS outcome;
RESET SESSION AUTHORIZATION;
SELECT escalated_to FROM approval_gate_requests WHERE id = :'x_id';
SELECT event, status, to_workspace_id FROM ag_events(:'x_id');
SELECT workspace_id, escalated_to, approvals, voters FROM approval_gate_pending WHERE id = :'x_id';
-- A retry does not escalate again.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id = :'x_id' AS same_id FROM approval_gate_require('03000000-0000-0000-0000-00000000000b', 'delete_workspace', '{"x": 1}');
RESET SESSION AUTHORIZATION;
SELECT count(*) AS escalated_events FROM ag_events(:'x_id') WHERE event = 'escalated';
-- alice approves for approval_gate_approver, which is neither the child's nor the parent's role.
SET SESSION AUTHORIZATION regress_alice;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'x_id')) AS alice_on_child;
RESET SESSION AUTHORIZATION;
-- erin is in the parent's approver role: she may decide the escalated request.
SET SESSION AUTHORIZATION regress_erin;
SELECT approval_gate_approve(:'x_id') AS erin_on_child;
RESET SESSION AUTHORIZATION;
-- dave is in the child's approver role.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS y_id FROM approval_gate_require('03000000-0000-0000-0000-00000000000b', 'delete_workspace', '{"x": 2}') \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_dave;
SELECT approval_gate_deny(:'y_id') AS dave_on_child;
RESET SESSION AUTHORIZATION;
-- Without the link, a new request is not escalated, and the parent's approvers may not decide it.
SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000b', NULL);
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS z_id FROM approval_gate_require('03000000-0000-0000-0000-00000000000b', 'delete_workspace', '{"x": 3}') \gset
RESET SESSION AUTHORIZATION;
SELECT escalated_to IS NULL AS not_escalated FROM approval_gate_requests WHERE id = :'z_id';
SET SESSION AUTHORIZATION regress_erin;
SELECT sqlstate_of(format('SELECT approval_gate_approve(%L)', :'z_id')) AS erin_unlinked;
RESET SESSION AUTHORIZATION;
SELECT workspace_id, parent_id FROM approval_gate_workspaces WHERE workspace_id::text LIKE '03000000-%' ORDER BY 1;

-- ---------------------------------------------------------------------------------------------
-- 7. The pending view and the audit log
-- ---------------------------------------------------------------------------------------------
-- Read as superuser: what an approver sees is narrowed to the workspaces it may decide.
SELECT workspace_id, action, context, requested_by, required_approvals, approvals, voters, escalated_to
FROM approval_gate_pending WHERE workspace_id::text LIKE '03000000-%' ORDER BY workspace_id, action, context::text;
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SET SESSION AUTHORIZATION regress_alice;
SELECT * FROM approval_gate_verify_events();
RESET SESSION AUTHORIZATION;
SELECT event, count(*) FROM approval_gate_events WHERE workspace_id::text LIKE '03000000-%' GROUP BY event ORDER BY event;
-- Each workspace's chain counts from 1 without gaps.
SELECT workspace_id, min(seq), max(seq), count(*) FROM approval_gate_events WHERE workspace_id::text LIKE '03000000-%' GROUP BY workspace_id ORDER BY workspace_id;

-- A request whose action lost every policy after it was made can no longer be decided by anyone
-- (the views show it to no approver), nor be consumed: the action is not gated any more.
SELECT approval_gate_set_policy('dropped_op');
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id AS dropped_id FROM approval_gate_require('03000000-0000-0000-0000-000000000001', 'dropped_op') \gset
SELECT :'outcome' AS outcome;
RESET SESSION AUTHORIZATION;
SELECT approval_gate_drop_policy('dropped_op');
SET SESSION AUTHORIZATION regress_alice;
SELECT count(*) AS alice_sees FROM approval_gate_pending WHERE id = :'dropped_id';
SELECT replace(sql_error($$SELECT approval_gate_approve('$$ || :'dropped_id' || $$')$$), :'dropped_id', '<id>')
       AS approve_without_policy;
SELECT replace(sql_error($$SELECT approval_gate_deny('$$ || :'dropped_id' || $$')$$), :'dropped_id', '<id>')
       AS deny_without_policy;
RESET SESSION AUTHORIZATION;

-- Clean up.
SELECT approval_gate_drop_policy('delete_workspace', '03000000-0000-0000-0000-000000000001') AS d1,
       approval_gate_drop_policy('deprovision_workspace', '03000000-0000-0000-0000-000000000001') AS d2,
       approval_gate_drop_policy('delete_workspace', '03000000-0000-0000-0000-00000000000a') AS d3,
       approval_gate_drop_policy('delete_workspace', '03000000-0000-0000-0000-00000000000b') AS d4;
SELECT approval_gate_set_parent('03000000-0000-0000-0000-00000000000a', NULL);
DROP ROLE regress_agent, regress_alice, regress_bob, regress_carol, regress_dave, regress_erin,
          regress_child_approvers, regress_parent_approvers;
