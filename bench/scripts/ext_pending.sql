-- approval_gate: a new pending request, a key never asked before (1024 workspaces): the request row and
-- its 'requested' event in the queue
SELECT r.* FROM (SELECT nextval('bench.pending_seq')::int AS k OFFSET 0) s,
       LATERAL approval_gate_require(lpad(to_hex(s.k % 1024), 32, '0')::uuid, 'bench_new', jsonb_build_object('k', s.k)) r;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
