-- approval_gate: consume of a pre-approved request, every key in one workspace (target 3: what
-- serialises per workspace shows here and not over 1024 workspaces)
SELECT r.* FROM (SELECT nextval('bench.consume1_seq')::int AS k OFFSET 0) s,
       LATERAL approval_gate_require(lpad(to_hex(1048576), 32, '0')::uuid, 'bench_consume1', jsonb_build_object('k', s.k)) r;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
