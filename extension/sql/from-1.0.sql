-- ---------------------------------------------------------------------------------------------
-- 1.0 -> 1.1: the 1.0 tables brought to their 1.1 shape, keeping every row.
-- Requests and votes keep their recorded identities: what 1.0 recorded as the actor (the setting
-- approval_gate.actor, else the login) becomes the principal.
-- ---------------------------------------------------------------------------------------------

-- Row level security is gone from the base tables: with it, pg_dump by a database owner who is not a
-- superuser fails. Approvers read through the views instead (see objects.sql).
DROP POLICY approval_gate_requests_visible ON @extschema@.approval_gate_requests;
DROP POLICY approval_gate_votes_visible ON @extschema@.approval_gate_votes;
DROP POLICY approval_gate_events_visible ON @extschema@.approval_gate_events;
ALTER TABLE @extschema@.approval_gate_requests DISABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.approval_gate_votes DISABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.approval_gate_events DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON @extschema@.approval_gate_requests, @extschema@.approval_gate_votes,
                 @extschema@.approval_gate_events FROM approval_gate_approver;
DROP VIEW @extschema@.approval_gate_pending;
DROP VIEW @extschema@.approval_gate_protected_tables;
DROP FUNCTION @extschema@.approval_gate_can_see(uuid, text, uuid);

-- Policies: who may consume; the seeded rows become built-in defaults (new-in-1.1.sql) where 1.0
-- left them as seeded, so that dump and restore never collide with them.
ALTER TABLE @extschema@.approval_gate_policies ADD COLUMN consumable_by_any boolean NOT NULL DEFAULT false;
DELETE FROM @extschema@.approval_gate_policies
 WHERE workspace_id IS NULL
   AND action IN ('delete_workspace', 'deprovision_workspace', 'secret_write', 'org_token_mint')
   AND gated AND required_approvals = 1 AND approver_role = 'approval_gate_approver' AND pending_ttl IS NULL
   AND approval_ttl = interval '1 day' AND deny_cooldown = interval '10 minutes' AND NOT allow_self_approval;
DROP FUNCTION @extschema@.approval_gate_set_policy(text, uuid, boolean, integer, name, interval, interval, interval,
                                                   boolean);

-- One pending request per key and principal (recreated in new-in-1.1.sql).
DROP INDEX @extschema@.approval_gate_requests_one_pending;

-- Votes: one per principal. 1.0 counted roles; its actor column is the vote's principal.
ALTER TABLE @extschema@.approval_gate_votes RENAME COLUMN actor TO principal;
ALTER TABLE @extschema@.approval_gate_votes DROP CONSTRAINT approval_gate_votes_pkey;
ALTER TABLE @extschema@.approval_gate_votes ADD PRIMARY KEY (request_id, principal, voter_role);

-- Events: the principal, hashed into every event written from now on; NULL for 1.0 events, whose
-- hashes stay as 1.0 computed them. New events chain onto the 1.0 chain heads.
ALTER TABLE @extschema@.approval_gate_events ADD COLUMN principal text;

