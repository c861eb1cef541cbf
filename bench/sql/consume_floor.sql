-- The consume floor (target 2): what scripts/floor_consume.sql writes to. Copies of the request table
-- and of the event queue with the same columns, defaults and indexes (bench.clone_table, setup.sql);
-- sql/floor_supply.sql fills the first. Only in bench_empty; no extension code ever touches them (no
-- trigger, no sealer: the floor's queue is never drained).
\set ON_ERROR_STOP on
CALL bench.clone_table('approval_gate_requests', 'floor_requests');
CALL bench.clone_table('approval_gate_event_queue', 'floor_queue');
-- Its own numbers, not the extension's sequence.
CREATE SEQUENCE bench.floor_queue_id_seq;
ALTER TABLE bench.floor_queue ALTER COLUMN id SET DEFAULT nextval('bench.floor_queue_id_seq');
CREATE SEQUENCE bench.floor_key;
GRANT SELECT, UPDATE ON bench.floor_requests TO bench_agent;
GRANT SELECT, INSERT ON bench.floor_queue TO bench_agent;
GRANT USAGE ON SEQUENCE bench.floor_key, bench.floor_queue_id_seq TO bench_agent;
