-- ---------------------------------------------------------------------------------------------
-- Objects new in 1.1, created alike by a fresh install and by the upgrade from 1.0.
-- ---------------------------------------------------------------------------------------------

-- At most one pending request per key and principal: a retry finds its own, and an approval one
-- principal asked for is never another's to use.
CREATE UNIQUE INDEX approval_gate_requests_one_pending
    ON @extschema@.approval_gate_requests (workspace_id, action, request_hash, requested_by)
    WHERE status = 'pending';

-- The built-in defaults: the four actions every install gates. They are part of the extension, not of
-- its data, so pg_dump leaves them out and a restore never collides with them. A row of the same
-- action in approval_gate_policies overrides its built-in default.
CREATE TABLE @extschema@.approval_gate_builtin_policies (
    action              text     PRIMARY KEY,
    gated               boolean  NOT NULL,
    required_approvals  integer  NOT NULL,
    approver_role       name     NOT NULL,
    pending_ttl         interval,
    approval_ttl        interval NOT NULL,
    deny_cooldown       interval NOT NULL,
    allow_self_approval boolean  NOT NULL,
    consumable_by_any   boolean  NOT NULL
);
INSERT INTO @extschema@.approval_gate_builtin_policies
SELECT a, true, 1, 'approval_gate_approver', NULL, interval '1 day', interval '10 minutes', false, false
  FROM unnest(ARRAY['delete_workspace', 'deprovision_workspace', 'secret_write', 'org_token_mint']) AS a;

-- The audit outbox: every transition's event, queued in the caller's transaction, until sealing
-- appends it to its workspace's chain in approval_gate_events and takes it off here. Sealing follows
-- the id: an event that depends on another (a vote on a request) is made after that one committed,
-- so it always draws a larger number, whichever backend makes it.
CREATE SEQUENCE @extschema@.approval_gate_event_queue_id_seq;
CREATE TABLE @extschema@.approval_gate_event_queue (
    id              bigint      PRIMARY KEY DEFAULT nextval('@extschema@.approval_gate_event_queue_id_seq'),
    workspace_id    uuid        NOT NULL,
    request_id      uuid,
    action          text        NOT NULL,
    event           @extschema@.approval_gate_event_kind NOT NULL,
    status          text,
    actor           text        NOT NULL,
    actor_role      name        NOT NULL,
    principal       text        NOT NULL,
    to_workspace_id uuid,
    at              timestamptz NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_queue', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_event_queue_id_seq', '');
-- A dump keeps only protections of tables that exist and outlive a session: a dropped table's row
-- names a bare OID, which a restore would bind to whatever relation later takes it, and a temporary
-- table's row names a pg_temp_N schema that no restore can resolve, failing the whole COPY.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.approval_gate_protected',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) target'
    ' AND c.relpersistence OPERATOR(pg_catalog.<>) ''t'')');

