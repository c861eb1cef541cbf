-- approval_gate 1.0: every object lives in @extschema@ and carries the approval_gate_ prefix.
\echo Use "CREATE EXTENSION approval_gate" to load this file. \quit

-- Scripts run with the caller's search_path; pin it so nothing planted earlier on it is used here.
SELECT pg_catalog.set_config('search_path', '@extschema@, pg_catalog, pg_temp', true);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'approval_gate_approver') THEN
        CREATE ROLE approval_gate_approver NOLOGIN;
    END IF;
END
$$;

CREATE TYPE @extschema@.approval_gate_decision AS (
    outcome      text,
    request_id   uuid,
    request_hash text
);

-- The closed vocabularies are domains, not table CHECK constraints: the executor re-reads and re-plans a
-- table's CHECK expressions from their stored text each time a statement starts, which made up a sixth
-- of a consumption; a domain's check is prepared once per backend in the type cache.
CREATE DOMAIN @extschema@.approval_gate_status AS text
    CHECK (VALUE IN ('pending', 'approved', 'consumed', 'denied', 'withdrawn', 'expired'));
CREATE DOMAIN @extschema@.approval_gate_event_kind AS text
    CHECK (VALUE IN ('requested', 'escalated', 'vote', 'approved', 'denied', 'withdrawn', 'expired', 'consumed'));
CREATE DOMAIN @extschema@.approval_gate_vote_decision AS text CHECK (VALUE IN ('approve', 'deny'));

CREATE TABLE @extschema@.approval_gate_policies (
    action              text     NOT NULL CHECK (action <> '' AND octet_length(action) <= 128),
    workspace_id        uuid,
    gated               boolean  NOT NULL DEFAULT true,
    required_approvals  integer  NOT NULL DEFAULT 1 CHECK (required_approvals BETWEEN 1 AND 100),
    approver_role       name     NOT NULL DEFAULT 'approval_gate_approver',
    pending_ttl         interval CHECK (pending_ttl > interval '0'),
    approval_ttl        interval NOT NULL DEFAULT interval '1 day' CHECK (approval_ttl > interval '0'),
    deny_cooldown       interval NOT NULL DEFAULT interval '10 minutes' CHECK (deny_cooldown >= interval '0'),
    allow_self_approval boolean  NOT NULL DEFAULT false,
    CONSTRAINT approval_gate_policies_key UNIQUE NULLS NOT DISTINCT (action, workspace_id)
);

CREATE TABLE @extschema@.approval_gate_workspaces (
    workspace_id uuid PRIMARY KEY,
    parent_id    uuid NOT NULL CHECK (parent_id <> workspace_id)
);

CREATE TABLE @extschema@.approval_gate_requests (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid        NOT NULL,
    action             text        NOT NULL,
    context            jsonb       NOT NULL,
    -- 64 lowercase hex digits, always computed by the extension; not re-checked by a regex CHECK,
    -- which costs more than everything else a consumption does to this row. COLLATE "C": its three
    -- indexes then compare bytes, not locale collation keys.
    request_hash       text        COLLATE "C" NOT NULL,
    reason             text,
    requested_by       text        NOT NULL,
    requested_role     name        NOT NULL,
    status             @extschema@.approval_gate_status NOT NULL DEFAULT 'pending',
    required_approvals integer     NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz,
    decided_at         timestamptz,
    decided_by         text,
    decision_note      text,
    approved_until     timestamptz,
    consumed_at        timestamptz,
    escalated_to       uuid
);
-- The dedup rule itself: at most one pending request per (workspace, action, hash).
CREATE UNIQUE INDEX approval_gate_requests_one_pending
    ON @extschema@.approval_gate_requests (workspace_id, action, request_hash) WHERE status = 'pending';
-- The live requests of a key (what require and consume look at first), however long the history.
CREATE INDEX approval_gate_requests_live
    ON @extschema@.approval_gate_requests (request_hash) WHERE status IN ('pending', 'approved');
