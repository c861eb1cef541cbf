-- 02_privileges.sql: who may do what (README's trust model).
-- Roles: agent (LOGIN, not an approver), alice and bob (members of approval_gate_approver).
-- A call's principal is its login (session user); a login that is a member of approval_gate_proxy,
-- superusers included, acts for approval_gate.actor. Section 2 runs as that kind of proxy (the
-- superuser of the test acting for the agent, alice and bob in turn, with their roles); sections 4
-- to 7 switch the session user with SET SESSION AUTHORIZATION, as real logins would connect.
BEGIN;
SELECT plan(137);

SELECT n.nspname AS ext_schema
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'approval_gate' \gset

CREATE ROLE agent LOGIN;
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
GRANT agent TO bob;   -- bob may act under the agent's role; he is still not the agent
SELECT format('GRANT CREATE ON DATABASE %I TO agent', current_database()) \gexec

-- =============================================================================================
-- 1. Superuser-only settings, attempted before the module is loaded in this backend.
--    Nothing has called into approval_gate yet, so these SETs create placeholders; the module
--    must refuse to adopt them when it defines its settings.
-- =============================================================================================
SET client_min_messages = error;   -- the module warns while it refuses the placeholders
SET ROLE agent;
DO $$
BEGIN
    PERFORM pg_catalog.set_config('approval_gate.max_context_bytes', '100000000', false);
    PERFORM pg_catalog.set_config('approval_gate.audit_key', 'agent-chosen-key', false);
EXCEPTION WHEN insufficient_privilege THEN NULL;   -- already loaded: refused outright, also fine
END
$$;
RESET ROLE;
SELECT approval_gate_canonical_json('{}') AS loaded \gset
RESET client_min_messages;
SELECT is(current_setting('approval_gate.max_context_bytes'), '64kB',
          'a max_context_bytes placeholder set by the agent before the module loaded is not adopted');
SELECT isnt(current_setting('approval_gate.audit_key', true), 'agent-chosen-key',
            'an audit_key placeholder set by the agent before the module loaded is not adopted');

-- =============================================================================================
-- 2. search_path hijack: the first require/approve/consume calls of this backend (when the kept
--    plans get prepared) run with a search_path full of planted look-alikes.
-- =============================================================================================
SET ROLE agent;
CREATE SCHEMA evil;
CREATE TABLE evil.calls (what text);
GRANT ALL ON evil.calls TO PUBLIC;

-- Functions named like the built-ins the extension's statements use; each one logs its call.
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('now'); RETURN '1999-01-01'; END$$;
CREATE FUNCTION evil.statement_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('statement_timestamp'); RETURN '1999-01-01'; END$$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('clock_timestamp'); RETURN '1999-01-01'; END$$;
CREATE FUNCTION evil.gen_random_uuid() RETURNS uuid LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('gen_random_uuid'); RETURN '00000000-0000-0000-0000-000000000000'; END$$;
CREATE FUNCTION evil.sha256(bytea) RETURNS bytea LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('sha256'); RETURN '\x00'; END$$;
CREATE FUNCTION evil.pg_notify(text, text) RETURNS void LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('pg_notify'); END$$;
CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('set_config'); RETURN $2; END$$;
CREATE FUNCTION evil.current_setting(text, boolean) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('current_setting'); RETURN 'evil'; END$$;
-- Operators that say "equal"/"greater" to everything.
CREATE FUNCTION evil.always_uuid(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('uuid operator'); RETURN true; END$$;
CREATE FUNCTION evil.always_text(text, text) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('text operator'); RETURN true; END$$;
CREATE FUNCTION evil.always_ts(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('timestamptz operator'); RETURN true; END$$;
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.always_uuid);
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always_text);
CREATE OPERATOR evil.> (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.always_ts);
CREATE OPERATOR evil.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.always_ts);

