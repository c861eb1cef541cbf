-- :rows historical requests (consumed 60%, denied 20%, expired 20%), all older than a day, inserted
-- directly as superuser. 90% have hashes of their own; 5% sit on the very keys the dedup scenario polls
-- and 5% on the keys the cycle scenario uses (in its one workspace, for up to 16 clients), so the indexes
-- those lookups walk carry history too.
\set ON_ERROR_STOP on
INSERT INTO approval_gate_requests
       (workspace_id, action, context, request_hash, requested_by, requested_role, status, required_approvals,
        created_at, expires_at, decided_at, decided_by, approved_until, consumed_at)
SELECT h.ws, h.action, h.ctx, h.hash, 'history', 'bench_agent', st.status, 1,
       h.at, CASE WHEN st.status = 'expired' THEN h.at + interval '1 hour' END,
       CASE WHEN st.status <> 'expired' THEN h.at + interval '1 minute' END,
       CASE WHEN st.status <> 'expired' THEN 'bench_alice' END,
       CASE WHEN st.status = 'consumed' THEN h.at + interval '1 day 1 minute' END,
       CASE WHEN st.status = 'consumed' THEN h.at + interval '2 minutes' END
  FROM generate_series(1, :rows) i
 CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 < 6 THEN 'consumed' WHEN i % 10 < 8 THEN 'denied'
                                 ELSE 'expired' END AS status) st
 CROSS JOIN LATERAL (
        SELECT now() - interval '1 day' - i * interval '1 second' AS at,
               CASE WHEN i % 20 = 0 THEN lpad(to_hex(i / 20 % 1000 + 1), 32, '0')::uuid
                    WHEN i % 20 = 1 THEN lpad(to_hex(1048576), 32, '0')::uuid
                    ELSE lpad(to_hex(i % 1024), 32, '0')::uuid END AS ws,
               CASE WHEN i % 20 = 0 THEN 'bench_dedup' WHEN i % 20 = 1 THEN 'bench_cycle'
                    ELSE (ARRAY['bench_consume', 'bench_hot', 'delete_workspace', 'secret_write'])[i % 4 + 1] END AS action,
               CASE WHEN i % 20 = 0 THEN jsonb_build_object('k', i / 20 % 1000 + 1)
                    WHEN i % 20 = 1 THEN jsonb_build_object('k', i / 20 % 100000 + 1 + 1000000 * (i / 20 % 16))
                    ELSE jsonb_build_object('i', i) END AS ctx,
               CASE WHEN i % 20 >= 2 THEN encode(sha256(i::text::bytea), 'hex') END AS raw_hash
       ) h0
 CROSS JOIN LATERAL (
        SELECT h0.at, h0.ws, h0.action, h0.ctx,
               coalesce(h0.raw_hash, approval_gate_request_hash(h0.ws, h0.action, h0.ctx)) AS hash) h;
