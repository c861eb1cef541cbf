-- alice: deny the pending request of a random key
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_alice;
SET LOCAL approval_gate.actor = 'alice';
SELECT stress_decide(false, :w, :c, :run, :client_id, :n);
COMMIT;
