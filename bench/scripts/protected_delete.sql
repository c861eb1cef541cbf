-- target 1: DELETE by primary key on bench.docs, protected by approval_gate_protect (DELETE and UPDATE,
-- gated_roles bench_gated), run by a role that is not gated (bench_agent, or the superuser): its rows queue nothing.
-- The deleted row goes back in, in the same statement, so the table keeps its 10,000 rows: what is measured
-- is one DELETE and one INSERT by primary key
\set id random(1, 10000)
WITH d AS (DELETE FROM bench.docs WHERE id = :id RETURNING *) INSERT INTO bench.docs SELECT * FROM d;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