-- Tables named like the extension's, with the same columns, in evil and in pg_temp (the pinned
-- path ends with pg_temp, so an unqualified name would find these).
SELECT format($f$CREATE TABLE %s.approval_gate_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), workspace_id uuid, action text, context jsonb,
    request_hash text, reason text, requested_by text, requested_role name, status text DEFAULT 'pending',
    required_approvals integer, created_at timestamptz, expires_at timestamptz, decided_at timestamptz,
    decided_by text, decision_note text, approved_until timestamptz, consumed_at timestamptz, escalated_to uuid);
  CREATE UNIQUE INDEX ON %s.approval_gate_requests (workspace_id, action, request_hash) WHERE status = 'pending';
  CREATE TABLE %s.approval_gate_votes (request_id uuid, voter_role name, actor text, decision text, note text,
    voted_at timestamptz, PRIMARY KEY (request_id, voter_role));
  CREATE TABLE %s.approval_gate_policies (action text, workspace_id uuid, gated boolean, required_approvals integer,
    approver_role name, pending_ttl interval, approval_ttl interval, deny_cooldown interval,
    allow_self_approval boolean, CONSTRAINT approval_gate_policies_key UNIQUE NULLS NOT DISTINCT (action, workspace_id));
  INSERT INTO %s.approval_gate_policies VALUES ('delete_workspace', NULL, false, 1, 'agent', NULL, '100 years', '0', true);
  CREATE TABLE %s.approval_gate_workspaces (workspace_id uuid PRIMARY KEY, parent_id uuid);
  CREATE TABLE %s.approval_gate_events (workspace_id uuid, seq bigint, request_id uuid, action text, event text,
    status text, actor text, actor_role name, to_workspace_id uuid, at timestamptz, prev_hash text, hash text,
    PRIMARY KEY (workspace_id, seq));
  CREATE TABLE %s.approval_gate_event_heads (workspace_id uuid PRIMARY KEY, seq bigint)$f$,
  s, s, s, s, s, s, s, s)
  FROM unnest(ARRAY['evil', 'pg_temp']) AS s \gexec

-- The whole cycle, with the planted objects first on the path. No pgTAP call runs under this
-- path (pgTAP itself is not pinned); the outcomes are kept in psql variables and checked below.
SET search_path = evil, pg_catalog, public;
SET approval_gate.actor = 'agent';
SELECT outcome AS h1_outcome, request_id AS h1_id
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}') \gset
SELECT outcome AS h1_retry_outcome, request_id AS h1_retry_id
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}') \gset
SET ROLE alice;
SET approval_gate.actor = 'alice';
SELECT approval_gate_approve(:'h1_id') AS h1_approve \gset
SET ROLE agent;
SET approval_gate.actor = 'agent';
SELECT outcome AS h1_use_outcome, request_id AS h1_use_id
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}') \gset
SELECT outcome AS h2_outcome, request_id AS h2_id
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}') \gset
SELECT approval_gate_consume('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}',
                             missing_ok => true) IS NULL AS h2_unapproved_consume_is_null \gset
SET ROLE bob;
SET approval_gate.actor = 'bob';
SELECT approval_gate_deny(:'h2_id') AS h2_deny \gset
SET ROLE agent;
SET approval_gate.actor = 'agent';
SELECT outcome AS h2_after_deny FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "hijack"}') \gset
SELECT outcome AS h3_outcome, request_id AS h3_id
  FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace', '{"k": "other"}') \gset
SELECT approval_gate_withdraw(:'h3_id') AS h3_withdraw \gset
SELECT approval_gate_is_gated('aaaaaaaa-0000-0000-0000-000000000001', 'delete_workspace') AS h_is_gated \gset
RESET ROLE;
SELECT approval_gate_expire() AS h_expired \gset
SELECT approval_gate_seal_events() AS h_sealed \gset
SELECT count(*) AS h_broken FROM approval_gate_verify_events() \gset
RESET search_path;
RESET approval_gate.actor;

