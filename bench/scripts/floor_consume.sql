-- diagnostic, no target: the least a consumption must write under the gate's contract, as one SQL
-- statement on look-alike tables (sql/consume_floor.sql): the request's status change (never a HOT
-- update: the status is in partial-index predicates), one audit row, one NOTIFY. No lookup by hash,
-- no hashing, no audit chain, no checks. Its ratio to UPDATE by pk is what these writes alone reach when
-- made the plain SQL way, whatever code makes them.
WITH consumed AS (
    UPDATE bench.floor_requests SET status = 'consumed', consumed_at = now()
     WHERE id = (SELECT lpad(to_hex(nextval('bench.floor_key')), 32, '0')::uuid)
    RETURNING id, workspace_id, action),
audited AS (
    INSERT INTO bench.floor_events
    SELECT workspace_id, nextval('bench.floor_seq'), id, action, 'consumed', 'consumed', 'bench_agent', 'bench_agent',
           NULL, now(), repeat('0', 64), repeat('0', 64)
      FROM consumed)
SELECT pg_notify('approval_gate', json_build_object('event', 'consumed', 'request_id', id,
                                                    'workspace_id', workspace_id, 'action', action)::text), id
  FROM consumed;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