-- Keep the sweep in approval_gate_expire() proportional to what is due, not to history.
CREATE INDEX approval_gate_requests_pending_deadline
    ON @extschema@.approval_gate_requests (expires_at) WHERE status = 'pending';
CREATE INDEX approval_gate_requests_approval_deadline
    ON @extschema@.approval_gate_requests (approved_until) WHERE status = 'approved';
CREATE INDEX approval_gate_requests_latest
    ON @extschema@.approval_gate_requests (request_hash, created_at DESC);

CREATE TABLE @extschema@.approval_gate_votes (
    request_id uuid        NOT NULL REFERENCES @extschema@.approval_gate_requests (id),
    voter_role name        NOT NULL,
    actor      text        NOT NULL,
    decision   @extschema@.approval_gate_vote_decision NOT NULL,
    note       text,
    voted_at   timestamptz NOT NULL,
    PRIMARY KEY (request_id, voter_role)
);

CREATE TABLE @extschema@.approval_gate_events (
    workspace_id    uuid        NOT NULL,
    seq             bigint      NOT NULL,
    request_id      uuid,
    action          text        NOT NULL,
    event           @extschema@.approval_gate_event_kind NOT NULL,
    status          text,
    actor           text        NOT NULL,
    actor_role      name        NOT NULL,
    to_workspace_id uuid,
    at              timestamptz NOT NULL,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX approval_gate_events_request ON @extschema@.approval_gate_events (request_id);

-- One row per workspace chain: its row lock serialises appends to that chain only. It carries the
-- newest event's seq and hash, so an append reads nothing but the head.
CREATE TABLE @extschema@.approval_gate_event_heads (
    workspace_id uuid   PRIMARY KEY,
    seq          bigint NOT NULL,
    hash         text   NOT NULL
);

-- Every pruning of the audit log, kept forever: verification resumes from the anchor hash.
CREATE TABLE @extschema@.approval_gate_event_prunes (
    workspace_id   uuid        NOT NULL,
    through_seq    bigint      NOT NULL,
    anchor_hash    text        NOT NULL,
    events_removed bigint      NOT NULL,
    pruned_by      text        NOT NULL,
    pruned_role    name        NOT NULL,
    pruned_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, through_seq)
);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_prunes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_policies', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_workspaces', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_requests', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_votes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_events', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_heads', '');

INSERT INTO @extschema@.approval_gate_policies (action) VALUES
    ('delete_workspace'), ('deprovision_workspace'), ('secret_write'), ('org_token_mint');

