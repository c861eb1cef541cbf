-- approval_gate: the human side of the contended scenario, approving whatever is pending on a hot key
\set k random(1, 10)
SELECT approval_gate_approve(id) FROM approval_gate_requests
 WHERE workspace_id = lpad(to_hex(:k::int + 1000000), 32, '0')::uuid AND action = 'bench_hot' AND status = 'pending';
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
