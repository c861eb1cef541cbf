-- approval_gate: contended consumption, many agents on 10 hot keys (10 workspaces)
\set k random(1, 10)
SELECT * FROM approval_gate_require(lpad(to_hex(:k::int + 1000000), 32, '0')::uuid, 'bench_hot', jsonb_build_object('k', :k::int));
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
