-- diagnostic, no target: the ungated scenario's statement calling a do-nothing C function of the same
-- signature and result (noop_require.c); its ratio to SELECT 1 is the most that any C function called
-- there reaches, before the gate's own work
\set w random(1, 1000)
SELECT * FROM bench.noop_require(lpad(to_hex(:w::int), 32, '0')::uuid, 'read_thing', '{}');
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
