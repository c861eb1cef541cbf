-- One batch of the consume floor's supply (sql/consume_floor.sql): approved requests :lo..:hi in
-- bench.floor_requests, id lpad(to_hex(n), 32, '0')::uuid, as sql/supply.sql makes them for the extension
-- (1024 workspaces, a 64-hex-digit hash).
\set ON_ERROR_STOP on
INSERT INTO bench.floor_requests (id, workspace_id, action, context, request_hash, requested_by, requested_role,
                                  status, required_approvals, created_at, decided_at, decided_by, approved_until)
SELECT lpad(to_hex(n), 32, '0')::uuid, lpad(to_hex(n % 1024), 32, '0')::uuid, 'bench_consume',
       jsonb_build_object('k', n), encode(sha256(n::text::bytea), 'hex'), 'bench_agent', 'bench_agent',
       'approved', 1, now(), now(), 'bench_alice', now() + interval '7 days'
  FROM generate_series(:lo::bigint, :hi::bigint) n;
