-- alice: sweep expired requests and approvals (w7, w8 have short TTLs)
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
SET LOCAL ROLE stress_alice;
SET LOCAL approval_gate.actor = 'alice';
WITH e AS (SELECT approval_gate_expire() AS k)
INSERT INTO stress_log (kind, outcome, run, client, n) SELECT 'expire', e.k::text, :run, :client_id, :n FROM e;
COMMIT;
