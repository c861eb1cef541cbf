-- application-side design, replayed statement by statement: the agent polling one of 1000 pending requests.
-- The application computes the hash itself; here it is a precomputed stand-in (lpad of the key), so the
-- replay does not pay for hashing at all.
\set k random(1, 1000)
BEGIN;
UPDATE plpgsql_gate.requests r SET status = 'consumed', consumed_at = now()
 WHERE r.id = (SELECT c.id FROM plpgsql_gate.requests c
                WHERE c.request_hash = lpad(:k::text, 64, '0') AND c.workspace_id = lpad(to_hex(:k::int), 32, '0')::uuid
                  AND c.action = 'app_dedup' AND c.status = 'approved' AND c.approved_until > now()
                ORDER BY c.decided_at LIMIT 1 FOR UPDATE SKIP LOCKED)
   AND r.status = 'approved'
RETURNING r.id;
SELECT id, expires_at FROM plpgsql_gate.requests
 WHERE workspace_id = lpad(to_hex(:k::int), 32, '0')::uuid AND action = 'app_dedup' AND request_hash = lpad(:k::text, 64, '0')
   AND status = 'pending';
INSERT INTO plpgsql_gate.requests (workspace_id, action, context, request_hash, requested_by, requested_role,
                                   required_approvals, created_at)
VALUES (lpad(to_hex(:k::int), 32, '0')::uuid, 'app_dedup', jsonb_build_object('k', :k::int), lpad(:k::text, 64, '0'), 'app', current_user,
        1, now())
ON CONFLICT (workspace_id, action, request_hash) WHERE status = 'pending' DO NOTHING
RETURNING id;
SELECT parent_id FROM plpgsql_gate.workspaces WHERE workspace_id = lpad(to_hex(:k::int), 32, '0')::uuid;
COMMIT;
-- pgbench takes the clock lazily: without a meta-command after the last statement a fast transaction can be
-- logged with latency 0 (its time billed to the next one). This one makes it read the clock.
\set done 1
