-- The audit log: queued in the caller's transaction, sealed into per-workspace hash chains, append-only,
-- optionally keyed, prunable only through the logged maintenance function, anchored by digests.
SET client_min_messages = warning;
CREATE ROLE regress_a_alice IN ROLE approval_gate_approver;
SELECT approval_gate_set_policy('a_op', allow_self_approval => true);
-- Whatever the files before this one left queued is sealed first, so the counts below are this file's.
SELECT approval_gate_seal_events() >= 0 AS earlier_events_sealed;
-- Five events in workspace A (requested, vote, approved, consumed, requested), one in workspace B.
-- One call per statement: within a statement, repeated calls return the first decision (13_hot_paths).
-- One transaction, so that a sealer worker (shared_preload_libraries) cannot seal them before the
-- queue is looked at: it only ever sees committed events.
BEGIN;
SELECT outcome, request_id AS a_id FROM approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op') \gset
SELECT :'outcome' AS outcome, approval_gate_approve(:'a_id') AS approve;
SELECT outcome AS consumed FROM approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op');
SELECT outcome AS replay FROM approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op');
SELECT outcome AS other_workspace FROM approval_gate_require('b0000000-0000-0000-0000-00000000000b', 'a_op');

-- The events wait in the queue, in the order they were made, until sealed.
SELECT workspace_id, event FROM approval_gate_event_queue WHERE action = 'a_op' ORDER BY id;
SELECT count(*) AS sealed_before FROM approval_gate_events WHERE action = 'a_op';
SELECT workspace_id, seq, problem FROM approval_gate_verify_events() WHERE workspace_id::text ~ '^[ab]0'
 ORDER BY workspace_id;
-- Sealing is the extension owner's (or a superuser's) to run, and a rolled-back seal leaves the queue.
SET SESSION AUTHORIZATION regress_a_alice;
SELECT sql_error('SELECT approval_gate_seal_events()') AS alice_seals;
RESET SESSION AUTHORIZATION;
SAVEPOINT before_seal;
SELECT approval_gate_seal_events() AS sealed_then_rolled_back;
ROLLBACK TO SAVEPOINT before_seal;
SELECT count(*) AS still_queued FROM approval_gate_event_queue WHERE action = 'a_op';
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT approval_gate_seal_events() AS sealed_again;
COMMIT;
SELECT workspace_id, seq, event, prev_hash = lag(hash) OVER w AS linked
  FROM approval_gate_events WHERE action = 'a_op'
WINDOW w AS (PARTITION BY workspace_id ORDER BY seq) ORDER BY workspace_id, seq;
SELECT workspace_id, seq FROM approval_gate_event_heads WHERE workspace_id::text ~ '^[ab]0' ORDER BY 1;
SELECT * FROM approval_gate_verify_events();

-- Append-only, even for a superuser who owns the table.
SELECT sql_error($$UPDATE approval_gate_events SET actor = 'someone else' WHERE action = 'a_op'$$);
SELECT sql_error($$DELETE FROM approval_gate_events WHERE action = 'a_op'$$);
SELECT sql_error($$TRUNCATE approval_gate_events$$);

-- Tampering that bypasses the triggers is found: a changed event, a removed middle event, a removed tail.
SET session_replication_role = replica;
UPDATE approval_gate_events SET actor = 'forged' WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
SELECT * FROM approval_gate_verify_events();
UPDATE approval_gate_events SET actor = current_user WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
SELECT count(*) AS broken_after_restore FROM approval_gate_verify_events();
UPDATE approval_gate_events SET principal = 'forged' WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
SELECT * FROM approval_gate_verify_events();
UPDATE approval_gate_events SET principal = current_user WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 2;
CREATE TEMP TABLE saved AS SELECT * FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a';
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 3;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
INSERT INTO approval_gate_events SELECT * FROM saved WHERE seq = 3;
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 5;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
INSERT INTO approval_gate_events SELECT * FROM saved WHERE seq = 5;
-- Reordered: two events swap places, each keeping its hash.
UPDATE approval_gate_events SET seq = -seq WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq IN (2, 3);
UPDATE approval_gate_events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END
 WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq IN (-2, -3);
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
UPDATE approval_gate_events SET seq = -seq WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq IN (2, 3);
UPDATE approval_gate_events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END
 WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq IN (-2, -3);
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
        'status', e.status, 'to_workspace_id', e.to_workspace_id::text, 'workspace_id', e.workspace_id::text)
        || CASE WHEN e.principal IS NULL THEN '{}' ELSE jsonb_build_object('principal', e.principal) END), 'UTF8')),
        'hex')
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
SELECT workspace_id, seq + 1, request_id, action, event, status, 'forged', actor_role, to_workspace_id, at, hash, hash,
       principal
  FROM saved_b;
UPDATE approval_gate_events e SET hash = pg_temp.link_hash(e, 'forged')
 WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b' AND seq = 2;
