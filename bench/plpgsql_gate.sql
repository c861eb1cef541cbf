-- plpgsql_gate: what a user would write instead of the extension.
--
-- The same require/consume semantics as approval_gate_require()/approval_gate_consume(), in plain
-- PL/pgSQL, with its own tables in its own schema. It is the "reasonable user" baseline of the
-- benchmark, not a hardened implementation: no privilege separation, no hash chain on the audit log,
-- and the hash is sha256 over jsonb::text (canonical-ish: jsonb sorts keys by length then bytes and
-- normalises whitespace, which is enough for a baseline) instead of RFC 8785.
--
-- Steps of plpgsql_gate.require(), in the extension's order:
--   1. policy lookup from a table (workspace row overrides the default row); none / not gated: not_gated
--   2. consume one approved, unexpired request: UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)
--   3. the pending row for the key is reused as is (nothing written)
--   4. the latest request denied less than deny_cooldown ago: denied
--   5. parent lookup, INSERT ... ON CONFLICT DO NOTHING on the unique partial index, events insert, NOTIFY

CREATE SCHEMA plpgsql_gate;

CREATE TYPE plpgsql_gate.decision AS (outcome text, request_id uuid, request_hash text);

CREATE TABLE plpgsql_gate.policies (
    action              text     NOT NULL,
    workspace_id        uuid,
    gated               boolean  NOT NULL DEFAULT true,
    required_approvals  integer  NOT NULL DEFAULT 1,
    approver_role       name     NOT NULL DEFAULT 'approval_gate_approver',
    pending_ttl         interval,
    approval_ttl        interval NOT NULL DEFAULT interval '1 day',
    deny_cooldown       interval NOT NULL DEFAULT interval '10 minutes',
    allow_self_approval boolean  NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (action, workspace_id)
);

CREATE TABLE plpgsql_gate.workspaces (
    workspace_id uuid PRIMARY KEY,
    parent_id    uuid NOT NULL
);

CREATE TABLE plpgsql_gate.requests (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid        NOT NULL,
    action             text        NOT NULL,
    context            jsonb       NOT NULL,
    request_hash       text        NOT NULL,
    reason             text,
    requested_by       text        NOT NULL,
    requested_role     name        NOT NULL,
    status             text        NOT NULL DEFAULT 'pending',
    required_approvals integer     NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz,
    decided_at         timestamptz,
    decided_by         text,
    approved_until     timestamptz,
    consumed_at        timestamptz,
    escalated_to       uuid
);
CREATE UNIQUE INDEX requests_one_pending
    ON plpgsql_gate.requests (workspace_id, action, request_hash) WHERE status = 'pending';
CREATE INDEX requests_consumable
    ON plpgsql_gate.requests (request_hash, decided_at) WHERE status = 'approved';
CREATE INDEX requests_latest
    ON plpgsql_gate.requests (request_hash, created_at DESC);

CREATE TABLE plpgsql_gate.events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid        NOT NULL,
    request_id   uuid,
    action       text        NOT NULL,
    event        text        NOT NULL,
    status       text,
    actor        text        NOT NULL,
    actor_role   name        NOT NULL,
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);

INSERT INTO plpgsql_gate.policies (action) VALUES
    ('delete_workspace'), ('deprovision_workspace'), ('secret_write'), ('org_token_mint');

CREATE FUNCTION plpgsql_gate.actor() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT coalesce(nullif(current_setting('approval_gate.actor', true), ''), session_user::text) $$;

