-- consume floor (target 2): the writes a consumption must make, as one SQL statement on look-alike
-- tables (sql/consume_floor.sql): the request's status change (never a HOT update: the status is in
-- partial-index predicates) and its event in the queue. No lookup by hash, no hashing, no row lock
-- before the update, no checks, and no sealer behind it. Its ratio to UPDATE by pk is what these writes
-- alone reach, whatever code makes them.
WITH consumed AS (
    UPDATE bench.floor_requests SET status = 'consumed', consumed_at = now()
     WHERE id = (SELECT lpad(to_hex(nextval('bench.floor_key')), 32, '0')::uuid)
    RETURNING id, workspace_id, action)
INSERT INTO bench.floor_queue (workspace_id, request_id, action, event, status, actor, actor_role, principal, to_workspace_id, at)
SELECT workspace_id, id, action, 'consumed', 'consumed', 'bench_agent', 'bench_agent', 'bench_agent', NULL, now()
  FROM consumed
RETURNING request_id;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
