-- approval_gate stress test: schema, roles, policies and helpers (run once, as a superuser).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION approval_gate;
CREATE EXTENSION amcheck;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stress_agent') THEN
        CREATE ROLE stress_agent NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stress_alice') THEN
        CREATE ROLE stress_alice NOLOGIN IN ROLE approval_gate_approver;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stress_bob') THEN
        CREATE ROLE stress_bob NOLOGIN IN ROLE approval_gate_approver;
    END IF;
END $$;

-- Key space: 8 workspaces x 2 contexts.
--   w1..w4  quorum 1, no TTL          (w2's parent is w1: every new request there is escalated)
--   w5, w6  quorum 2 (alice AND bob)
--   w7, w8  quorum 1, pending_ttl 200 ms, approval_ttl 100 ms (requests and approvals expire all the time)
-- deny_cooldown 0 everywhere, so a denial never blocks the key.
SELECT approval_gate_set_policy('stress_op', deny_cooldown => '0');
CREATE FUNCTION stress_ws(w int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT ('00000000-0000-4000-8000-' || lpad(w::text, 12, '0'))::uuid $$;
CREATE FUNCTION stress_ctx(c int) RETURNS jsonb LANGUAGE sql IMMUTABLE
    AS $$ SELECT jsonb_build_object('op', 'stress', 'n', c) $$;
CREATE FUNCTION stress_key(w int, c int) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT 'w' || w || '/c' || c $$;
SELECT approval_gate_set_policy('stress_op', stress_ws(w), required_approvals => 2, deny_cooldown => '0')
  FROM generate_series(5, 6) w;
SELECT approval_gate_set_policy('stress_op', stress_ws(w), pending_ttl => '200 milliseconds',
                                approval_ttl => '100 milliseconds', deny_cooldown => '0')
  FROM generate_series(7, 8) w;
SELECT approval_gate_set_parent(stress_ws(2), stress_ws(1));

-- Every outcome, written in the same transaction as the gate call that produced it.
-- (run, client, n) names the pgbench transaction: run = pgbench run, client = :client_id,
-- n = that client's transaction counter. role = the calling role (for votes).
CREATE TABLE stress_log (
    kind       text   NOT NULL,
    key        text,
    outcome    text   NOT NULL,
    request_id uuid,
    txid       bigint DEFAULT txid_current(),
    sqlstate   text,
    message    text,
    role       name   DEFAULT current_user,
    run        int,
    client     int,
    n          int
);
CREATE INDEX ON stress_log (request_id);
CREATE INDEX ON stress_log (run, client, n);
GRANT INSERT ON stress_log TO stress_agent, stress_alice, stress_bob;

-- Transactions pgbench reported as completed (its -l log), loaded after each run.
CREATE TABLE stress_acked (run int, client int, n int, script int, PRIMARY KEY (run, client, n));
-- pgbench runs, for the report.
CREATE TABLE stress_runs (run int PRIMARY KEY, label text, crashed boolean);

-- A human's vote on the pending request of a key (none pending: outcome 'none').
-- 55000 (no longer pending, already voted) and P0002 are expected races: logged, not raised.
CREATE FUNCTION stress_decide(approve boolean, w int, c int, p_run int, p_client int, p_n int)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    id uuid;
    result text;
    kind text := CASE WHEN approve THEN 'approve' ELSE 'deny' END;
BEGIN
    SELECT p.id INTO id FROM approval_gate_pending p
     WHERE p.workspace_id = stress_ws(w) AND p.action = 'stress_op' AND p.context = stress_ctx(c)
     LIMIT 1;
    IF id IS NULL THEN
        INSERT INTO stress_log (kind, key, outcome, run, client, n)
        VALUES (kind, stress_key(w, c), 'none', p_run, p_client, p_n);
        RETURN 'none';
    END IF;
    BEGIN
        IF approve THEN
            result := approval_gate_approve(id);
        ELSE
            result := approval_gate_deny(id);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO stress_log (kind, key, outcome, request_id, sqlstate, message, run, client, n)
        VALUES (kind, stress_key(w, c), 'error', id, SQLSTATE, SQLERRM, p_run, p_client, p_n);
        RETURN 'error';
    END;
    INSERT INTO stress_log (kind, key, outcome, request_id, run, client, n)
    VALUES (kind, stress_key(w, c), result, id, p_run, p_client, p_n);
    RETURN result;
END $$;

-- The agent asks, then takes its pending request back. The require outcome is logged too
-- (it may have consumed an approval).
CREATE FUNCTION stress_withdraw(w int, c int, p_run int, p_client int, p_n int)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d approval_gate_decision;
    result text;
BEGIN
    d := approval_gate_require(stress_ws(w), 'stress_op', stress_ctx(c));
    INSERT INTO stress_log (kind, key, outcome, request_id, run, client, n)
    VALUES ('require', stress_key(w, c), d.outcome, d.request_id, p_run, p_client, p_n);
    IF d.outcome <> 'pending' THEN
        RETURN d.outcome;
    END IF;
    BEGIN
        result := approval_gate_withdraw(d.request_id);
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO stress_log (kind, key, outcome, request_id, sqlstate, message, run, client, n)
        VALUES ('withdraw', stress_key(w, c), 'error', d.request_id, SQLSTATE, SQLERRM, p_run, p_client, p_n);
        RETURN 'error';
    END;
    INSERT INTO stress_log (kind, key, outcome, request_id, run, client, n)
    VALUES ('withdraw', stress_key(w, c), result, d.request_id, p_run, p_client, p_n);
    RETURN result;
END $$;
