-- One batch of pre-approved requests: keys :lo..:hi with k % 2 = :part (so that two sessions never
-- append to the same workspace's audit chain), requested by bench_agent and approved by bench_alice.
-- :fn is approval_gate (the extension) or plpgsql_gate (the baseline).
\set ON_ERROR_STOP on
SET SESSION AUTHORIZATION bench_agent;
SELECT coalesce(array_agg(r.request_id)::text, '{}') AS ids
  FROM generate_series(:lo, :hi) k,
       LATERAL :require(lpad(to_hex(k % 1024), 32, '0')::uuid, 'bench_consume', jsonb_build_object('k', k)) r
 WHERE k % 2 = :part AND r.outcome = 'pending' \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION bench_alice;
SELECT count(*) FILTER (WHERE a = 'approved') AS approved, count(*) AS total
  FROM unnest(:'ids'::uuid[]) id, LATERAL :approve(id) a;
