-- approval_gate: consume of a pre-approved request over 1024 workspaces; each transaction takes the next
-- key of the supply (sql/supply.sql), so every call finds one approval of its own to consume
SELECT r.* FROM (SELECT nextval('bench.consume_seq')::int AS k OFFSET 0) s,
       LATERAL approval_gate_require(lpad(to_hex(s.k % 1024), 32, '0')::uuid, 'bench_consume', jsonb_build_object('k', s.k)) r;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
