-- PL/pgSQL baseline: the full cycle in one transaction (require -> approve -> require), in one workspace
\set k random(1, 100000) + 1000000 * :client_id
BEGIN;
SELECT request_id AS rid FROM plpgsql_gate.require(lpad(to_hex(1048576), 32, '0')::uuid, 'bench_cycle', jsonb_build_object('k', :k::int)) \gset
SELECT plpgsql_gate.approve(:rid::uuid);
SELECT * FROM plpgsql_gate.require(lpad(to_hex(1048576), 32, '0')::uuid, 'bench_cycle', jsonb_build_object('k', :k::int));
COMMIT;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
