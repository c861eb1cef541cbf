-- Issue 12: one identity model. Each deployment runs the seed's cycle with real logins; each attack
-- that 1.0 let through is refused.
\set ws '''11111111-1111-1111-1111-111111111111'''
SET client_min_messages = warning;

-- =============================================================================================
-- 1. Shared pool (the original deployment): one login, a member of approval_gate_proxy and of the
--    approver role, says who acts per transaction with set_config(..., true).
-- =============================================================================================
\c - pool
SELECT approval_gate_principal() AS pool_without_actor;
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT outcome, request_id AS pool_req FROM approval_gate_require(:ws, 'delete_workspace', '{"name":"alpha"}') \gset
SELECT :'outcome' AS requested, approval_gate_principal() AS as_principal;
COMMIT;
-- The setting was local: the next transaction is the pool itself again.
SELECT approval_gate_principal() AS after_commit;
-- Dedup: the same principal's retry returns the same request.
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT outcome, request_id = :'pool_req' AS same_request FROM approval_gate_require(:ws, 'delete_workspace', '{"name":"alpha"}');
COMMIT;
-- Self-approval by the same actor is refused.
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT try(format('SELECT approval_gate_approve(%L)', :'pool_req')) AS requester_approves;
COMMIT;
-- Another actor on the same login approves.
BEGIN;
SELECT set_config('approval_gate.actor', 'user:alice', true);
SELECT approval_gate_approve(:'pool_req') AS alice_approves;
COMMIT;
-- Context isolation: another context does not consume it.
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT outcome FROM approval_gate_require(:ws, 'delete_workspace', '{"name":"beta"}');
COMMIT;
-- Another principal cannot consume it, even on the same login.
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:other', true);
SELECT approval_gate_consume(:ws, 'delete_workspace', '{"name":"alpha"}', missing_ok => true) IS NULL AS other_principal_consumes_nothing;
COMMIT;
-- The requesting principal consumes it, once.
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT outcome, request_id = :'pool_req' AS same_request FROM approval_gate_require(:ws, 'delete_workspace', '{"name":"alpha"}');
SELECT outcome, request_id <> :'pool_req' AS new_request FROM approval_gate_require(:ws, 'delete_workspace', '{"name":"alpha"}');
COMMIT;
-- A quorum of 2 with two actors, and the same actor twice counted once.
\c - postgres
SELECT approval_gate_set_policy('quorum_op', required_approvals => 2);
\c - pool
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:concierge', true);
SELECT request_id AS q_req FROM approval_gate_require(:ws, 'quorum_op') \gset
COMMIT;
BEGIN;
SELECT set_config('approval_gate.actor', 'user:alice', true);
SELECT approval_gate_approve(:'q_req') AS alice_first;
SELECT try(format('SELECT approval_gate_approve(%L)', :'q_req')) AS alice_again;
COMMIT;
BEGIN;
SELECT set_config('approval_gate.actor', 'user:bob', true);
SELECT approval_gate_approve(:'q_req') AS bob_second;
COMMIT;
-- Fail-safe: a proxy that forgets the actor acts as its own login, and cannot approve what it asked.
SELECT request_id AS forgot_req FROM approval_gate_require(:ws, 'delete_workspace', '{"forgot":"actor"}') \gset
SELECT requested_by FROM approval_gate_visible_requests WHERE id = :'forgot_req';
SELECT try(format('SELECT approval_gate_approve(%L)', :'forgot_req')) AS forgetful_pool_approves;
-- A principal is at most 256 bytes.
SELECT try($$SELECT set_config('approval_gate.actor', repeat('x', 257), true)$$) AS actor_257_bytes;
SELECT try($$SELECT set_config('approval_gate.actor', repeat('x', 256), true)$$) AS actor_256_bytes;
SELECT try($$SET approval_gate.actor = '$$ || repeat('é', 129) || $$'$$) AS actor_258_utf8_bytes;

-- =============================================================================================
-- 2. Personal logins: agents and humans each have their own login; SET ROLE and
--    approval_gate.actor change nothing about who they are.
-- =============================================================================================
\c - agent
SELECT request_id AS p_req FROM approval_gate_require(:ws, 'quorum_op', '{"personal":1}') \gset
SET approval_gate.actor = 'user:alice';
SELECT approval_gate_principal() AS agent_with_actor_set;
RESET approval_gate.actor;
-- Attack 2a: alice votes, then again under the approver group role: one vote.
\c - alice
SELECT approval_gate_approve(:'p_req') AS alice_votes;
SET ROLE approval_gate_approver;
SELECT try(format('SELECT approval_gate_approve(%L)', :'p_req')) AS alice_as_group_role;
RESET ROLE;
SET approval_gate.actor = 'x';
SELECT try(format('SELECT approval_gate_approve(%L)', :'p_req')) AS alice_as_actor_x;
RESET approval_gate.actor;
SELECT status, approvals, voters FROM approval_gate_pending p
  JOIN approval_gate_visible_requests r USING (id) WHERE p.id = :'p_req';
