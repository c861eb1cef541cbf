-- baseline: the floor of a round trip
SELECT 1;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
