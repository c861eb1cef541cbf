-- One batch of approved requests for a consume scenario: keys :lo..:hi of action :action, key k in
-- workspace lpad(to_hex(k % :modulus + :base), 32, '0') (1024 workspaces: modulus 1024, base 0; the one
-- workspace: modulus 1, base 1048576), context {"k": k}, requested by bench_agent, approved by
-- bench_alice until a week from now.
--
-- Inserted directly as superuser, as the rows approval_gate_require and approval_gate_approve leave
-- (the hash from approval_gate_request_hash, so approval_gate_require finds them): going through the API
-- makes about 6,000 a second here, and the default run consumes several hundred thousand. Consumption
-- reads only the request row; the supply's own requested/approved events and votes are not made.
-- The id grows with the key, as the API's time-ordered ids grow with time.
\set ON_ERROR_STOP on
INSERT INTO approval_gate_requests
       (id, workspace_id, action, context, request_hash, requested_by, requested_role, status, required_approvals,
        created_at, decided_at, decided_by, approved_until)
SELECT lpad(to_hex(k.n + :idbase), 32, '0')::uuid, k.ws, :'action', k.ctx,
       approval_gate_request_hash(k.ws, :'action', k.ctx), 'bench_agent', 'bench_agent', 'approved', 1,
       now(), now(), 'bench_alice', now() + interval '7 days'
  FROM (SELECT n, lpad(to_hex(n % :modulus + :base), 32, '0')::uuid AS ws, jsonb_build_object('k', n) AS ctx
          FROM generate_series(:lo::bigint, :hi::bigint) n) k;
