-- sealer: appends queued audit events to their chains while the others write (as a sealing worker
-- does); the chains must verify afterwards, whatever it interleaved with
\set w random(1, 8)
\set c random(1, 2)
\set n :n + 1
BEGIN;
INSERT INTO stress_log (kind, outcome, run, client, n)
SELECT 'seal', approval_gate_seal_events()::text, :run, :client_id, :n;
COMMIT;
