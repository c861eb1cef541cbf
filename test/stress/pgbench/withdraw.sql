-- agent: require, and withdraw the pending request it gets back
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_agent;
SET LOCAL approval_gate.actor = 'agent';
SELECT stress_withdraw(:w, :c, :run, :client_id, :n);
COMMIT;