-- Attack 2b: alice requests under the group role, then approves as herself under another actor.
SET ROLE approval_gate_approver;
SELECT request_id AS alice_req FROM approval_gate_require(:ws, 'delete_workspace', '{"self":1}') \gset
RESET ROLE;
SET approval_gate.actor = 'x';
SELECT try(format('SELECT approval_gate_approve(%L)', :'alice_req')) AS alice_approves_own;
RESET approval_gate.actor;
-- bob completes the quorum; only the agent may consume it (attack 4: agent2 may not burn it).
\c - bob
SELECT approval_gate_approve(:'p_req') AS bob_votes;
\c - agent2
SELECT try($$SELECT approval_gate_consume('11111111-1111-1111-1111-111111111111', 'quorum_op', '{"personal":1}')$$) AS agent2_consumes;
SELECT outcome, request_id <> :'p_req' AS its_own_request FROM approval_gate_require(:ws, 'quorum_op', '{"personal":1}');
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'p_req')) AS agent2_withdraws;
\c - agent
SELECT approval_gate_consume(:ws, 'quorum_op', '{"personal":1}') = :'p_req' AS agent_consumes;
-- Attack 3: withdraw is the requesting principal's only, whatever actor another login sets.
SELECT request_id AS w_req FROM approval_gate_require(:ws, 'delete_workspace', '{"w":1}') \gset
\c - alice
SET approval_gate.actor = 'agent';
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'w_req')) AS alice_as_agent_withdraws;
\c - agent
SELECT approval_gate_withdraw(:'w_req') AS agent_withdraws;

-- consumable_by_any: where the policy says so, any principal may consume the approval.
\c - postgres
SELECT approval_gate_set_policy('shared_op', consumable_by_any => true);
\c - agent
SELECT request_id AS any_req FROM approval_gate_require(:ws, 'shared_op') \gset
\c - alice
SELECT approval_gate_approve(:'any_req') AS alice_approves;
\c - agent2
SELECT approval_gate_consume(:ws, 'shared_op') = :'any_req' AS agent2_consumes_shared;

-- =============================================================================================
-- 3. Authenticator, as PostgREST runs: one NOINHERIT login, SET LOCAL ROLE to the request's role,
--    the actor from the request's JWT claims (here a pre-request function reads them).
-- =============================================================================================
\c - postgres
CREATE FUNCTION pre_request() RETURNS void LANGUAGE sql AS $$
    SELECT set_config('approval_gate.actor', current_setting('request.jwt.claims', true)::json ->> 'sub', true)
$$;
GRANT EXECUTE ON FUNCTION pre_request() TO PUBLIC;
\c - authenticator
-- Request 1: an agent, through the web_agent role.
BEGIN;
SET LOCAL ROLE web_agent;
SELECT set_config('request.jwt.claims', '{"sub": "agent:web-1"}', true);
SELECT pre_request();
SELECT request_id AS web_req FROM approval_gate_require(:ws, 'delete_workspace', '{"web":1}') \gset
SELECT approval_gate_principal() AS principal, current_user AS role;
COMMIT;
-- Request 2: the same agent through another role tries to approve its own request.
BEGIN;
SET LOCAL ROLE web_approver;
SELECT set_config('request.jwt.claims', '{"sub": "agent:web-1"}', true);
SELECT pre_request();
SELECT try(format('SELECT approval_gate_approve(%L)', :'web_req')) AS requester_approves;
COMMIT;
-- Request 3: a human through web_agent is not an approver.
BEGIN;
SET LOCAL ROLE web_agent;
SELECT set_config('request.jwt.claims', '{"sub": "user:carol"}', true);
SELECT pre_request();
SELECT try(format('SELECT approval_gate_approve(%L)', :'web_req')) AS non_approver_role_approves;
COMMIT;
-- Request 4: a human through web_approver approves.
BEGIN;
SET LOCAL ROLE web_approver;
SELECT set_config('request.jwt.claims', '{"sub": "user:carol"}', true);
SELECT pre_request();
SELECT approval_gate_approve(:'web_req') AS carol_approves;
COMMIT;
-- Request 5: the agent consumes it.
BEGIN;
SET LOCAL ROLE web_agent;
SELECT set_config('request.jwt.claims', '{"sub": "agent:web-1"}', true);
SELECT pre_request();
SELECT outcome, request_id = :'web_req' AS same FROM approval_gate_require(:ws, 'delete_workspace', '{"web":1}');
COMMIT;
-- A request without claims acts as the authenticator itself (the fail-safe).
BEGIN;
SET LOCAL ROLE web_agent;
SELECT approval_gate_principal() AS without_claims;
COMMIT;

-- =============================================================================================
-- 4. The audit trail names the principal and the role of every transition.
-- =============================================================================================
\c - postgres
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT e.event, e.actor AS login, e.actor_role AS role, e.principal
  FROM approval_gate_events e WHERE e.request_id = :'web_req' ORDER BY e.seq;
SELECT r.requested_by, r.requested_role, r.decided_by FROM approval_gate_requests r WHERE r.id = :'web_req';
SELECT count(*) AS broken FROM approval_gate_verify_events();
