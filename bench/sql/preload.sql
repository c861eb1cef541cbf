-- Pending requests the dedup scenarios poll, created the way an agent would (as bench_agent).
\set ON_ERROR_STOP on
SET SESSION AUTHORIZATION bench_agent;
SELECT 'ext dedup keys pending' AS what, count(*) FROM generate_series(1, 1000) k,
       LATERAL approval_gate_require(lpad(to_hex(k), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', k)) r
 WHERE r.outcome = 'pending';
SELECT 'plpgsql dedup keys pending' AS what, count(*) FROM generate_series(1, 1000) k,
       LATERAL plpgsql_gate.require(lpad(to_hex(k), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', k)) r
 WHERE r.outcome = 'pending';
RESET SESSION AUTHORIZATION;
