-- A 1.0 database holding every kind of row, made through the 1.0 library's own API, then updated to
-- 1.1 in the same backend (the 1.0 library loaded), and checked there. Run by test/upgrade/run.sh.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION approval_gate VERSION '1.0';
SELECT extversion AS installed FROM pg_extension WHERE extname = 'approval_gate';
CREATE ROLE up_agent LOGIN;
CREATE ROLE up_alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE up_bob LOGIN IN ROLE approval_gate_approver;
\set w1 '''0c000000-0000-4000-8000-000000000001'''
\set w2 '''0c000000-0000-4000-8000-000000000002'''
\set w3 '''0c000000-0000-4000-8000-000000000003'''

-- Policies: a workspace override (quorum 2), an action of its own with a pending TTL, a quorum of 3.
SELECT approval_gate_set_policy('delete_workspace', :w2, required_approvals => 2);
SELECT approval_gate_set_policy('export_data', pending_ttl => '1 hour');
SELECT approval_gate_set_policy('triple_op', required_approvals => 3);
-- A parent link: requests in w3 escalate to w1.
SELECT approval_gate_set_parent(:w3, :w1);
-- A protected table.
CREATE TABLE docs (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO docs SELECT g, '0c000000-0000-4000-8000-000000000001' FROM generate_series(1, 3) g;
GRANT SELECT, DELETE ON docs TO up_agent;
SELECT approval_gate_protect('docs', 'delete_document', 'ws', gated_roles => '{up_agent}');

-- 1.0 named who acted with approval_gate.actor (the agent's requests are 'up_agent's).
CREATE FUNCTION ask(ws uuid, act text, ctx jsonb) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE id uuid;
BEGIN
    SET LOCAL ROLE up_agent;
    PERFORM set_config('approval_gate.actor', 'up_agent', true);
    SELECT request_id INTO id FROM approval_gate_require(ws, act, ctx);
    RETURN id;
END $$;
CREATE FUNCTION decide_as(who text, id uuid, approve boolean) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', who);
    PERFORM set_config('approval_gate.actor', who, true);
    RETURN CASE WHEN approve THEN approval_gate_approve(id) ELSE approval_gate_deny(id) END;
END $$;
SELECT ask(:w1, 'delete_workspace', '{"k": "pending"}') AS pending_id \gset
SELECT ask(:w1, 'delete_workspace', '{"k": "approved"}') AS approved_id \gset
SELECT decide_as('up_alice', :'approved_id', true);
SELECT ask(:w1, 'delete_workspace', '{"k": "consumed"}') AS consumed_id \gset
SELECT decide_as('up_alice', :'consumed_id', true);
BEGIN;
SET LOCAL ROLE up_agent;
SET LOCAL approval_gate.actor = 'up_agent';
SELECT approval_gate_consume(:w1, 'delete_workspace', '{"k": "consumed"}') = :'consumed_id' AS consumed_under_1_0;
COMMIT;
SELECT ask(:w1, 'delete_workspace', '{"k": "denied"}') AS denied_id \gset
SELECT decide_as('up_bob', :'denied_id', false);
SELECT ask(:w1, 'delete_workspace', '{"k": "withdrawn"}') AS withdrawn_id \gset
BEGIN;
SET LOCAL ROLE up_agent;
SET LOCAL approval_gate.actor = 'up_agent';
SELECT approval_gate_withdraw(:'withdrawn_id');
COMMIT;
SELECT ask(:w1, 'export_data', '{"k": "expired"}') AS expired_id \gset
UPDATE approval_gate_requests SET expires_at = now() - interval '1 minute' WHERE id = :'expired_id';
SELECT approval_gate_expire() AS expired;
-- A partial quorum (1 of 2), and 1.0's double count: one actor voting under two roles.
SELECT ask(:w2, 'delete_workspace', '{"k": "partial"}') AS partial_id \gset
SELECT decide_as('up_alice', :'partial_id', true);
SELECT ask(:w1, 'triple_op', '{"k": "two_roles"}') AS two_roles_id \gset
SELECT decide_as('up_alice', :'two_roles_id', true);
BEGIN;
SET LOCAL ROLE approval_gate_approver;
SET LOCAL approval_gate.actor = 'up_alice';
SELECT approval_gate_approve(:'two_roles_id') AS second_vote_under_1_0;
COMMIT;
-- An escalated request, and an approval for a protected row, not consumed yet.
SELECT ask(:w3, 'delete_workspace', '{"k": "escalated"}') AS escalated_id \gset
SELECT ask(:w1, 'delete_document', approval_gate_row_context('docs', '{"id": 1}')) AS row_id \gset
SELECT decide_as('up_alice', :'row_id', true);
-- A pruned audit chain.
SELECT approval_gate_prune_events(:w1, 3) AS pruned;
SELECT string_agg(DISTINCT status, ',' ORDER BY status) AS statuses FROM approval_gate_requests;
SELECT count(*) AS broken_under_1_0 FROM approval_gate_verify_events();
SELECT seq AS head_seq, hash AS head_hash FROM approval_gate_event_heads WHERE workspace_id = :w1 \gset

-- The update, in this backend, where the 1.0 library is loaded.
ALTER EXTENSION approval_gate UPDATE TO '1.1';
SELECT extversion AS updated FROM pg_extension WHERE extname = 'approval_gate';
-- The 1.1 library answers in the same backend.
SELECT approval_gate_principal() AS principal_here;
SELECT outcome AS new_request_in_same_backend FROM approval_gate_require(:w1, 'delete_workspace', '{"k": "after update"}');
\set ON_ERROR_STOP 0
\echo upgrade-ids :pending_id :approved_id :consumed_id :denied_id :withdrawn_id :expired_id :partial_id :two_roles_id :escalated_id :row_id :head_seq :head_hash
