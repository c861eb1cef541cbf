-- Diagnostic, no target: what scripts/floor_consume.sql writes to. Copies of the request and audit
-- tables with the same columns, defaults and indexes, and :rows approved requests whose id is
-- lpad(to_hex(n), 32, '0')::uuid. Only in bench_empty; no extension code ever touches them.
\set ON_ERROR_STOP on
CREATE TABLE bench.floor_requests (LIKE approval_gate_requests INCLUDING ALL);
CREATE TABLE bench.floor_events (LIKE approval_gate_events INCLUDING ALL);
CREATE SEQUENCE bench.floor_key;
CREATE SEQUENCE bench.floor_seq;
INSERT INTO bench.floor_requests (id, workspace_id, action, context, request_hash, requested_by, requested_role,
                                  status, required_approvals, created_at, decided_at, decided_by, approved_until)
SELECT lpad(to_hex(n), 32, '0')::uuid, lpad(to_hex(n % 1024), 32, '0')::uuid, 'bench_consume',
       jsonb_build_object('k', n), encode(sha256(n::text::bytea), 'hex'), 'bench_agent', 'bench_agent',
       'approved', 1, now(), now(), 'bench_alice', now() + interval '7 days'
  FROM generate_series(1, :rows) n;
VACUUM ANALYZE bench.floor_requests;
GRANT SELECT, UPDATE ON bench.floor_requests TO bench_agent;
GRANT INSERT ON bench.floor_events TO bench_agent;
GRANT USAGE ON SEQUENCE bench.floor_key, bench.floor_seq TO bench_agent;