-- ---------------------------------------------------------------------------------------------
-- Functions. Every function runs its SQL with search_path = pg_catalog, pg_temp, and the C code
-- schema-qualifies every name. The hot entry points (require, consume and the two pure ones) pin
-- it in C, only around the SQL they run, so that an ungated call never pays for a GUC change; the
-- others pin it with a SET clause.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.approval_gate_require(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', reason text DEFAULT NULL, sealed bytea DEFAULT NULL)
RETURNS @extschema@.approval_gate_decision
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'approval_gate_require';

CREATE FUNCTION @extschema@.approval_gate_consume(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', sealed bytea DEFAULT NULL,
    missing_ok boolean DEFAULT false)
RETURNS uuid
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'approval_gate_consume';

CREATE FUNCTION @extschema@.approval_gate_approve(request_id uuid, note text DEFAULT NULL)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_approve';

CREATE FUNCTION @extschema@.approval_gate_deny(request_id uuid, note text DEFAULT NULL)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_deny';

CREATE FUNCTION @extschema@.approval_gate_withdraw(request_id uuid)
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_withdraw';

CREATE FUNCTION @extschema@.approval_gate_expire()
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_expire';

CREATE FUNCTION @extschema@.approval_gate_request_hash(
    workspace_id uuid, action text, context jsonb DEFAULT '{}', sealed bytea DEFAULT NULL)
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'approval_gate_request_hash';

CREATE FUNCTION @extschema@.approval_gate_canonical_json(jsonb)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'approval_gate_canonical_json';

CREATE FUNCTION @extschema@.approval_gate_set_policy(
    action text, workspace_id uuid DEFAULT NULL, gated boolean DEFAULT true, required_approvals integer DEFAULT 1,
    approver_role name DEFAULT 'approval_gate_approver', pending_ttl interval DEFAULT NULL,
    approval_ttl interval DEFAULT '1 day', deny_cooldown interval DEFAULT '10 minutes',
    allow_self_approval boolean DEFAULT false)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_set_policy';

CREATE FUNCTION @extschema@.approval_gate_drop_policy(action text, workspace_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_drop_policy';

CREATE FUNCTION @extschema@.approval_gate_is_gated(workspace_id uuid, action text)
RETURNS boolean
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_is_gated';

CREATE FUNCTION @extschema@.approval_gate_set_parent(workspace_id uuid, parent_id uuid)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_set_parent';

CREATE FUNCTION @extschema@.approval_gate_verify_events(workspace_id uuid DEFAULT NULL)
RETURNS TABLE (workspace_id uuid, seq bigint, problem text)
LANGUAGE c STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_verify_events';

CREATE FUNCTION @extschema@.approval_gate_prune_events(workspace_id uuid, through_seq bigint)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_prune_events';

-- Internal: trigger functions.
CREATE FUNCTION @extschema@.approval_gate_policies_changed()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_policies_changed';

CREATE FUNCTION @extschema@.approval_gate_refuse_change()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_refuse_change';

-- Backends cache policies; any change to the table tells every backend to drop its cache at commit.
CREATE TRIGGER approval_gate_policies_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.approval_gate_policies
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_policies_changed();

-- The audit log is append-only, even for the table owner.
CREATE TRIGGER approval_gate_events_append_only
    BEFORE UPDATE OR DELETE ON @extschema@.approval_gate_events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE TRIGGER approval_gate_events_no_truncate
    BEFORE TRUNCATE ON @extschema@.approval_gate_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE TRIGGER approval_gate_event_prunes_append_only
    BEFORE UPDATE OR DELETE ON @extschema@.approval_gate_event_prunes
    FOR EACH ROW EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();
CREATE TRIGGER approval_gate_event_prunes_no_truncate
    BEFORE TRUNCATE ON @extschema@.approval_gate_event_prunes
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.approval_gate_refuse_change();

-- ---------------------------------------------------------------------------------------------
-- Views for approvers.
-- ---------------------------------------------------------------------------------------------
-- ---------------------------------------------------------------------------------------------
-- Who sees what: a role reads the requests, votes and events of the (workspace, action) pairs
-- whose policy names an approver role it is a member of (or of the escalation target's policy).
-- The owner and superusers bypass these policies; the API functions run as the owner.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.approval_gate_can_see(workspace_id uuid, action text, escalated_to uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT EXISTS (
        SELECT 1
          FROM (VALUES ($1), ($3)) AS w(id)
          CROSS JOIN LATERAL (
                SELECT p.approver_role FROM @extschema@.approval_gate_policies p
                 WHERE p.action = $2 AND (p.workspace_id = w.id OR p.workspace_id IS NULL)
                 ORDER BY p.workspace_id NULLS LAST LIMIT 1) AS p
          JOIN pg_catalog.pg_roles r ON r.rolname = p.approver_role
         WHERE w.id IS NOT NULL AND pg_catalog.pg_has_role(r.oid, 'MEMBER'))
$fn$;

ALTER TABLE @extschema@.approval_gate_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.approval_gate_votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.approval_gate_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY approval_gate_requests_visible ON @extschema@.approval_gate_requests FOR SELECT
    USING (@extschema@.approval_gate_can_see(workspace_id, action, escalated_to));
CREATE POLICY approval_gate_votes_visible ON @extschema@.approval_gate_votes FOR SELECT
    USING (EXISTS (SELECT 1 FROM @extschema@.approval_gate_requests r WHERE r.id = request_id));
CREATE POLICY approval_gate_events_visible ON @extschema@.approval_gate_events FOR SELECT
    USING (EXISTS (SELECT 1 FROM @extschema@.approval_gate_requests r WHERE r.id = request_id));

CREATE VIEW @extschema@.approval_gate_pending WITH (security_barrier, security_invoker) AS
SELECT r.id, r.workspace_id, r.action, r.context, r.request_hash, r.reason, r.requested_by,
       r.required_approvals, r.created_at, r.expires_at, r.escalated_to,
       coalesce(v.approvals, 0) AS approvals,
       coalesce(v.voters, '{}') AS voters
FROM @extschema@.approval_gate_requests r
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE decision = 'approve')::int AS approvals,
           array_agg(voter_role ORDER BY voted_at) AS voters
    FROM @extschema@.approval_gate_votes WHERE request_id = r.id
) v ON true
WHERE r.status = 'pending' AND (r.expires_at IS NULL OR r.expires_at > statement_timestamp());

-- ---------------------------------------------------------------------------------------------
-- Privileges: nobody but the owner writes; the API decides who may do what.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON @extschema@.approval_gate_policies, @extschema@.approval_gate_workspaces,
              @extschema@.approval_gate_requests, @extschema@.approval_gate_votes,
              @extschema@.approval_gate_events, @extschema@.approval_gate_event_heads,
              @extschema@.approval_gate_event_prunes,
              @extschema@.approval_gate_pending FROM PUBLIC;
GRANT SELECT ON @extschema@.approval_gate_pending, @extschema@.approval_gate_requests,
                @extschema@.approval_gate_votes, @extschema@.approval_gate_events,
                @extschema@.approval_gate_policies, @extschema@.approval_gate_workspaces
    TO approval_gate_approver;

REVOKE ALL ON FUNCTION
    @extschema@.approval_gate_set_policy(text, uuid, boolean, integer, name, interval, interval, interval, boolean),
    @extschema@.approval_gate_drop_policy(text, uuid),
    @extschema@.approval_gate_set_parent(uuid, uuid),
    @extschema@.approval_gate_expire(),
    @extschema@.approval_gate_verify_events(uuid),
    @extschema@.approval_gate_prune_events(uuid, bigint),
    @extschema@.approval_gate_policies_changed(),
    @extschema@.approval_gate_refuse_change()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.approval_gate_expire(), @extschema@.approval_gate_verify_events(uuid)
    TO approval_gate_approver;

-- ---------------------------------------------------------------------------------------------
-- Protected tables: the gate enforced on the data itself (see approval_gate_protect).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE @extschema@.approval_gate_protected (
    target           regclass    PRIMARY KEY,
    action           text        NOT NULL,
    workspace_column name        NOT NULL,
    key_columns      name[]      NOT NULL,
    operations       text[]      NOT NULL,
    gated_roles      name[],
    protected_by     text        NOT NULL,
    protected_at     timestamptz NOT NULL DEFAULT statement_timestamp()
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_protected', '');

CREATE FUNCTION @extschema@.approval_gate_protect(
    target regclass, action text, workspace_column name, key_columns name[] DEFAULT NULL,
    operations text[] DEFAULT '{DELETE}', gated_roles name[] DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_protect';

CREATE FUNCTION @extschema@.approval_gate_unprotect(target regclass)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_unprotect';

CREATE FUNCTION @extschema@.approval_gate_row_context(target regclass, row_key jsonb)
RETURNS jsonb
LANGUAGE c STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_row_context';

CREATE FUNCTION @extschema@.approval_gate_protect_trigger()
RETURNS trigger
LANGUAGE c
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'approval_gate_protect_trigger';

CREATE VIEW @extschema@.approval_gate_protected_tables AS
SELECT p.target, p.action, p.workspace_column, p.key_columns, p.operations, p.gated_roles,
       p.protected_by, p.protected_at
FROM @extschema@.approval_gate_protected p
WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.target);

REVOKE ALL ON @extschema@.approval_gate_protected FROM PUBLIC;
GRANT SELECT ON @extschema@.approval_gate_protected_tables TO PUBLIC;
GRANT SELECT ON @extschema@.approval_gate_protected TO approval_gate_approver;
