-- Row level security: a role reads only the requests, votes and events whose policy names an
-- approver role it belongs to (the request's workspace policy, or its escalation target's).
SET client_min_messages = warning;
CREATE ROLE regress_v_alice IN ROLE approval_gate_approver;
CREATE ROLE regress_v_secops;
CREATE ROLE regress_v_carol IN ROLE regress_v_secops, approval_gate_approver;
CREATE ROLE regress_v_agent;
SELECT approval_gate_set_policy('v_secret', approver_role => 'regress_v_secops');
SELECT approval_gate_set_policy('v_delete');
SELECT approval_gate_set_parent('cccccccc-0000-0000-0000-00000000000c', 'dddddddd-0000-0000-0000-00000000000d');
SELECT approval_gate_set_policy('v_child', 'dddddddd-0000-0000-0000-00000000000d', approver_role => 'regress_v_secops');
SELECT approval_gate_set_policy('v_child', approver_role => 'pg_monitor');
SET approval_gate.actor = 'agent';
SELECT (approval_gate_require('eeeeeeee-0000-0000-0000-00000000000e', 'v_secret')).outcome AS secret,
       (approval_gate_require('eeeeeeee-0000-0000-0000-00000000000e', 'v_delete')).outcome AS delete,
       (approval_gate_require('cccccccc-0000-0000-0000-00000000000c', 'v_child')).outcome AS escalated_child;
RESET approval_gate.actor;

-- alice approves for the default role: she sees v_delete only.
SET ROLE regress_v_alice;
SELECT action FROM approval_gate_pending WHERE action LIKE 'v\_%' ORDER BY action;
SELECT DISTINCT action FROM approval_gate_events WHERE action LIKE 'v\_%' ORDER BY action;
RESET ROLE;
-- carol is in secops too: she also sees v_secret, and v_child through its escalation to the parent.
SET ROLE regress_v_carol;
SELECT action FROM approval_gate_pending WHERE action LIKE 'v\_%' ORDER BY action;
SELECT DISTINCT action FROM approval_gate_events WHERE action LIKE 'v\_%' ORDER BY action;
RESET ROLE;
-- carol's vote is visible to carol, not to alice.
SET ROLE regress_v_carol;
SET approval_gate.actor = 'carol';
SELECT approval_gate_approve(id) FROM approval_gate_pending WHERE action = 'v_secret';
RESET approval_gate.actor;
SELECT count(*) AS carol_sees_votes FROM approval_gate_votes v JOIN approval_gate_requests r ON r.id = v.request_id
 WHERE r.action = 'v_secret';
RESET ROLE;
SET ROLE regress_v_alice;
SELECT count(*) AS alice_sees_votes FROM approval_gate_votes v WHERE v.voter_role = 'regress_v_carol';
RESET ROLE;
-- The agent is no approver: it cannot read the tables or the view at all.
SET ROLE regress_v_agent;
SELECT count(*) FROM approval_gate_pending;
SELECT count(*) FROM approval_gate_requests;
RESET ROLE;

SELECT approval_gate_drop_policy('v_secret'), approval_gate_drop_policy('v_delete'),
       approval_gate_drop_policy('v_child'), approval_gate_drop_policy('v_child', 'dddddddd-0000-0000-0000-00000000000d');
SELECT approval_gate_set_parent('cccccccc-0000-0000-0000-00000000000c', NULL);
DROP ROLE regress_v_alice, regress_v_carol, regress_v_secops, regress_v_agent;
