-- approval_gate_require and approval_gate_consume: every outcome, and what each one writes.
-- Workspaces 02000000-...-0001 (main), -0002 (its own policy turns the gate off), -0003 (another tenant).
-- Request ids and times are random: the output shows outcomes, statuses and comparisons only.
SET client_min_messages = warning;

CREATE ROLE regress_agent;
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
GRANT approval_gate_approver TO regress_alice, regress_bob;

-- ---------------------------------------------------------------------------------------------
-- 1. not_gated: an action with no policy row, or a workspace row that turns the gate off
-- ---------------------------------------------------------------------------------------------
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id IS NULL AS no_id,
       request_hash IS NULL AS not_hashed
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'read_report', '{"x": 1}');
RESET SESSION AUTHORIZATION;
SELECT approval_gate_set_policy('delete_workspace', '02000000-0000-0000-0000-000000000002', gated => false);
SELECT approval_gate_is_gated('02000000-0000-0000-0000-000000000001', 'delete_workspace') AS gated_default,
       approval_gate_is_gated('02000000-0000-0000-0000-000000000002', 'delete_workspace') AS gated_overridden,
       approval_gate_is_gated('02000000-0000-0000-0000-000000000001', 'read_report') AS gated_unknown;
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id IS NULL AS no_id,
       request_hash IS NULL AS not_hashed
FROM approval_gate_require('02000000-0000-0000-0000-000000000002', 'delete_workspace');
-- approval_gate_consume of an ungated action: NULL, with or without missing_ok.
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000002', 'delete_workspace') IS NULL AS consume_ungated,
       approval_gate_consume('02000000-0000-0000-0000-000000000001', 'read_report', missing_ok => true) IS NULL AS consume_unknown_action;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS not_gated_wrote_nothing;

-- ---------------------------------------------------------------------------------------------
-- 2. pending: the first call creates the request, a retry returns it and writes nothing
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id AS first_id, request_hash AS first_hash
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', 'cleanup') \gset
SELECT :'outcome' AS outcome,
       :'first_hash' = approval_gate_request_hash('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}') AS hash_matches;
RESET SESSION AUTHORIZATION;
SELECT status, workspace_id, action, context, reason, requested_by, requested_role, required_approvals,
       expires_at IS NULL AS never_expires, decided_at IS NULL AS undecided, consumed_at IS NULL AS unconsumed,
       escalated_to, request_hash = :'first_hash' AS hash_stored
FROM approval_gate_requests WHERE id = :'first_id';
SELECT event, status, actor, actor_role, principal FROM ag_events(:'first_id');
SELECT id = :'first_id' AS listed, approvals, voters FROM approval_gate_pending WHERE workspace_id = '02000000-0000-0000-0000-000000000001';

-- Retries: same id, nothing written, no notification (psql would print one here). Sealed first, so
-- that a sealer worker (shared_preload_libraries) has nothing left to announce once this listens.
SELECT approval_gate_seal_events() >= 0 AS sealed_before_listening;
LISTEN approval_gate;
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id = :'first_id' AS same_id, request_hash = :'first_hash' AS same_hash
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', 'cleanup');
-- Key order, whitespace and a different reason are the same request.
SELECT outcome, request_id = :'first_id' AS same_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"by":"agent","reason_code":7.0}', 'another reason');
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS retries_wrote_nothing;
-- A new request made in a transaction that rolls back sends no notification either, and leaves nothing.
BEGIN;
SELECT outcome FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"rolled": "back"}');
ROLLBACK;
SELECT ag_counts() = :'counts' AS rollback_wrote_nothing;
UNLISTEN approval_gate;

-- ---------------------------------------------------------------------------------------------
-- 3. approval_gate_consume before approval: AG001 naming action and workspace, with a hint
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of($$SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}')$$) AS consume_pending;
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', missing_ok => true) IS NULL AS missing_ok_null;
-- The error as psql shows it.
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}');
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS consume_wrote_nothing;
SELECT status FROM approval_gate_requests WHERE id = :'first_id';

-- ---------------------------------------------------------------------------------------------
-- 4. approved: after a human approves, require consumes it once
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'first_id', 'looks fine') AS approve;
RESET SESSION AUTHORIZATION;
SELECT status, decided_by, decision_note, approved_until > decided_at AS consumable_until_later,
       approved_until - decided_at AS approval_ttl
FROM approval_gate_requests WHERE id = :'first_id';
-- A rolled-back consumption does not burn the approval.
SET SESSION AUTHORIZATION regress_agent;
BEGIN;
SELECT outcome, request_id = :'first_id' AS same_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}');
ROLLBACK;
RESET SESSION AUTHORIZATION;
SELECT status, consumed_at IS NULL AS unconsumed FROM approval_gate_requests WHERE id = :'first_id';
-- An approval for workspace -0001 is not used by workspace -0003, nor by another action or context.
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000003', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', missing_ok => true) IS NULL AS other_workspace,
       approval_gate_consume('02000000-0000-0000-0000-000000000001', 'deprovision_workspace', '{"reason_code": 7, "by": "agent"}', missing_ok => true) IS NULL AS other_action,
       approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 8, "by": "agent"}', missing_ok => true) IS NULL AS other_context,
       approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', '\x00', missing_ok => true) IS NULL AS sealed_added;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS nothing_consumed;
-- Now consume it for real.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id = :'first_id' AS same_id, request_hash = :'first_hash' AS same_hash
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}');
RESET SESSION AUTHORIZATION;
SELECT status, consumed_at IS NOT NULL AS consumed_at_set, consumed_at >= decided_at AS after_decision
FROM approval_gate_requests WHERE id = :'first_id';
SELECT event, status, actor, actor_role, principal FROM ag_events(:'first_id');

