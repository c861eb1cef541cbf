-- baseline: the floor of a committed write
\set id random(1, 1000)
UPDATE bench.counters SET n = n + 1 WHERE id = :id RETURNING n;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