SELECT is(:'h1_outcome'::text, 'pending', 'hijacked path: the first require answers pending');
SELECT is(:'h1_retry_id'::text, :'h1_id', 'hijacked path: the retry finds the same pending request');
SELECT is(:'h1_approve'::text, 'approved', 'hijacked path: alice''s approval makes the request approved');
SELECT is(:'h1_use_outcome' || ' ' || :'h1_use_id', 'approved ' || :'h1_id'::text,
          'hijacked path: the agent''s next require consumes that approval');
SELECT ok(:'h2_outcome'::text = 'pending' AND :'h2_id'::uuid <> :'h1_id'::uuid,
          'hijacked path: a replay gets a new pending request (the approval was used once)');
SELECT ok(:'h2_unapproved_consume_is_null'::boolean, 'hijacked path: consume finds nothing to consume for a pending request');
SELECT is(:'h2_deny' || ' ' || :'h2_after_deny', 'denied denied'::text, 'hijacked path: bob''s deny holds during the cooldown');
SELECT is(:'h3_withdraw'::text, 'withdrawn', 'hijacked path: the agent withdraws its own request');
SELECT ok(:'h_is_gated'::boolean, 'hijacked path: delete_workspace is still gated (the planted policy row was ignored)');
SELECT is(:'h_broken'::int, 0, 'hijacked path: the event chains verify');
SELECT results_eq(
    format($$SELECT id::text, status::text FROM %I.approval_gate_requests
       WHERE workspace_id = 'aaaaaaaa-0000-0000-0000-000000000001' ORDER BY created_at$$, :'ext_schema'),
    format('VALUES (%L, %L), (%L, %L), (%L, %L)', :'h1_id', 'consumed', :'h2_id', 'denied', :'h3_id', 'withdrawn'),
    'hijacked path: the extension''s own table holds exactly the three requests with the right statuses');
SELECT results_eq(
    format($$SELECT created_at > now() - interval '1 hour' AND consumed_at > now() - interval '1 hour'
               FROM %I.approval_gate_requests WHERE id = %L$$, :'ext_schema', :'h1_id'),
    $$VALUES (true)$$,
          'hijacked path: timestamps come from the real clock, not the planted one');
SELECT is_empty($$SELECT * FROM evil.calls$$, 'no planted function or operator was ever called');
SELECT is_empty(format('SELECT * FROM %s.%I', s, t),
                format('the planted %s.%s stayed empty', s, t))
  FROM unnest(ARRAY['evil', 'pg_temp']) AS s,
       unnest(ARRAY['approval_gate_requests', 'approval_gate_votes', 'approval_gate_workspaces',
                    'approval_gate_events', 'approval_gate_event_heads']) AS t;
SELECT results_eq(format('SELECT action, gated FROM %s.approval_gate_policies', s),
                  $$VALUES ('delete_workspace', false)$$,
                  format('the planted %s.approval_gate_policies still holds only its planted row', s))
  FROM unnest(ARRAY['evil', 'pg_temp']) AS s;
-- The planted pg_temp tables would shadow the extension's for this session's own unqualified
-- queries too: drop them now that they have been checked.
SELECT format('DROP TABLE pg_temp.%I', t)
  FROM unnest(ARRAY['approval_gate_requests', 'approval_gate_votes', 'approval_gate_workspaces', 'approval_gate_policies',
                    'approval_gate_events', 'approval_gate_event_heads']) AS t \gexec
SELECT cmp_ok((SELECT count(*)::int FROM approval_gate_events
                WHERE workspace_id = 'aaaaaaaa-0000-0000-0000-000000000001'), '>=', 7,
              'hijacked path: the transitions were logged in the extension''s own events table');

-- =============================================================================================
-- 3. Settings, now that the module is loaded
-- =============================================================================================
SET ROLE agent;
SELECT throws_ok($$SET approval_gate.max_context_bytes = 100000000$$, '42501', NULL,
                 'the agent cannot raise approval_gate.max_context_bytes');
