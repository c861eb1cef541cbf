-- diagnostic, no target: the ungated scenario's statement with the call taken out (the same argument
-- expressions, a three-column row); its ratio to SELECT 1 is the ceiling the statement's shape puts on
-- the ungated ratio, before the gate costs anything
\set w random(1, 1000)
SELECT lpad(to_hex(:w::int), 32, '0')::uuid AS workspace_id, 'read_thing'::text AS action, '{}'::jsonb AS context;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
