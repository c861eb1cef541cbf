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

-- Without an audit key anyone can recompute a SHA-256 link (README, The audit log), so a forger can
-- rewrite the newest event, or add one, with hashes that chain. The chain head, which records the
-- newest event's seq and hash, catches both.
CREATE FUNCTION pg_temp.link_hash(e approval_gate_events, forged_actor text) RETURNS text LANGUAGE sql AS $$
    SELECT encode(sha256(convert_to(approval_gate_canonical_json(jsonb_build_object(
        'action', e.action, 'actor', forged_actor, 'actor_role', e.actor_role::text,
        'at', ((extract(epoch FROM e.at) - extract(epoch FROM timestamptz '2000-01-01 00:00:00+00')) * 1000000)::bigint::text,
        'event', e.event::text, 'prev_hash', e.prev_hash, 'request_id', e.request_id::text, 'seq', e.seq::text,
        'status', e.status, 'to_workspace_id', e.to_workspace_id::text, 'workspace_id', e.workspace_id::text)), 'UTF8')), 'hex')
$$;
-- The recomputation is the README's definition: it reproduces every stored hash.
SELECT bool_and(pg_temp.link_hash(e, e.actor) = e.hash) AS recomputed_hashes_match FROM approval_gate_events e;
CREATE TEMP TABLE saved_b AS SELECT * FROM approval_gate_events WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b';
SET session_replication_role = replica;
UPDATE approval_gate_events e SET actor = 'forged', hash = pg_temp.link_hash(e, 'forged')
 WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b';
SELECT * FROM approval_gate_verify_events('b0000000-0000-0000-0000-00000000000b');
DELETE FROM approval_gate_events WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b';
INSERT INTO approval_gate_events SELECT * FROM saved_b;
INSERT INTO approval_gate_events
SELECT workspace_id, seq + 1, request_id, action, event, status, 'forged', actor_role, to_workspace_id, at, hash, hash
  FROM saved_b;
UPDATE approval_gate_events e SET hash = pg_temp.link_hash(e, 'forged')
 WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b' AND seq = 2;
SELECT * FROM approval_gate_verify_events('b0000000-0000-0000-0000-00000000000b');
DELETE FROM approval_gate_events WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b' AND seq = 2;
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
