-- ---------------------------------------------------------------------------------------------
-- Roles, functions, views, privileges and triggers: defined here once, and run alike by a fresh
-- install and by the upgrade from 1.0 (every statement is a create-or-replace or a grant).
-- ---------------------------------------------------------------------------------------------

-- approval_gate_approver: its members decide requests whose policy names it (the default).
-- approval_gate_proxy: sessions whose login is a member act for approval_gate.actor (a connection pool,
-- an authenticator); see doc/approval_gate.md, Trust model.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'approval_gate_approver') THEN
        CREATE ROLE approval_gate_approver NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'approval_gate_proxy') THEN
        CREATE ROLE approval_gate_proxy NOLOGIN;
    END IF;
END
$roles$;

-- None of the functions is SECURITY DEFINER: each decides the caller's identity first, then runs its
-- fixed statements as the extension owner (see doc/approval_gate.md, Trust model). The hot ones pin
-- search_path in C, only around the SQL they run; the others with a SET clause.

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_require(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', reason text DEFAULT NULL, sealed bytea DEFAULT NULL)
RETURNS @extschema@.approval_gate_decision
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'approval_gate_require';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_consume(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', sealed bytea DEFAULT NULL,
    missing_ok boolean DEFAULT false)
RETURNS uuid
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'approval_gate_consume';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_approve(request_id uuid, note text DEFAULT NULL)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_approve';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_deny(request_id uuid, note text DEFAULT NULL)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_deny';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_withdraw(request_id uuid)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_withdraw';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_expire()
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_expire';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_request_hash(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', sealed bytea DEFAULT NULL)
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'approval_gate_request_hash';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_canonical_json(jsonb)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'approval_gate_canonical_json';

-- Who this session counts as: its login, or for a trusted proxy the actor it set.
CREATE OR REPLACE FUNCTION @extschema@.approval_gate_principal()
RETURNS text
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'approval_gate_principal';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_set_policy(
    action text, workspace_id uuid DEFAULT NULL, gated boolean DEFAULT true, required_approvals integer DEFAULT 1,
    approver_role name DEFAULT 'approval_gate_approver', pending_ttl interval DEFAULT NULL,
    approval_ttl interval DEFAULT '1 day', deny_cooldown interval DEFAULT '10 minutes',
    allow_self_approval boolean DEFAULT false, consumable_by_any boolean DEFAULT false)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_set_policy';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_drop_policy(action text, workspace_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_drop_policy';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_is_gated(workspace_id uuid, action text)
RETURNS boolean
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_is_gated';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_set_parent(workspace_id uuid, parent_id uuid)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_set_parent';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_verify_events(workspace_id uuid DEFAULT NULL)
RETURNS TABLE (workspace_id uuid, seq bigint, problem text)
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_verify_events';

-- Every chain that is behind a digest taken earlier, or diverges from it.
CREATE OR REPLACE FUNCTION @extschema@.approval_gate_verify_events(digest jsonb)
RETURNS TABLE (workspace_id uuid, seq bigint, problem text)
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_verify_events_digest';

