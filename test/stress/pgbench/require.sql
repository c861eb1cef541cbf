-- agent: approval_gate_require at top level (no subtransaction), outcome logged by the same statement
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
WITH d AS (SELECT * FROM approval_gate_require(stress_ws(:w), 'stress_op', stress_ctx(:c)))
INSERT INTO stress_log (kind, key, outcome, request_id, run, client, n)
SELECT 'require', stress_key(:w, :c), d.outcome, d.request_id, :run, :client_id, :n FROM d;
COMMIT;
