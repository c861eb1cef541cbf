-- Who reads what: the base tables are the extension owner's (and the database owner's, for pg_dump);
-- everyone reads through the views, which show the requests (and their votes and events) a caller
-- made, or may decide: its workspace policy's approver role, or its escalation target's.
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
-- A superuser session is a trusted proxy: it asks for the principal "agent".
SET approval_gate.actor = 'agent';
SELECT (approval_gate_require('eeeeeeee-0000-0000-0000-00000000000e', 'v_secret')).outcome AS secret,
       (approval_gate_require('eeeeeeee-0000-0000-0000-00000000000e', 'v_delete')).outcome AS delete,
       (approval_gate_require('cccccccc-0000-0000-0000-00000000000c', 'v_child')).outcome AS escalated_child;
RESET approval_gate.actor;
-- The agent login asks for itself.
SET SESSION AUTHORIZATION regress_v_agent;
SELECT (approval_gate_require('eeeeeeee-0000-0000-0000-00000000000e', 'v_delete', '{"mine": true}')).outcome AS own;
RESET SESSION AUTHORIZATION;

-- alice approves for the default role: she sees the v_delete requests only.
SET SESSION AUTHORIZATION regress_v_alice;
SELECT action, requested_by FROM approval_gate_pending WHERE action LIKE 'v\_%' ORDER BY action, requested_by;
SELECT DISTINCT action FROM approval_gate_visible_events WHERE action LIKE 'v\_%' ORDER BY action;
RESET SESSION AUTHORIZATION;
-- carol is in secops too: she also sees v_secret, and v_child through its escalation to the parent.
SET SESSION AUTHORIZATION regress_v_carol;
SELECT action, requested_by FROM approval_gate_pending WHERE action LIKE 'v\_%' ORDER BY action, requested_by;
SELECT DISTINCT action FROM approval_gate_visible_events WHERE action LIKE 'v\_%' ORDER BY action;
RESET SESSION AUTHORIZATION;
-- carol's vote is visible to carol, not to alice.
SET SESSION AUTHORIZATION regress_v_carol;
SELECT approval_gate_approve(id) FROM approval_gate_pending WHERE action = 'v_secret';
SELECT count(*) AS carol_sees_votes FROM approval_gate_visible_votes v
  JOIN approval_gate_visible_requests r ON r.id = v.request_id WHERE r.action = 'v_secret';
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_v_alice;
SELECT count(*) AS alice_sees_votes FROM approval_gate_visible_votes v WHERE v.voter_role = 'regress_v_carol';
RESET SESSION AUTHORIZATION;
-- The agent is no approver: it sees its own request, with its events, and nothing else.
SET SESSION AUTHORIZATION regress_v_agent;
SELECT action, context, status FROM approval_gate_visible_requests;
SELECT action, event, principal FROM approval_gate_visible_events;
SELECT count(*) AS agent_sees_pending FROM approval_gate_pending;
RESET SESSION AUTHORIZATION;
-- The base tables are nobody's to read but their owner's (and the database owner's).
SET SESSION AUTHORIZATION regress_v_alice;
SELECT sql_error('SELECT count(*) FROM approval_gate_requests') AS alice_reads_requests;
SELECT sql_error('SELECT count(*) FROM approval_gate_votes') AS alice_reads_votes;
SELECT sql_error('SELECT count(*) FROM approval_gate_events') AS alice_reads_events;
SELECT sql_error('SELECT count(*) FROM approval_gate_event_queue') AS alice_reads_queue;
RESET SESSION AUTHORIZATION;
-- A caller's own condition never sees a row before the views' visibility test does.
CREATE FUNCTION leak(r approval_gate_visible_requests) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    IF r.action IN ('v_secret', 'v_child') THEN
        RAISE NOTICE 'leaked % to a role that may not see it', r.action;
    END IF;
    RETURN true;
END $$;
SET client_min_messages = notice;
SET SESSION AUTHORIZATION regress_v_alice;
SELECT count(*) AS alice_rows FROM approval_gate_visible_requests r WHERE leak(r) AND r.action LIKE 'v\_%';
RESET SESSION AUTHORIZATION;
SET client_min_messages = warning;
DROP FUNCTION leak(approval_gate_visible_requests);

SELECT approval_gate_drop_policy('v_secret'), approval_gate_drop_policy('v_delete'),
       approval_gate_drop_policy('v_child'), approval_gate_drop_policy('v_child', 'dddddddd-0000-0000-0000-00000000000d');
SELECT approval_gate_set_parent('cccccccc-0000-0000-0000-00000000000c', NULL);
DROP ROLE regress_v_alice, regress_v_carol, regress_v_secops, regress_v_agent;
