-- approval_gate: the full cycle in one transaction (require -> approve -> require), self-approval allowed,
-- every key in one workspace; keys are private to each client so two clients never decide the same request
\set k random(1, 100000) + 1000000 * :client_id
BEGIN;
SELECT request_id AS rid FROM approval_gate_require(lpad(to_hex(1048576), 32, '0')::uuid, 'bench_cycle', jsonb_build_object('k', :k::int)) \gset
SELECT approval_gate_approve(:rid::uuid);
SELECT * FROM approval_gate_require(lpad(to_hex(1048576), 32, '0')::uuid, 'bench_cycle', jsonb_build_object('k', :k::int));
COMMIT;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