SELECT throws_ok($$SELECT set_config('approval_gate.max_context_bytes', '100000000', true)$$, '42501', NULL,
                 'the agent cannot raise approval_gate.max_context_bytes with set_config either');
SELECT throws_ok($$SET approval_gate.audit_key = 'agent-chosen-key'$$, '42501', NULL,
                 'the agent cannot set the old approval_gate.audit_key');
SELECT throws_ok($$SHOW approval_gate.audit_key_file$$, '42501', NULL,
                 'SHOW approval_gate.audit_key_file fails for a non-superuser');
SELECT throws_ok($$SELECT current_setting('approval_gate.audit_key_file')$$, '42501', NULL,
                 'current_setting(''approval_gate.audit_key_file'') fails for a non-superuser');
SELECT is_empty($$SELECT setting FROM pg_settings WHERE name LIKE 'approval_gate.audit_key%'$$,
                'pg_settings shows neither audit key setting to a non-superuser');
SELECT throws_ok($$SELECT pg_read_file('postgresql.auto.conf')$$, '42501', NULL,
                 'the agent cannot read the server''s files, where the key file lives');
RESET ROLE;
SELECT is(current_setting('approval_gate.max_context_bytes'), '64kB', 'max_context_bytes is still the 64 kB default');

-- =============================================================================================
-- 4. The agent cannot decide, cannot write, cannot read, cannot manage policies
-- =============================================================================================
SET SESSION AUTHORIZATION agent;
SELECT request_id AS p1 FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000002', 'delete_workspace') \gset
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'p1'), '42501', NULL,
                 'the agent (not an approver) cannot approve a request');
SELECT throws_ok(format('SELECT approval_gate_deny(%L)', :'p1'), '42501', NULL,
                 'the agent (not an approver) cannot deny a request');
SET approval_gate.actor = 'someone-else';
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'p1'), '42501', NULL,
                 'the agent cannot approve by claiming another actor name (authorization uses the role)');
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'p1'), 'pending',
          'after the refused decisions the request is still pending');
SELECT is((SELECT count(*)::int FROM approval_gate_votes WHERE request_id = :'p1'), 0,
          'after the refused decisions no vote was recorded');

