-- baseline of target 5: one INSERT of a pending request row into bench.new_requests, which has
-- approval_gate_requests' columns, defaults and indexes (copied from pg_indexes). The id grows, as the
-- extension's time-ordered ids do; the hash is two md5s, 64 hex digits spread like a real hash.
INSERT INTO bench.new_requests (id, workspace_id, action, context, request_hash, requested_by, requested_role,
                                required_approvals, created_at)
SELECT lpad(to_hex(s.k), 32, '0')::uuid, lpad(to_hex(s.k % 1024), 32, '0')::uuid, 'bench_new', jsonb_build_object('k', s.k),
       md5(s.k::text) || md5(s.k::text || '.'), current_user, current_user, 1, now()
  FROM (SELECT nextval('bench.insert_seq') AS k) s;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
