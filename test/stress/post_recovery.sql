-- After a crash and restart: one full cycle on a fresh key still works (require -> pending,
-- approve -> approved, require -> approved with the same id, require again -> a new pending),
-- then ROLLBACK, so the stress tables are left as recovery made them. Prints one line: t or f, detail.
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
SELECT outcome AS o1, request_id AS id1
  FROM approval_gate_require(stress_ws(99), 'stress_op', '{"post_recovery": true}') \gset
SET LOCAL ROLE stress_alice;
SET LOCAL approval_gate.actor = 'alice';
SELECT approval_gate_approve(:'id1') AS o2 \gset
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
SELECT outcome AS o3, request_id AS id3
  FROM approval_gate_require(stress_ws(99), 'stress_op', '{"post_recovery": true}') \gset
SELECT outcome AS o4, request_id AS id4
  FROM approval_gate_require(stress_ws(99), 'stress_op', '{"post_recovery": true}') \gset
SELECT :'o1' = 'pending' AND :'o2' = 'approved' AND :'o3' = 'approved' AND :'id3' = :'id1'
       AND :'o4' = 'pending' AND :'id4' <> :'id1',
       format('require %s, approve %s, require %s (same id: %s), require again %s', :'o1', :'o2', :'o3',
              :'id3' = :'id1', :'o4');
ROLLBACK;