-- Writing the tables directly: INSERT, UPDATE, DELETE, TRUNCATE on each, as the agent and as alice.
CREATE TEMP TABLE write_attempts AS
SELECT r.r AS who, t.t AS tbl, o.o AS op,
       CASE o.o WHEN 'INSERT'   THEN format('INSERT INTO %I.%I DEFAULT VALUES', :'ext_schema', t.t)
                WHEN 'UPDATE'   THEN format('UPDATE %I.%I SET %I = %I', :'ext_schema', t.t, t.c, t.c)
                WHEN 'DELETE'   THEN format('DELETE FROM %I.%I', :'ext_schema', t.t)
                WHEN 'TRUNCATE' THEN format('TRUNCATE %I.%I', :'ext_schema', t.t) END AS stmt
  FROM (VALUES ('agent'), ('alice')) AS r(r),
       (VALUES ('approval_gate_requests', 'status'), ('approval_gate_votes', 'decision'),
               ('approval_gate_policies', 'gated'), ('approval_gate_workspaces', 'parent_id'),
               ('approval_gate_events', 'hash'), ('approval_gate_event_heads', 'seq')) AS t(t, c),
       (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS o(o);
GRANT SELECT ON write_attempts TO PUBLIC;

SET SESSION AUTHORIZATION agent;
SELECT throws_ok(stmt, '42501', NULL, format('%s cannot %s %s', who, op, tbl))
  FROM write_attempts WHERE who = 'agent' ORDER BY tbl, op;
SELECT throws_ok(format('SELECT count(*) FROM %I.%I', :'ext_schema', t), '42501', NULL,
                 format('the agent cannot read %s', t))
  FROM unnest(ARRAY['approval_gate_requests', 'approval_gate_votes', 'approval_gate_policies',
                    'approval_gate_workspaces', 'approval_gate_events', 'approval_gate_event_queue',
                    'approval_gate_event_heads']) AS t;
SELECT results_eq($$SELECT id FROM approval_gate_pending$$, format('VALUES (%L::uuid)', :'p1'),
                  'the agent sees its own pending request in approval_gate_pending, and no other');
SELECT throws_ok($$SELECT approval_gate_set_policy('delete_workspace', gated => false)$$, '42501', NULL,
                 'the agent cannot call approval_gate_set_policy');
SELECT throws_ok($$SELECT approval_gate_drop_policy('delete_workspace')$$, '42501', NULL,
                 'the agent cannot call approval_gate_drop_policy');
SELECT throws_ok($$SELECT approval_gate_set_parent('aaaaaaaa-0000-0000-0000-000000000002', 'aaaaaaaa-0000-0000-0000-000000000003')$$,
                 '42501', NULL, 'the agent cannot call approval_gate_set_parent');
SELECT ok(approval_gate_is_gated('aaaaaaaa-0000-0000-0000-000000000002', 'delete_workspace'),
          'delete_workspace is still gated after the agent''s attempts');

SET SESSION AUTHORIZATION alice;
SELECT throws_ok(stmt, '42501', NULL, format('%s (an approver) cannot %s %s', who, op, tbl))
  FROM write_attempts WHERE who = 'alice' ORDER BY tbl, op;
SELECT lives_ok(format('SELECT count(*) FROM %I.%I', :'ext_schema', t), format('an approver can read %s', t))
  FROM unnest(ARRAY['approval_gate_policies', 'approval_gate_builtin_policies', 'approval_gate_workspaces',
                    'approval_gate_pending', 'approval_gate_visible_requests', 'approval_gate_visible_votes',
                    'approval_gate_visible_events']) AS t;
SELECT throws_ok(format('SELECT count(*) FROM %I.%I', :'ext_schema', t), '42501', NULL,
                 format('an approver reads %s only through the views', t))
  FROM unnest(ARRAY['approval_gate_requests', 'approval_gate_votes', 'approval_gate_events']) AS t;
SELECT is((SELECT count(*)::int FROM approval_gate_pending WHERE id = :'p1'), 1,
          'an approver sees the agent''s pending request in approval_gate_pending');
SELECT throws_ok($$SELECT approval_gate_set_policy('delete_workspace', gated => false)$$, '42501', NULL,
                 'an approver (not the owner) cannot call approval_gate_set_policy either');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM approval_gate_policies WHERE action = 'delete_workspace'), 0,
          'no policy row was written: delete_workspace still answers from its built-in default');

-- =============================================================================================
-- 5. No self-approval
-- =============================================================================================
SET SESSION AUTHORIZATION alice;
SELECT request_id AS s1 FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000004', 'delete_workspace') \gset
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'s1'), '42501', NULL,
                 'alice cannot approve her own request');
SELECT throws_ok(format('SELECT approval_gate_deny(%L)', :'s1'), '42501', NULL,
                 'alice cannot deny her own request');
SET approval_gate.actor = 'alice-under-another-name';
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'s1'), '42501', NULL,
                 'alice cannot approve her own request by setting approval_gate.actor (she is no proxy)');
RESET approval_gate.actor;
SET ROLE approval_gate_approver;
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'s1'), '42501', NULL,
                 'alice cannot approve her own request under the approver group role (SET ROLE)');
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'s1'), 'pending',
          'after the refused self-approvals alice''s request is still pending');
SET SESSION AUTHORIZATION bob;
SET approval_gate.actor = 'alice';
SELECT is(approval_gate_approve(:'s1'), 'approved',
          'bob can approve alice''s request, and naming himself alice changes nothing');
RESET approval_gate.actor;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT decided_by FROM approval_gate_requests WHERE id = :'s1'), 'bob',
          'decided_by records bob, the principal');

