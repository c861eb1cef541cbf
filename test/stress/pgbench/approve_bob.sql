-- bob (approver): approve the pending request of a random key; 55000/P0002 races are logged
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_bob;
SET LOCAL approval_gate.actor = 'bob';
SELECT stress_decide(true, :w, :c, :run, :client_id, :n);
COMMIT;
