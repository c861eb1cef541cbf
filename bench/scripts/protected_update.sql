-- target 1: UPDATE by primary key on bench.docs, protected by approval_gate_protect (DELETE and UPDATE,
-- gated_roles bench_gated), run by a role that is not gated (bench_agent, or the superuser): its rows queue nothing
\set id random(1, 10000)
UPDATE bench.docs SET n = n + 1 WHERE id = :id;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
