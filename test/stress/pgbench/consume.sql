-- agent: approval_gate_consume(missing_ok): 'approved' with the consumed id, or 'none'
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
WITH d AS (SELECT approval_gate_consume(stress_ws(:w), 'stress_op', stress_ctx(:c), missing_ok => true) AS id)
INSERT INTO stress_log (kind, key, outcome, request_id, run, client, n)
SELECT 'consume', stress_key(:w, :c), CASE WHEN d.id IS NULL THEN 'none' ELSE 'approved' END, d.id,
       :run, :client_id, :n FROM d;
COMMIT;