SELECT approval_gate_set_policy('self_ok', allow_self_approval => true);
SET SESSION AUTHORIZATION alice;
SELECT request_id AS s2 FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000004', 'self_ok') \gset
SELECT is(approval_gate_approve(:'s2'), 'approved', 'with allow_self_approval alice can approve her own request');
SELECT is((SELECT outcome FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000004', 'self_ok')), 'approved',
          'and her next require consumes it');
RESET SESSION AUTHORIZATION;

-- =============================================================================================
-- 6. A quorum of 2 needs alice and bob, not alice twice
-- =============================================================================================
SELECT approval_gate_set_policy('q2', required_approvals => 2);
SET SESSION AUTHORIZATION agent;
SELECT request_id AS q FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000005', 'q2') \gset
RESET SESSION AUTHORIZATION;
SELECT is((SELECT required_approvals FROM approval_gate_requests WHERE id = :'q'), 2,
          'the request copies required_approvals = 2 from the policy');
SET SESSION AUTHORIZATION alice;
SELECT is(approval_gate_approve(:'q'), 'pending', 'quorum 2: alice''s approval leaves the request pending');
SET approval_gate.actor = 'someone-else';
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'q'), '55000', NULL,
                 'quorum 2: alice approving again under another actor name is refused (55000)');
RESET approval_gate.actor;
SET ROLE approval_gate_approver;
SELECT throws_ok(format('SELECT approval_gate_approve(%L)', :'q'), '55000', NULL,
                 'quorum 2: ... and under the approver group role (votes are per principal)');
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'q'), 'pending', 'quorum 2: still pending after alice twice');
SELECT is((SELECT approvals FROM approval_gate_pending WHERE id = :'q'), 1, 'quorum 2: one approval counted');
SET SESSION AUTHORIZATION agent;
SELECT is(approval_gate_consume('aaaaaaaa-0000-0000-0000-000000000005', 'q2', missing_ok => true), NULL,
          'quorum 2: with one approval there is nothing to consume');
SET SESSION AUTHORIZATION bob;
SELECT is(approval_gate_approve(:'q'), 'approved', 'quorum 2: bob''s approval makes it approved');
SET SESSION AUTHORIZATION agent;
SELECT is(approval_gate_consume('aaaaaaaa-0000-0000-0000-000000000005', 'q2'), :'q'::uuid,
          'quorum 2: the approved request is consumed by the agent');
RESET SESSION AUTHORIZATION;

-- =============================================================================================
-- 7. Withdraw: only the requesting principal
-- =============================================================================================
SET SESSION AUTHORIZATION agent;
SELECT request_id AS w FROM approval_gate_require('aaaaaaaa-0000-0000-0000-000000000006', 'delete_workspace') \gset
SET SESSION AUTHORIZATION bob;
SELECT throws_ok(format('SELECT approval_gate_withdraw(%L)', :'w'), '42501', NULL, 'bob cannot withdraw the agent''s request');
SET approval_gate.actor = 'agent';
SELECT throws_ok(format('SELECT approval_gate_withdraw(%L)', :'w'), '42501', NULL,
                 'bob cannot withdraw it even under the agent''s actor name');
RESET approval_gate.actor;
SET ROLE agent;
SELECT throws_ok(format('SELECT approval_gate_withdraw(%L)', :'w'), '42501', NULL,
                 'bob cannot withdraw it under the agent''s role either (SET ROLE agent, granted for the test)');
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT status FROM approval_gate_requests WHERE id = :'w'), 'pending', 'after the refused withdrawals it is still pending');
SET SESSION AUTHORIZATION agent;
SELECT is(approval_gate_withdraw(:'w'), 'withdrawn', 'the requesting principal can withdraw it');
RESET SESSION AUTHORIZATION;
RESET approval_gate.actor;

SELECT * FROM finish();
ROLLBACK;
