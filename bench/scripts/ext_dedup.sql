-- approval_gate: pending dedup retry, the agent polling one of 1000 pre-created pending requests
\set k random(1, 1000)
SELECT * FROM approval_gate_require(lpad(to_hex(:k::int), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', :k::int));
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
