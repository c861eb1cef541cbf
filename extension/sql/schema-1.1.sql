-- ---------------------------------------------------------------------------------------------
-- Tables, as a fresh 1.1 install creates them. An upgraded 1.0 database reaches the same shape
-- through from-1.0.sql; test/upgrade compares the two from the catalogs.
-- ---------------------------------------------------------------------------------------------
CREATE TYPE @extschema@.approval_gate_decision AS (
    outcome      text,
    request_id   uuid,
    request_hash text
);

-- The closed vocabularies are domains, not table CHECK constraints: the executor re-reads and re-plans a
-- table's CHECK expressions from their stored text each time a statement starts; a domain's check is
-- prepared once per backend in the type cache.
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
    CONSTRAINT approval_gate_policies_key UNIQUE NULLS NOT DISTINCT (action, workspace_id),
    consumable_by_any   boolean  NOT NULL DEFAULT false
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
    -- 64 lowercase hex digits, always computed by the extension. COLLATE "C": its indexes then
    -- compare bytes, not locale collation keys.
    request_hash       text        COLLATE "C" NOT NULL,
    reason             text,
    requested_by       text        NOT NULL,   -- the requesting principal
    requested_role     name        NOT NULL,
    status             @extschema@.approval_gate_status NOT NULL DEFAULT 'pending',
    required_approvals integer     NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz,
    decided_at         timestamptz,
    decided_by         text,                   -- the deciding principal
    decision_note      text,
    approved_until     timestamptz,
    consumed_at        timestamptz,
    escalated_to       uuid
);
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

-- A vote is one principal's; its role is the one it decided with. One vote per principal is kept by
-- the functions, which decide a request only while holding its row lock (a 1.0 database may hold two
-- votes of one actor through two roles, which 1.1 counts once).
CREATE TABLE @extschema@.approval_gate_votes (
    request_id uuid        NOT NULL REFERENCES @extschema@.approval_gate_requests (id),
    voter_role name        NOT NULL,
    principal  text        NOT NULL,
    decision   @extschema@.approval_gate_vote_decision NOT NULL,
    note       text,
    voted_at   timestamptz NOT NULL,
    PRIMARY KEY (request_id, principal, voter_role)
);

-- The sealed audit log: each workspace's events form a hash chain (seq, prev_hash, hash).
CREATE TABLE @extschema@.approval_gate_events (
    workspace_id    uuid        NOT NULL,
    seq             bigint      NOT NULL,
    request_id      uuid,
    action          text        NOT NULL,
    event           @extschema@.approval_gate_event_kind NOT NULL,
    status          text,
    actor           text        NOT NULL,   -- the login (session user) that made the call
    actor_role      name        NOT NULL,   -- the role in effect
    to_workspace_id uuid,
    at              timestamptz NOT NULL,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL,
    principal       text,                   -- who it counted as; NULL for events written by 1.0
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX approval_gate_events_request ON @extschema@.approval_gate_events (request_id);

-- One row per workspace chain: the newest sealed event's seq and hash.
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

SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_prunes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_policies', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_workspaces', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_requests', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_votes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_events', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_heads', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_protected', '');

