-- target 1: UPDATE by primary key on bench.docs_plain, the unprotected twin of bench.docs
-- (the same columns, index and rows)
\set id random(1, 10000)
UPDATE bench.docs_plain SET n = n + 1 WHERE id = :id;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