SELECT * FROM approval_gate_verify_events('b0000000-0000-0000-0000-00000000000b');
DELETE FROM approval_gate_events WHERE workspace_id = 'b0000000-0000-0000-0000-00000000000b' AND seq = 2;
RESET session_replication_role;
SELECT count(*) AS broken FROM approval_gate_verify_events();

-- The tail's anchor outside the database: a digest taken now catches a later, fully consistent
-- rewind of a chain (event and head removed together, which verify alone cannot see).
SELECT approval_gate_digest() AS digest \gset
SELECT jsonb_array_length(:'digest'::jsonb -> 'chains') >= 2 AS chains_listed,
       (:'digest'::jsonb ->> 'digest') = encode(sha256(convert_to(approval_gate_canonical_json(:'digest'::jsonb -> 'chains'), 'UTF8')), 'hex')
           AS digest_recomputable;
SELECT * FROM approval_gate_verify_events(:'digest'::jsonb);
SET session_replication_role = replica;
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq = 5;
UPDATE approval_gate_event_heads h SET seq = 4, hash = e.hash FROM approval_gate_events e
 WHERE h.workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND e.workspace_id = h.workspace_id AND e.seq = 4;
RESET session_replication_role;
SELECT count(*) AS verify_alone_sees FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
SELECT * FROM approval_gate_verify_events(:'digest'::jsonb);
-- A chain that went on after the rewind with another event 5 diverges from the digest.
SELECT outcome FROM approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op', '{"after": "rewind"}');
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT * FROM approval_gate_verify_events(:'digest'::jsonb);
-- A digest whose own hash was edited, and one that is not a digest.
SELECT * FROM approval_gate_verify_events(jsonb_set(:'digest'::jsonb, '{digest}', '"00"'));
SELECT sql_error($$SELECT * FROM approval_gate_verify_events('{"x": 1}'::jsonb)$$) AS not_a_digest;
-- Put the rewound event back (its hash is still in saved) and the head: intact again.
SET session_replication_role = replica;
DELETE FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND seq >= 5;
INSERT INTO approval_gate_events SELECT * FROM saved WHERE seq = 5;
UPDATE approval_gate_event_heads h SET seq = 5, hash = s.hash FROM saved s
 WHERE h.workspace_id = 'a0000000-0000-0000-0000-00000000000a' AND s.seq = 5;
RESET session_replication_role;
SELECT count(*) AS broken FROM approval_gate_verify_events();
SELECT count(*) AS behind_digest FROM approval_gate_verify_events(:'digest'::jsonb);
-- Who may take and check digests.
SET SESSION AUTHORIZATION regress_a_alice;
SELECT sql_error('SELECT approval_gate_digest()') AS alice_takes_digest;
SELECT count(*) AS alice_checks_digest FROM approval_gate_verify_events(:'digest'::jsonb);
RESET SESSION AUTHORIZATION;

-- The HMAC key lives in the file named by approval_gate.audit_key_file (test/security covers keyed
-- chains, which need the server's configuration).
-- Only a superuser reads where the key is; the old setting that held the key itself is refused.
SET SESSION AUTHORIZATION regress_a_alice;
SELECT sql_error($$SHOW approval_gate.audit_key_file$$) AS alice_shows_key_file;
SELECT sql_error($$SET approval_gate.audit_key = 'mine'$$) AS alice_sets_old_key;
RESET SESSION AUTHORIZATION;
SELECT sql_error($$SET approval_gate.audit_key = 'k3y'$$) AS superuser_sets_old_key;

-- Pruning: only through the maintenance function, by the owner, logged, and verification resumes.
SET SESSION AUTHORIZATION regress_a_alice;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 2)$$);
RESET SESSION AUTHORIZATION;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 5)$$);
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 0)$$);
SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 2) AS removed;
SELECT sql_error($$SELECT approval_gate_prune_events('a0000000-0000-0000-0000-00000000000a', 1)$$);
SELECT seq, event FROM approval_gate_events WHERE workspace_id = 'a0000000-0000-0000-0000-00000000000a' ORDER BY seq;
SELECT workspace_id, through_seq, events_removed, pruned_by = current_user AS pruned_by_me FROM approval_gate_event_prunes;
SELECT * FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
-- The chain goes on after pruning.
SELECT outcome FROM approval_gate_require('a0000000-0000-0000-0000-00000000000a', 'a_op', '{"after": "prune"}');
SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT count(*) AS broken FROM approval_gate_verify_events('a0000000-0000-0000-0000-00000000000a');
-- The prune log is append-only too.
SELECT sql_error($$DELETE FROM approval_gate_event_prunes$$);
SELECT sql_error($$UPDATE approval_gate_event_prunes SET through_seq = 0$$);
SELECT sql_error($$TRUNCATE approval_gate_event_prunes$$);

SELECT approval_gate_drop_policy('a_op');
DROP ROLE regress_a_alice;
