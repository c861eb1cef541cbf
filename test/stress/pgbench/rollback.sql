-- agent: require and consume, then ROLLBACK: nothing may stay consumed or created
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
SELECT * FROM approval_gate_require(stress_ws(:w), 'stress_op', stress_ctx(:c));
SELECT approval_gate_consume(stress_ws(:w), 'stress_op', stress_ctx(:c), missing_ok => true);
ROLLBACK;