CREATE FUNCTION plpgsql_gate.request_hash(p_workspace_id uuid, p_action text, p_context jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT encode(sha256(convert_to(
        jsonb_build_object('action', p_action, 'context', p_context, 'workspace_id', p_workspace_id)::text,
        'UTF8')), 'hex')
$$;

CREATE FUNCTION plpgsql_gate.consume_approved(p_workspace_id uuid, p_action text, p_hash text)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id uuid;
BEGIN
    UPDATE plpgsql_gate.requests r SET status = 'consumed', consumed_at = statement_timestamp()
     WHERE r.id = (SELECT c.id FROM plpgsql_gate.requests c
                    WHERE c.request_hash = p_hash AND c.workspace_id = p_workspace_id AND c.action = p_action
                      AND c.status = 'approved' AND c.approved_until > statement_timestamp()
                    ORDER BY c.decided_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       AND r.status = 'approved'
    RETURNING r.id INTO v_id;
    IF v_id IS NOT NULL THEN
        INSERT INTO plpgsql_gate.events (workspace_id, request_id, action, event, status, actor, actor_role)
        VALUES (p_workspace_id, v_id, p_action, 'consumed', 'consumed', plpgsql_gate.actor(), current_user);
        PERFORM pg_notify('plpgsql_gate', json_build_object('event', 'consumed', 'request_id', v_id)::text);
    END IF;
    RETURN v_id;
END
$$;

CREATE FUNCTION plpgsql_gate.require(p_workspace_id uuid, p_action text, p_context jsonb DEFAULT '{}',
                                     p_reason text DEFAULT NULL)
RETURNS plpgsql_gate.decision
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_policy  plpgsql_gate.policies;
    v_hash    text;
    v_id      uuid;
    v_expires timestamptz;
    v_status  text;
    v_decided timestamptz;
    v_parent  uuid;
    v_attempt int;
BEGIN
    IF p_workspace_id IS NULL OR p_action IS NULL OR p_context IS NULL THEN
        RAISE EXCEPTION 'workspace_id, action and context must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF p_action = '' OR octet_length(p_action) > 128 THEN
        RAISE EXCEPTION 'action must be between 1 and 128 bytes long' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(p_context) <> 'object' THEN
        RAISE EXCEPTION 'context must be a JSON object' USING ERRCODE = '22023';
    END IF;
    v_hash := plpgsql_gate.request_hash(p_workspace_id, p_action, p_context);

    SELECT * INTO v_policy FROM plpgsql_gate.policies
     WHERE action = p_action AND (workspace_id = p_workspace_id OR workspace_id IS NULL)
     ORDER BY workspace_id NULLS LAST LIMIT 1;
    IF NOT FOUND OR NOT v_policy.gated THEN
        RETURN ('not_gated'::text, NULL::uuid, v_hash);
    END IF;

    v_id := plpgsql_gate.consume_approved(p_workspace_id, p_action, v_hash);
    IF v_id IS NOT NULL THEN
        RETURN ('approved'::text, v_id, v_hash);
    END IF;

    FOR v_attempt IN 1..3 LOOP
        SELECT id, expires_at INTO v_id, v_expires FROM plpgsql_gate.requests
         WHERE workspace_id = p_workspace_id AND action = p_action AND request_hash = v_hash AND status = 'pending';
        IF FOUND THEN
            IF v_expires IS NULL OR v_expires > statement_timestamp() THEN
                RETURN ('pending'::text, v_id, v_hash);
            END IF;
            UPDATE plpgsql_gate.requests SET status = 'expired' WHERE id = v_id AND status = 'pending';
        ELSE
            SELECT id, status, decided_at INTO v_id, v_status, v_decided FROM plpgsql_gate.requests
             WHERE request_hash = v_hash AND workspace_id = p_workspace_id AND action = p_action
             ORDER BY created_at DESC LIMIT 1;
            IF FOUND AND v_status = 'denied' AND v_decided > statement_timestamp() - v_policy.deny_cooldown THEN
                RETURN ('denied'::text, v_id, v_hash);
            END IF;
        END IF;

        SELECT parent_id INTO v_parent FROM plpgsql_gate.workspaces WHERE workspace_id = p_workspace_id;
        INSERT INTO plpgsql_gate.requests AS r
               (workspace_id, action, context, request_hash, reason, requested_by, requested_role,
                required_approvals, created_at, expires_at, escalated_to)
        VALUES (p_workspace_id, p_action, p_context, v_hash, p_reason, plpgsql_gate.actor(), current_user,
                v_policy.required_approvals, clock_timestamp(), clock_timestamp() + v_policy.pending_ttl, v_parent)
        ON CONFLICT (workspace_id, action, request_hash) WHERE status = 'pending' DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NOT NULL THEN
            INSERT INTO plpgsql_gate.events (workspace_id, request_id, action, event, status, actor, actor_role)
            VALUES (p_workspace_id, v_id, p_action, 'requested', 'pending', plpgsql_gate.actor(), current_user);
            PERFORM pg_notify('plpgsql_gate', json_build_object('event', 'requested', 'request_id', v_id)::text);
            IF v_parent IS NOT NULL THEN
                INSERT INTO plpgsql_gate.events (workspace_id, request_id, action, event, status, actor, actor_role)
                VALUES (p_workspace_id, v_id, p_action, 'escalated', 'pending', plpgsql_gate.actor(), current_user);
            END IF;
            RETURN ('pending'::text, v_id, v_hash);
        END IF;
    END LOOP;
    RAISE EXCEPTION 'could not settle the pending request under concurrent changes' USING ERRCODE = '40001';
END
$$;

CREATE FUNCTION plpgsql_gate.consume(p_workspace_id uuid, p_action text, p_context jsonb DEFAULT '{}',
                                     p_missing_ok boolean DEFAULT false)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_gated boolean;
    v_id    uuid;
BEGIN
    SELECT gated INTO v_gated FROM plpgsql_gate.policies
     WHERE action = p_action AND (workspace_id = p_workspace_id OR workspace_id IS NULL)
     ORDER BY workspace_id NULLS LAST LIMIT 1;
    IF NOT FOUND OR NOT v_gated THEN
        RETURN NULL;
    END IF;
    v_id := plpgsql_gate.consume_approved(p_workspace_id, p_action,
                                          plpgsql_gate.request_hash(p_workspace_id, p_action, p_context));
    IF v_id IS NULL AND NOT p_missing_ok THEN
        RAISE EXCEPTION 'approval required for action "%" on workspace %', p_action, p_workspace_id
            USING ERRCODE = 'AG001';
    END IF;
    RETURN v_id;
END
$$;

-- Single-approver decision, enough to build the benchmark's supply and run its cycle.
CREATE FUNCTION plpgsql_gate.approve(p_request_id uuid)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_req    plpgsql_gate.requests;
    v_policy plpgsql_gate.policies;
BEGIN
    SELECT * INTO v_req FROM plpgsql_gate.requests WHERE id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'approval request % does not exist', p_request_id USING ERRCODE = 'P0002';
    END IF;
    IF v_req.status <> 'pending' THEN
        RAISE EXCEPTION 'approval request % is %, not pending', p_request_id, v_req.status USING ERRCODE = '55000';
    END IF;
    SELECT * INTO v_policy FROM plpgsql_gate.policies
     WHERE action = v_req.action AND (workspace_id = v_req.workspace_id OR workspace_id IS NULL)
     ORDER BY workspace_id NULLS LAST LIMIT 1;
    IF NOT pg_has_role(current_user, coalesce(v_policy.approver_role, 'approval_gate_approver'), 'MEMBER') THEN
        RAISE EXCEPTION 'role % may not decide this request', current_user USING ERRCODE = '42501';
    END IF;
    IF NOT coalesce(v_policy.allow_self_approval, false)
       AND (v_req.requested_by = plpgsql_gate.actor() OR v_req.requested_role = current_user) THEN
        RAISE EXCEPTION 'a request cannot be decided by its requester' USING ERRCODE = '42501';
    END IF;
    UPDATE plpgsql_gate.requests
       SET status = 'approved', decided_at = statement_timestamp(), decided_by = plpgsql_gate.actor(),
           approved_until = statement_timestamp() + coalesce(v_policy.approval_ttl, interval '1 day')
     WHERE id = p_request_id;
    INSERT INTO plpgsql_gate.events (workspace_id, request_id, action, event, status, actor, actor_role)
    VALUES (v_req.workspace_id, p_request_id, v_req.action, 'approved', 'approved', plpgsql_gate.actor(), current_user);
    PERFORM pg_notify('plpgsql_gate', json_build_object('event', 'approved', 'request_id', p_request_id)::text);
    RETURN 'approved';
END
$$;
