-- The audit log: append-only, hash-chained per workspace, optionally keyed, prunable only through
-- the logged maintenance function.
SET client_min_messages = warning;
CREATE ROLE regress_a_alice IN ROLE approval_gate_approver;
SELECT approval_gate_set_policy('a_op', allow_self_approval => true);
-- Five events in workspace A (requested, vote, approved, consumed, requested), one in workspace B.
SELECT (approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op')).outcome,
       approval_gate_approve((approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op')).request_id),
       (approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op')).outcome AS consumed,
       (approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op')).outcome AS replay,
       (approval_gate_require('b0000000-0000-0000-0000-00000000000b', 'a_op')).outcome AS other_workspace;
SELECT workspace_id, seq, event, prev_hash = lag(hash) OVER w AS linked
  FROM approval_gate_events WHERE action = 'a_op'
WINDOW w AS (PARTITION BY workspace_id ORDER BY seq) ORDER BY workspace_id, seq;
SELECT * FROM approval_gate_verify_events();

-- Append-only, even for a superuser who owns the table.
SELECT sql_error($$UPDATE approval_gate_events SET actor = 'someone else' WHERE action = 'a_op'$$);
SELECT sql_error($$DELETE FROM approval_gate_events WHERE action = 'a_op'$$);
SELECT sql_error($$TRUNCATE approval_gate_events$$);

-- Tampering that bypasses the triggers is found: a changed event, a removed middle event, a removed tail.
SET session_replication_role = replica;
UPDATE approval_gate_events SET actor = 'forged' WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
SELECT * FROM approval_gate_verify_events();
UPDATE approval_gate_events SET actor = 'postgres' WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
SELECT count(*) AS broken_after_restore FROM approval_gate_verify_events();
CREATE TEMP TABLE saved AS SELECT * FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a';
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 3;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
INSERT INTO approval_gate_events SELECT * FROM saved WHERE seq = 3;
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 5;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
INSERT INTO approval_gate_events SELECT * FROM saved WHERE seq = 5;
-- Restored exactly, the chain verifies again.
RESET session_replication_role;
SELECT count(*) AS broken FROM approval_gate_verify_events();

-- With approval_gate.audit_key set, new links are HMACs: the key is needed to verify them.
SET approval_gate.audit_key = 'k3y';
SELECT (approval_gate_require('c0000000-0000-0000-0000-00000000000c', 'a_op')).outcome;
SELECT * FROM approval_gate_verify_events('c0000000-0000-0000-0000-00000000000c');
SET approval_gate.audit_key = 'another key';
SELECT problem FROM approval_gate_verify_events('c0000000-0000-0000-0000-00000000000c');
RESET approval_gate.audit_key;
SELECT problem FROM approval_gate_verify_events('c0000000-0000-0000-0000-00000000000c');
SET approval_gate.audit_key = 'k3y';
SELECT count(*) AS broken_with_right_key FROM approval_gate_verify_events('c0000000-0000-0000-0000-00000000000c');
RESET approval_gate.audit_key;
-- Only a superuser may set or read the key.
SET ROLE regress_a_alice;
SELECT sql_error($$SET approval_gate.audit_key = 'mine'$$);
SELECT sql_error($$SHOW approval_gate.audit_key$$);
RESET ROLE;

-- Pruning: only through the maintenance function, by the owner, logged, and verification resumes.
SET ROLE regress_a_alice;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 2)$$);
RESET ROLE;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 5)$$);
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 0)$$);
SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 2) AS removed;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 1)$$);
SELECT seq, event FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' ORDER BY seq;
SELECT workspace_id, through_seq, events_removed, pruned_by FROM approval_gate_event_prunes;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
-- The chain goes on after pruning.
SELECT (approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op', '{"after": "prune"}')).outcome;
SELECT count(*) AS broken FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
-- The prune log is append-only too.
SELECT sql_error($$DELETE FROM approval_gate_event_prunes$$);
SELECT sql_error($$UPDATE approval_gate_event_prunes SET through_seq = 0$$);
SELECT sql_error($$TRUNCATE approval_gate_event_prunes$$);

SELECT approval_gate_drop_policy('a_op');
DROP ROLE regress_a_alice;
