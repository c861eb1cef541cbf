-- approval_gate: ungated passthrough ('read_thing' has no policy), 1000 workspaces
\set w random(1, 1000)
SELECT * FROM approval_gate_require(lpad(to_hex(:w::int), 32, '0')::uuid, 'read_thing', '{}');
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