-- A replay gets a new pending request: an approval is used once.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id AS second_id FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}') \gset
SELECT :'outcome' AS outcome, :'second_id' <> :'first_id' AS new_id;
RESET SESSION AUTHORIZATION;

-- ---------------------------------------------------------------------------------------------
-- 5. approval_gate_consume returns the approved id, once
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_bob;
SELECT approval_gate_approve(:'second_id') AS approve;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_agent;
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"by":"agent","reason_code":7}') = :'second_id' AS consumed_second;
SELECT sqlstate_of($$SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}')$$) AS consume_again;
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"reason_code": 7, "by": "agent"}', missing_ok => true) IS NULL AS consume_again_missing_ok;
RESET SESSION AUTHORIZATION;
SELECT status FROM approval_gate_requests WHERE id = :'second_id';
SELECT event, status, actor, actor_role, principal FROM ag_events(:'second_id');

-- Sealed bytes: an approval for one secret value is not consumed by a write of another.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS sealed_id FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "db_password"}', NULL, 'value-1'::bytea) \gset
RESET SESSION AUTHORIZATION;
SELECT context, request_hash = approval_gate_request_hash('02000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "db_password"}', 'value-1'::bytea) AS sealed_hash,
       position('value-1' in row_to_json(r)::text) = 0 AS bytes_not_stored
FROM approval_gate_requests r WHERE id = :'sealed_id';
SET SESSION AUTHORIZATION regress_alice;
SELECT approval_gate_approve(:'sealed_id') AS approve;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id <> :'sealed_id' AS new_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "db_password"}', NULL, 'value-2'::bytea);
SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "db_password"}', missing_ok => true) IS NULL AS unsealed_not_consumed;
SELECT outcome, request_id = :'sealed_id' AS same_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'secret_write', '{"name": "db_password"}', NULL, 'value-1'::bytea);
RESET SESSION AUTHORIZATION;

-- ---------------------------------------------------------------------------------------------
-- 6. denied: within deny_cooldown a retry answers denied and writes nothing; after it, a new request
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS denied_id FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}') \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bob;
SELECT approval_gate_deny(:'denied_id', 'no') AS deny;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id = :'denied_id' AS same_id,
       request_hash = approval_gate_request_hash('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}') AS hash_returned
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}');
SELECT outcome, request_id = :'denied_id' AS same_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}');
SELECT sqlstate_of($$SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}')$$) AS consume_denied;
-- Another context is not affected by the denial.
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS denied_wrote_nothing;
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "one"}');
RESET SESSION AUTHORIZATION;
-- Move the denial 11 minutes into the past (the default cooldown is 10 minutes): a new request.
UPDATE approval_gate_requests SET decided_at = decided_at - interval '11 minutes' WHERE id = :'denied_id';
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id <> :'denied_id' AS new_id
FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'org_token_mint', '{"scope": "all"}');
RESET SESSION AUTHORIZATION;

-- ---------------------------------------------------------------------------------------------
-- 7. the principal: a login that is not a member of approval_gate_proxy acts as itself, whatever
--    approval_gate.actor says (06_identity covers proxies)
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SET approval_gate.actor = 'user:42';
SELECT request_id AS actor_id FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'deprovision_workspace') \gset
SET approval_gate.actor = '';
SELECT request_id AS empty_actor_id FROM approval_gate_require('02000000-0000-0000-0000-000000000003', 'deprovision_workspace') \gset
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT requested_by, requested_role FROM approval_gate_requests WHERE id IN (:'actor_id', :'empty_actor_id') ORDER BY requested_by;

-- ---------------------------------------------------------------------------------------------
-- 8. errors write nothing
-- ---------------------------------------------------------------------------------------------
SELECT ag_counts() AS counts \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT sqlstate_of($$SELECT approval_gate_require(NULL, 'delete_workspace')$$) AS require_null_workspace;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', NULL)$$) AS require_null_action;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', NULL)$$) AS require_null_context;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '[]')$$) AS require_array_context;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"n": 9007199254740993}')$$) AS require_inexact_number;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', '')$$) AS require_empty_action;
SELECT sqlstate_of($$SELECT approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', repeat('r', 8193))$$) AS require_long_reason;
SELECT sqlstate_of($$SELECT approval_gate_consume(NULL, 'delete_workspace')$$) AS consume_null_workspace;
SELECT sqlstate_of($$SELECT approval_gate_consume('02000000-0000-0000-0000-000000000001', 'delete_workspace', missing_ok => NULL)$$) AS consume_null_missing_ok;
RESET SESSION AUTHORIZATION;
SELECT ag_counts() = :'counts' AS errors_wrote_nothing;
-- An error later in the caller's transaction takes the request back with it.
BEGIN;
SELECT outcome FROM approval_gate_require('02000000-0000-0000-0000-000000000001', 'delete_workspace', '{"then": "fail"}');
SELECT 1 / 0;
ROLLBACK;
SELECT ag_counts() = :'counts' AS failed_transaction_wrote_nothing;

-- Sealed into their chains, the per-workspace events verify intact.
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT * FROM approval_gate_verify_events();

-- Clean up: events keep actor and role names as text, so the roles can go.
SELECT approval_gate_drop_policy('delete_workspace', '02000000-0000-0000-0000-000000000002') AS dropped;
DROP ROLE regress_agent;
DROP ROLE regress_alice;
DROP ROLE regress_bob;