-- An untyped argument (a string literal, NULL, a driver's untyped parameter) would fit both of the
-- above; PostgreSQL prefers this one for it: a JSON object is read as a digest, anything else as a
-- workspace id, NULL as every chain, as 1.0 read it.
CREATE OR REPLACE FUNCTION @extschema@.approval_gate_verify_events(workspace_or_digest text)
RETURNS TABLE (workspace_id uuid, seq bigint, problem text)
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_verify_events_text';

-- Every chain head and one hash over them all: store it outside the database.
CREATE OR REPLACE FUNCTION @extschema@.approval_gate_digest()
RETURNS jsonb
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_digest';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_seal_events()
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_seal_events';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_prune_events(workspace_id uuid, through_seq bigint)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_prune_events';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_protect(
    target regclass, action text, workspace_column name, key_columns name[] DEFAULT NULL,
    operations text[] DEFAULT '{DELETE}', gated_roles name[] DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_protect';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_unprotect(target regclass)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_unprotect';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_row_context(target regclass, row_key jsonb)
RETURNS jsonb
LANGUAGE c STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_row_context';

-- The WHEN condition of a protected table's row trigger: evaluated per row as the role running the DML.
CREATE OR REPLACE FUNCTION @extschema@.approval_gate_caller_gated(roles name[])
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'approval_gate_caller_gated';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_protect_trigger()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'approval_gate_protect_trigger';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_policies_changed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_policies_changed';

CREATE OR REPLACE FUNCTION @extschema@.approval_gate_refuse_change()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_refuse_change';

-- Backends cache policies; any change to the table tells every backend to drop its cache at commit.
CREATE OR REPLACE TRIGGER approval_gate_policies_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.approval_gate_policies
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_policies_changed();

-- The sealed audit log is append-only, even for the table owner.
CREATE OR REPLACE TRIGGER approval_gate_events_append_only
    BEFORE UPDATE OR DELETE ON @extschema@.approval_gate_events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE OR REPLACE TRIGGER approval_gate_events_no_truncate
    BEFORE TRUNCATE ON @extschema@.approval_gate_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE OR REPLACE TRIGGER approval_gate_event_prunes_append_only
    BEFORE UPDATE OR DELETE ON @extschema@.approval_gate_event_prunes
    FOR EACH ROW EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE OR REPLACE TRIGGER approval_gate_event_prunes_no_truncate
    BEFORE TRUNCATE ON @extschema@.approval_gate_event_prunes
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();

-- ---------------------------------------------------------------------------------------------
-- Views: what each role may read. They run with the owner's rights on the tables and filter rows for
-- the caller: a request is visible to the principal that made it, and to members of the approver
-- role of its workspace's policy for its action, or of its escalation target's policy.
-- security_barrier: a caller's own conditions never see a row before the visibility test does.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW @extschema@.approval_gate_visible_requests WITH (security_barrier) AS
SELECT r.*
  FROM @extschema@.approval_gate_requests r
 WHERE r.requested_by = @extschema@.approval_gate_principal()
    OR EXISTS (
        SELECT FROM (VALUES (r.workspace_id), (r.escalated_to)) AS w(id)
         CROSS JOIN LATERAL (
               SELECT c.approver_role
                 FROM (SELECT p.approver_role, 1 AS rank FROM @extschema@.approval_gate_policies p
                        WHERE p.action = r.action AND p.workspace_id = w.id
                       UNION ALL
                       SELECT p.approver_role, 2 FROM @extschema@.approval_gate_policies p
                        WHERE p.action = r.action AND p.workspace_id IS NULL
                       UNION ALL
                       SELECT b.approver_role, 3 FROM @extschema@.approval_gate_builtin_policies b
                        WHERE b.action = r.action) c
                ORDER BY c.rank LIMIT 1) AS policy
         JOIN pg_catalog.pg_roles approver ON approver.rolname = policy.approver_role
        WHERE w.id IS NOT NULL AND pg_catalog.pg_has_role(approver.oid, 'MEMBER'));

CREATE OR REPLACE VIEW @extschema@.approval_gate_visible_votes WITH (security_barrier) AS
SELECT v.*
  FROM @extschema@.approval_gate_votes v
 WHERE EXISTS (SELECT FROM @extschema@.approval_gate_visible_requests r WHERE r.id = v.request_id);

-- Sealed events, and those still queued for sealing (seq, prev_hash and hash NULL).
CREATE OR REPLACE VIEW @extschema@.approval_gate_visible_events WITH (security_barrier) AS
SELECT e.workspace_id, e.seq, e.request_id, e.action, e.event, e.status, e.actor, e.actor_role, e.principal,
       e.to_workspace_id, e.at, e.prev_hash, e.hash
  FROM @extschema@.approval_gate_events e
 WHERE EXISTS (SELECT FROM @extschema@.approval_gate_visible_requests r WHERE r.id = e.request_id)
UNION ALL
SELECT q.workspace_id, NULL, q.request_id, q.action, q.event, q.status, q.actor, q.actor_role, q.principal,
       q.to_workspace_id, q.at, NULL, NULL
  FROM @extschema@.approval_gate_event_queue q
 WHERE EXISTS (SELECT FROM @extschema@.approval_gate_visible_requests r WHERE r.id = q.request_id);

-- Pending, unexpired requests the caller may see, with the distinct principals that approved so far.
CREATE OR REPLACE VIEW @extschema@.approval_gate_pending WITH (security_barrier) AS
SELECT r.id, r.workspace_id, r.action, r.context, r.request_hash, r.reason, r.requested_by,
       r.required_approvals, r.created_at, r.expires_at, r.escalated_to,
       coalesce(v.approvals, 0) AS approvals,
       coalesce(v.voters, '{}') AS voters
  FROM @extschema@.approval_gate_visible_requests r
  LEFT JOIN LATERAL (
        SELECT count(DISTINCT principal) FILTER (WHERE decision = 'approve')::int AS approvals,
               array_agg(principal ORDER BY voted_at) AS voters
          FROM @extschema@.approval_gate_votes WHERE request_id = r.id) v ON true
 WHERE r.status = 'pending' AND (r.expires_at IS NULL OR r.expires_at > statement_timestamp());

CREATE OR REPLACE VIEW @extschema@.approval_gate_protected_tables AS
SELECT p.target, p.action, p.workspace_column, p.key_columns, p.operations, p.gated_roles,
       p.protected_by, p.protected_at
  FROM @extschema@.approval_gate_protected p
 WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = p.target);

-- ---------------------------------------------------------------------------------------------
-- Privileges: nobody but the owner writes; the functions decide who may do what.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON @extschema@.approval_gate_policies, @extschema@.approval_gate_builtin_policies,
              @extschema@.approval_gate_workspaces, @extschema@.approval_gate_requests,
              @extschema@.approval_gate_votes, @extschema@.approval_gate_events,
              @extschema@.approval_gate_event_queue, @extschema@.approval_gate_event_heads,
              @extschema@.approval_gate_event_prunes, @extschema@.approval_gate_protected FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.approval_gate_event_queue_id_seq FROM PUBLIC;
REVOKE ALL ON @extschema@.approval_gate_visible_requests, @extschema@.approval_gate_visible_votes,
              @extschema@.approval_gate_visible_events, @extschema@.approval_gate_pending,
              @extschema@.approval_gate_protected_tables FROM PUBLIC;
-- The views filter rows for whoever reads them.
GRANT SELECT ON @extschema@.approval_gate_visible_requests, @extschema@.approval_gate_visible_votes,
                @extschema@.approval_gate_visible_events, @extschema@.approval_gate_pending,
                @extschema@.approval_gate_protected_tables TO PUBLIC;
GRANT SELECT ON @extschema@.approval_gate_policies, @extschema@.approval_gate_builtin_policies,
                @extschema@.approval_gate_workspaces, @extschema@.approval_gate_protected
    TO approval_gate_approver;

REVOKE ALL ON FUNCTION
    @extschema@.approval_gate_set_policy(text, uuid, boolean, integer, name, interval, interval, interval, boolean,
                                         boolean),
    @extschema@.approval_gate_drop_policy(text, uuid),
    @extschema@.approval_gate_set_parent(uuid, uuid),
    @extschema@.approval_gate_expire(),
    @extschema@.approval_gate_verify_events(uuid),
    @extschema@.approval_gate_verify_events(jsonb),
    @extschema@.approval_gate_verify_events(text),
    @extschema@.approval_gate_digest(),
    @extschema@.approval_gate_seal_events(),
    @extschema@.approval_gate_prune_events(uuid, bigint),
    @extschema@.approval_gate_policies_changed(),
    @extschema@.approval_gate_refuse_change()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.approval_gate_expire(), @extschema@.approval_gate_verify_events(uuid),
                          @extschema@.approval_gate_verify_events(jsonb), @extschema@.approval_gate_verify_events(text)
    TO approval_gate_approver;

-- The database owner may read every table the extension's data lives in, so that pg_dump run by
-- that owner (not a superuser) succeeds. A new owner after ALTER DATABASE ... OWNER needs the same grant.
DO $dump$
DECLARE
    owner name;
BEGIN
    SELECT r.rolname INTO owner
      FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba
     WHERE d.datname = pg_catalog.current_database() AND NOT r.rolsuper;
    IF owner IS NOT NULL THEN
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON @extschema@.approval_gate_policies, @extschema@.approval_gate_workspaces,'
            ' @extschema@.approval_gate_requests, @extschema@.approval_gate_votes, @extschema@.approval_gate_events,'
            ' @extschema@.approval_gate_event_queue, @extschema@.approval_gate_event_heads,'
            ' @extschema@.approval_gate_event_prunes, @extschema@.approval_gate_protected TO %I', owner);
        EXECUTE pg_catalog.format('GRANT SELECT ON SEQUENCE @extschema@.approval_gate_event_queue_id_seq TO %I', owner);
    END IF;
END
$dump$;
