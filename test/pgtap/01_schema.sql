-- 01_schema.sql: the objects approval_gate 1.1 promises (doc/approval_gate.md; pinned search_path, no
-- SECURITY DEFINER, no row level security on the base tables, the views that filter for the caller).
-- Run by pg_prove against a database where `CREATE EXTENSION approval_gate` was done as superuser.
BEGIN;
SELECT plan(185);

-- The schema the extension was installed into (public in the test run, but never assumed).
SELECT n.nspname AS ext_schema
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'approval_gate' \gset

SELECT has_extension('approval_gate', 'the extension approval_gate is installed');
SELECT is((SELECT extrelocatable FROM pg_catalog.pg_extension WHERE extname = 'approval_gate'), false,
          'the extension is not relocatable');

-- ---------------------------------------------------------------------------------------------
-- Tables and columns
-- ---------------------------------------------------------------------------------------------
SELECT has_table(:'ext_schema', 'approval_gate_requests',   'table approval_gate_requests exists');
SELECT has_table(:'ext_schema', 'approval_gate_votes',      'table approval_gate_votes exists');
SELECT has_table(:'ext_schema', 'approval_gate_policies',   'table approval_gate_policies exists');
SELECT has_table(:'ext_schema', 'approval_gate_workspaces', 'table approval_gate_workspaces exists');
SELECT has_table(:'ext_schema', 'approval_gate_events',     'table approval_gate_events exists');
SELECT has_table(:'ext_schema', t, 'table ' || t || ' exists')
  FROM unnest(ARRAY['approval_gate_builtin_policies', 'approval_gate_event_queue', 'approval_gate_event_heads',
                    'approval_gate_event_prunes', 'approval_gate_protected']) AS t;
-- pg_dump by a database owner who is not a superuser fails on any table with row level security.
SELECT is_empty(format($$SELECT relname FROM pg_catalog.pg_class
                          WHERE relnamespace = %L::regnamespace AND relname LIKE 'approval\_gate\_%%'
                            AND (relrowsecurity OR relforcerowsecurity)$$, :'ext_schema'),
                'no approval_gate table uses row level security');

-- approval_gate_requests: every column issue 2 lists, with its type.
SELECT col_type_is(:'ext_schema', 'approval_gate_requests', c, t, 'approval_gate_requests.' || c || ' is ' || t)
  FROM (VALUES ('id', 'uuid'), ('workspace_id', 'uuid'), ('action', 'text'), ('context', 'jsonb'),
               ('request_hash', 'text'), ('reason', 'text'), ('requested_by', 'text'), ('status', 'approval_gate_status'),
               ('required_approvals', 'integer'), ('created_at', 'timestamp with time zone'),
               ('expires_at', 'timestamp with time zone'), ('decided_at', 'timestamp with time zone'),
               ('decided_by', 'text'), ('decision_note', 'text'), ('approved_until', 'timestamp with time zone'),
               ('consumed_at', 'timestamp with time zone'), ('escalated_to', 'uuid')) AS v(c, t);
SELECT col_is_pk(:'ext_schema', 'approval_gate_requests', 'id', 'approval_gate_requests.id is the primary key');
SELECT col_not_null(:'ext_schema', 'approval_gate_requests', 'request_hash', 'approval_gate_requests.request_hash is NOT NULL');
SELECT is((SELECT collname::text FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation
            WHERE a.attrelid = (quote_ident(:'ext_schema') || '.approval_gate_requests')::regclass
              AND a.attname = 'request_hash'), 'C',
          'approval_gate_requests.request_hash is COLLATE "C" (its indexes compare bytes)');
SELECT col_not_null(:'ext_schema', 'approval_gate_requests', 'requested_by', 'approval_gate_requests.requested_by is NOT NULL');

-- approval_gate_votes: a vote is a principal's, with the role it decided with, its decision and note.
SELECT has_column(:'ext_schema', 'approval_gate_votes', c, 'approval_gate_votes has column ' || c)
  FROM unnest(ARRAY['request_id', 'voter_role', 'principal', 'decision', 'note', 'voted_at']) AS c;
SELECT hasnt_column(:'ext_schema', 'approval_gate_votes', 'actor', 'approval_gate_votes.actor became principal');
SELECT col_type_is(:'ext_schema', 'approval_gate_votes', 'request_id', 'uuid', 'approval_gate_votes.request_id is uuid');
SELECT col_is_pk(:'ext_schema', 'approval_gate_votes', ARRAY['request_id', 'principal', 'voter_role'],
                 'approval_gate_votes is keyed by (request, principal, voter role); one vote per principal is kept by the functions');
SELECT fk_ok(:'ext_schema', 'approval_gate_votes', 'request_id', :'ext_schema', 'approval_gate_requests', 'id',
             'approval_gate_votes.request_id references approval_gate_requests.id');

-- approval_gate_policies: the gated-action map as data.
SELECT col_type_is(:'ext_schema', 'approval_gate_policies', c, t, 'approval_gate_policies.' || c || ' is ' || t)
  FROM (VALUES ('action', 'text'), ('workspace_id', 'uuid'), ('gated', 'boolean'), ('required_approvals', 'integer'),
               ('approver_role', 'name'), ('pending_ttl', 'interval'), ('approval_ttl', 'interval'),
               ('deny_cooldown', 'interval'), ('allow_self_approval', 'boolean'), ('consumable_by_any', 'boolean')) AS v(c, t);
SELECT col_default_is(:'ext_schema', 'approval_gate_policies', 'consumable_by_any', 'false',
                      'approval_gate_policies.consumable_by_any defaults to false');
SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                   WHERE i.indrelid = (quote_ident(:'ext_schema') || '.approval_gate_policies')::regclass
                     AND i.indisunique
                     AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                                ORDER BY k.o) = ARRAY['action', 'workspace_id']
                     AND i.indnullsnotdistinct),
          'approval_gate_policies has one row per (action, workspace_id), NULL workspace included (NULLS NOT DISTINCT)');

-- approval_gate_workspaces: workspace_id -> parent_id.
SELECT col_type_is(:'ext_schema', 'approval_gate_workspaces', 'workspace_id', 'uuid', 'approval_gate_workspaces.workspace_id is uuid');
SELECT col_type_is(:'ext_schema', 'approval_gate_workspaces', 'parent_id', 'uuid', 'approval_gate_workspaces.parent_id is uuid');
SELECT col_is_pk(:'ext_schema', 'approval_gate_workspaces', 'workspace_id', 'a workspace has at most one parent');

-- approval_gate_events: the audit log with its hash chain.
SELECT col_type_is(:'ext_schema', 'approval_gate_events', c, t, 'approval_gate_events.' || c || ' is ' || t)
  FROM (VALUES ('workspace_id', 'uuid'), ('seq', 'bigint'), ('request_id', 'uuid'), ('action', 'text'),
               ('event', 'approval_gate_event_kind'), ('status', 'text'), ('actor', 'text'), ('actor_role', 'name'),
               ('to_workspace_id', 'uuid'), ('at', 'timestamp with time zone'), ('prev_hash', 'text'),
               ('hash', 'text'), ('principal', 'text')) AS v(c, t);
SELECT col_type_is(:'ext_schema', 'approval_gate_event_queue', c, t, 'approval_gate_event_queue.' || c || ' is ' || t)
  FROM (VALUES ('id', 'bigint'), ('workspace_id', 'uuid'), ('request_id', 'uuid'), ('action', 'text'),
               ('event', 'approval_gate_event_kind'), ('status', 'text'), ('actor', 'text'), ('actor_role', 'name'),
               ('principal', 'text'), ('to_workspace_id', 'uuid'), ('at', 'timestamp with time zone')) AS v(c, t);
SELECT col_not_null(:'ext_schema', 'approval_gate_event_queue', 'principal',
                    'every queued event names its principal');
SELECT col_is_pk(:'ext_schema', 'approval_gate_events', ARRAY['workspace_id', 'seq'],
                 'approval_gate_events is keyed by (workspace_id, seq): one chain per workspace');
SELECT has_trigger(:'ext_schema', 'approval_gate_events', 'approval_gate_events_append_only',
                   'approval_gate_events has the append-only (UPDATE/DELETE) trigger');
SELECT has_trigger(:'ext_schema', 'approval_gate_events', 'approval_gate_events_no_truncate',
                   'approval_gate_events has the no-TRUNCATE trigger');

-- The dedup rule: a UNIQUE index on (workspace_id, action, request_hash, requested_by) WHERE status = 'pending'.
SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                   WHERE i.indrelid = (quote_ident(:'ext_schema') || '.approval_gate_requests')::regclass
                     AND i.indisunique AND i.indisvalid
                     AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                                ORDER BY k.o) = ARRAY['workspace_id', 'action', 'request_hash', 'requested_by']
                     AND pg_catalog.pg_get_expr(i.indpred, i.indrelid) = '((status)::text = ''pending''::text)'),
          'a unique partial index allows one pending request per (workspace_id, action, request_hash, principal)');

-- The closed vocabularies (status, event, vote decision) are domains: a value outside them is refused.
SELECT throws_ok(format('SELECT %L::%I.%I', v, :'ext_schema', d), '23514', NULL,
                 d || ' refuses ' || quote_literal(v))
  FROM (VALUES ('approval_gate_status', 'consumed_twice'), ('approval_gate_event_kind', 'edited'),
               ('approval_gate_vote_decision', 'abstain')) AS t(d, v);
SELECT lives_ok(format('SELECT %L::%I.%I', v, :'ext_schema', d), d || ' accepts ' || quote_literal(v))
  FROM (VALUES ('approval_gate_status', 'expired'), ('approval_gate_event_kind', 'escalated'),
               ('approval_gate_vote_decision', 'deny')) AS t(d, v);

-- ---------------------------------------------------------------------------------------------
-- The composite type and the view
-- ---------------------------------------------------------------------------------------------
SELECT has_type(:'ext_schema', 'approval_gate_decision', 'composite type approval_gate_decision exists');
SELECT results_eq(
    format($$SELECT (a.attname::text COLLATE "default") || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = (SELECT typrelid FROM pg_catalog.pg_type
                                   WHERE typname = 'approval_gate_decision' AND typnamespace = %L::regnamespace)
                AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$, :'ext_schema'),
    $$VALUES ('outcome text'), ('request_id uuid'), ('request_hash text')$$,
    'approval_gate_decision is exactly (outcome text, request_id uuid, request_hash text)');

SELECT has_view(:'ext_schema', v, 'view ' || v || ' exists')
  FROM unnest(ARRAY['approval_gate_pending', 'approval_gate_visible_requests', 'approval_gate_visible_votes',
                    'approval_gate_visible_events', 'approval_gate_protected_tables']) AS v;
SELECT has_column(:'ext_schema', 'approval_gate_pending', c, 'approval_gate_pending has column ' || c)
  FROM unnest(ARRAY['id', 'workspace_id', 'action', 'approvals', 'voters', 'escalated_to']) AS c;
-- The views that filter rows are security barriers, and run with their owner's rights on the tables.
SELECT ok(coalesce(c.reloptions @> ARRAY['security_barrier=true'], false)
          AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false),
          c.relname || ' is a security_barrier view with its owner''s rights')
  FROM pg_catalog.pg_class c
 WHERE c.relnamespace = :'ext_schema'::regnamespace
   AND c.relname IN ('approval_gate_pending', 'approval_gate_visible_requests', 'approval_gate_visible_votes',
                     'approval_gate_visible_events');

-- ---------------------------------------------------------------------------------------------
-- Functions: exact argument types, return types, argument names and defaults
-- ---------------------------------------------------------------------------------------------
SELECT has_function(:'ext_schema', f, a, format('function %s(%s) exists', f, array_to_string(a, ', ')))
  FROM (VALUES
    ('approval_gate_require',        ARRAY['uuid', 'text', 'jsonb', 'text', 'bytea']),
    ('approval_gate_consume',        ARRAY['uuid', 'text', 'jsonb', 'bytea', 'boolean']),
    ('approval_gate_approve',        ARRAY['uuid', 'text']),
    ('approval_gate_deny',           ARRAY['uuid', 'text']),
    ('approval_gate_withdraw',       ARRAY['uuid']),
    ('approval_gate_expire',         ARRAY[]::text[]),
    ('approval_gate_request_hash',   ARRAY['uuid', 'text', 'jsonb', 'bytea']),
    ('approval_gate_canonical_json', ARRAY['jsonb']),
    ('approval_gate_set_policy',     ARRAY['text', 'uuid', 'boolean', 'integer', 'name', 'interval', 'interval', 'interval', 'boolean', 'boolean']),
    ('approval_gate_drop_policy',    ARRAY['text', 'uuid']),
    ('approval_gate_is_gated',       ARRAY['uuid', 'text']),
    ('approval_gate_set_parent',     ARRAY['uuid', 'uuid']),
    ('approval_gate_verify_events',  ARRAY['uuid']),
    ('approval_gate_verify_events',  ARRAY['jsonb']),
    ('approval_gate_verify_events',  ARRAY['text']),
    ('approval_gate_digest',         ARRAY[]::text[]),
    ('approval_gate_seal_events',    ARRAY[]::text[]),
    ('approval_gate_principal',      ARRAY[]::text[]),
    ('approval_gate_prune_events',   ARRAY['uuid', 'bigint']),
    ('approval_gate_protect',        ARRAY['regclass', 'text', 'name', 'name[]', 'text[]', 'name[]']),
    ('approval_gate_unprotect',      ARRAY['regclass']),
    ('approval_gate_row_context',    ARRAY['regclass', 'jsonb']),
    ('approval_gate_caller_gated', ARRAY['name[]'])) AS v(f, a);
SELECT hasnt_function(:'ext_schema', 'approval_gate_set_policy',
                      ARRAY['text', 'uuid', 'boolean', 'integer', 'name', 'interval', 'interval', 'interval', 'boolean'],
                      'the 1.0 set_policy without consumable_by_any is gone (its calls resolve to the 1.1 one)');

SELECT function_returns(:'ext_schema', f, a, r, format('%s(%s) returns %s', f, array_to_string(a, ', '), r))
  FROM (VALUES
    ('approval_gate_require',        ARRAY['uuid', 'text', 'jsonb', 'text', 'bytea'], 'approval_gate_decision'),
    ('approval_gate_consume',        ARRAY['uuid', 'text', 'jsonb', 'bytea', 'boolean'], 'uuid'),
    ('approval_gate_approve',        ARRAY['uuid', 'text'], 'text'),
    ('approval_gate_deny',           ARRAY['uuid', 'text'], 'text'),
    ('approval_gate_withdraw',       ARRAY['uuid'], 'text'),
    ('approval_gate_expire',         ARRAY[]::text[], 'bigint'),
    ('approval_gate_request_hash',   ARRAY['uuid', 'text', 'jsonb', 'bytea'], 'text'),
    ('approval_gate_canonical_json', ARRAY['jsonb'], 'text'),
    ('approval_gate_set_policy',     ARRAY['text', 'uuid', 'boolean', 'integer', 'name', 'interval', 'interval', 'interval', 'boolean', 'boolean'], 'void'),
    ('approval_gate_drop_policy',    ARRAY['text', 'uuid'], 'boolean'),
    ('approval_gate_is_gated',       ARRAY['uuid', 'text'], 'boolean'),
    ('approval_gate_set_parent',     ARRAY['uuid', 'uuid'], 'void'),
    ('approval_gate_digest',         ARRAY[]::text[], 'jsonb'),
    ('approval_gate_seal_events',    ARRAY[]::text[], 'bigint'),
    ('approval_gate_principal',      ARRAY[]::text[], 'text')) AS v(f, a, r);

SELECT is(pg_catalog.pg_get_function_result(
              (quote_ident(:'ext_schema') || '.approval_gate_verify_events(' || a || ')')::regprocedure),
          'TABLE(workspace_id uuid, seq bigint, problem text)',
          'approval_gate_verify_events(' || a || ') returns TABLE(workspace_id uuid, seq bigint, problem text)')
  FROM unnest(ARRAY['uuid', 'jsonb', 'text']) AS a;

-- Callers use named arguments (required_approvals => 2, missing_ok => true): names and defaults are API.
SELECT is(pg_catalog.pg_get_function_arguments((quote_ident(:'ext_schema') || '.' || sig)::regprocedure), args,
          sig || ' has the documented argument names and defaults')
  FROM (VALUES
    ('approval_gate_require(uuid,text,jsonb,text,bytea)',
     'workspace_id uuid, action text, context jsonb DEFAULT ''{}''::jsonb, reason text DEFAULT NULL::text, sealed bytea DEFAULT NULL::bytea'),
    ('approval_gate_consume(uuid,text,jsonb,bytea,boolean)',
     'workspace_id uuid, action text, context jsonb DEFAULT ''{}''::jsonb, sealed bytea DEFAULT NULL::bytea, missing_ok boolean DEFAULT false'),
    ('approval_gate_approve(uuid,text)', 'request_id uuid, note text DEFAULT NULL::text'),
    ('approval_gate_deny(uuid,text)',    'request_id uuid, note text DEFAULT NULL::text'),
    ('approval_gate_withdraw(uuid)',     'request_id uuid'),
    ('approval_gate_request_hash(uuid,text,jsonb,bytea)',
     'workspace_id uuid, action text, context jsonb DEFAULT ''{}''::jsonb, sealed bytea DEFAULT NULL::bytea'),
    ('approval_gate_set_policy(text,uuid,boolean,integer,name,interval,interval,interval,boolean,boolean)',
     'action text, workspace_id uuid DEFAULT NULL::uuid, gated boolean DEFAULT true, required_approvals integer DEFAULT 1, '
     'approver_role name DEFAULT ''approval_gate_approver''::name, pending_ttl interval DEFAULT NULL::interval, '
     'approval_ttl interval DEFAULT ''1 day''::interval, deny_cooldown interval DEFAULT ''00:10:00''::interval, '
     'allow_self_approval boolean DEFAULT false, consumable_by_any boolean DEFAULT false'),
    ('approval_gate_drop_policy(text,uuid)', 'action text, workspace_id uuid DEFAULT NULL::uuid'),
    ('approval_gate_is_gated(uuid,text)',    'workspace_id uuid, action text'),
    ('approval_gate_set_parent(uuid,uuid)',  'workspace_id uuid, parent_id uuid'),
    ('approval_gate_verify_events(uuid)',    'workspace_id uuid DEFAULT NULL::uuid'),
    ('approval_gate_verify_events(jsonb)',   'digest jsonb'),
    ('approval_gate_verify_events(text)',    'workspace_or_digest text')) AS v(sig, args);

-- ---------------------------------------------------------------------------------------------
-- The roles and the built-in policies
-- ---------------------------------------------------------------------------------------------
SELECT has_role(r, 'role ' || r || ' exists') FROM unnest(ARRAY['approval_gate_approver', 'approval_gate_proxy']) AS r;
SELECT is((SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = r), false, r || ' is NOLOGIN')
  FROM unnest(ARRAY['approval_gate_approver', 'approval_gate_proxy']) AS r;
SELECT is((SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls
             FROM pg_catalog.pg_roles WHERE rolname = r), false,
          r || ' has no superuser, createrole, createdb or bypassrls attribute')
  FROM unnest(ARRAY['approval_gate_approver', 'approval_gate_proxy']) AS r;

SELECT results_eq(
    format($$SELECT action, gated, required_approvals, approver_role::text COLLATE "default", pending_ttl,
                    approval_ttl, deny_cooldown, allow_self_approval, consumable_by_any
               FROM %I.approval_gate_builtin_policies ORDER BY action$$, :'ext_schema'),
    $$VALUES ('delete_workspace', true, 1, 'approval_gate_approver', NULL::interval, interval '1 day', interval '10 minutes', false, false),
             ('deprovision_workspace', true, 1, 'approval_gate_approver', NULL::interval, interval '1 day', interval '10 minutes', false, false),
             ('org_token_mint', true, 1, 'approval_gate_approver', NULL::interval, interval '1 day', interval '10 minutes', false, false),
             ('secret_write', true, 1, 'approval_gate_approver', NULL::interval, interval '1 day', interval '10 minutes', false, false)$$,
    'exactly the 4 built-in default policies, gated with the documented defaults');
SELECT is_empty(format('SELECT * FROM %I.approval_gate_policies', :'ext_schema'),
                'a fresh install has no rows of its own in approval_gate_policies: nothing a restore collides with');

-- ---------------------------------------------------------------------------------------------
-- pg_dump keeps the data: every table is registered with pg_extension_config_dump
-- ---------------------------------------------------------------------------------------------
SELECT set_has(
    $$SELECT c.relname::text COLLATE "default" FROM pg_catalog.pg_extension e, unnest(e.extconfig) AS x(oid)
        JOIN pg_catalog.pg_class c ON c.oid = x.oid WHERE e.extname = 'approval_gate'$$,
    $$VALUES ('approval_gate_policies'), ('approval_gate_workspaces'), ('approval_gate_requests'),
             ('approval_gate_votes'), ('approval_gate_events'), ('approval_gate_event_queue'),
             ('approval_gate_event_heads'), ('approval_gate_event_prunes'), ('approval_gate_protected')$$,
    'pg_extension.extconfig registers every approval_gate data table for pg_dump');
SELECT set_eq(
    $$SELECT c.relname::text COLLATE "default" FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
       WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
         AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'approval_gate')
         AND c.oid <> ALL ((SELECT extconfig FROM pg_catalog.pg_extension WHERE extname = 'approval_gate')::oid[])$$,
    ARRAY['approval_gate_builtin_policies'],
    'only the built-in policies, part of the extension itself, are left out of pg_dump');

-- ---------------------------------------------------------------------------------------------
-- Naming and search_path pinning, checked over every member of the extension
-- ---------------------------------------------------------------------------------------------
CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.proname, p.prosecdef, p.proconfig, p.pronamespace
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'approval_gate');

SELECT cmp_ok((SELECT count(*)::int FROM ext_functions
                WHERE proname LIKE 'approval\_gate\_%' AND pronamespace = :'ext_schema'::regnamespace), '>=', 25,
              'the extension owns at least the 25 documented approval_gate_* functions (the checks below are not vacuous)');
-- The hot entry points pin search_path in C around the SQL they run (README, trust model);
-- 02_privileges runs them under a hijacked search_path to show it. Every other function pins it
-- with a SET clause.
SELECT set_eq(
    $$SELECT proname::text FROM ext_functions
       WHERE NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
    ARRAY['approval_gate_require', 'approval_gate_consume', 'approval_gate_request_hash',
          'approval_gate_canonical_json', 'approval_gate_principal', 'approval_gate_caller_gated',
          'approval_gate_protect_trigger'],
    'every function of the extension pins search_path = pg_catalog, pg_temp, except the hot ones that pin it in C');
SELECT is_empty(
    $$SELECT oid::regprocedure FROM ext_functions
       WHERE prosecdef AND NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
    'no SECURITY DEFINER function of the extension leaves search_path unpinned');
SELECT is_empty($$SELECT oid::regprocedure FROM ext_functions WHERE prosecdef$$,
                'no function of the extension is SECURITY DEFINER (README: they capture the caller, then switch)');
SELECT is_empty(
    $$SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
        FROM pg_catalog.pg_depend d
        LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
        LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
        LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
       WHERE d.deptype = 'e' AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'approval_gate')
         AND coalesce(c.relname, p.proname, t.typname) NOT LIKE 'approval\_gate\_%'$$,
    'every relation, function and type of the extension is named approval_gate_*');

-- ---------------------------------------------------------------------------------------------
-- Table privileges as the catalog records them (behaviour is tested in 02_privileges.sql)
-- ---------------------------------------------------------------------------------------------
SELECT is_empty(
    format($$SELECT c.relname FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
              WHERE c.relnamespace = %L::regnamespace AND a.grantee = 0 AND c.relkind = 'r'
                AND c.relname LIKE 'approval\_gate\_%%'$$, :'ext_schema'),
    'PUBLIC holds no privilege on any approval_gate table');
SELECT set_eq(
    format($$SELECT c.relname::text || ' ' || a.privilege_type FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
              WHERE c.relnamespace = %L::regnamespace AND a.grantee = 0 AND c.relkind = 'v'
                AND c.relname LIKE 'approval\_gate\_%%'$$, :'ext_schema'),
    ARRAY['approval_gate_pending SELECT', 'approval_gate_visible_requests SELECT',
          'approval_gate_visible_votes SELECT', 'approval_gate_visible_events SELECT',
          'approval_gate_protected_tables SELECT'],
    'PUBLIC reads the views, which filter rows for the caller, and nothing else');
SELECT set_eq(
    format($$SELECT c.relname::text || ' ' || a.privilege_type FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
              WHERE c.relnamespace = %L::regnamespace AND c.relname LIKE 'approval\_gate\_%%'
                AND c.relkind IN ('r', 'v') AND a.grantee = 'approval_gate_approver'::regrole$$, :'ext_schema'),
    ARRAY['approval_gate_policies SELECT', 'approval_gate_builtin_policies SELECT',
          'approval_gate_workspaces SELECT', 'approval_gate_protected SELECT'],
    'approval_gate_approver reads the policies, the hierarchy and the protections directly, and nothing else');
SELECT set_eq(
    format($$SELECT p.proname::text FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = %L::regnamespace AND p.proname LIKE 'approval\_gate\_%%'
                AND NOT EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                 WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')$$,
           :'ext_schema'),
    ARRAY['approval_gate_set_policy', 'approval_gate_drop_policy', 'approval_gate_set_parent', 'approval_gate_expire',
          'approval_gate_verify_events', 'approval_gate_digest', 'approval_gate_seal_events',
          'approval_gate_prune_events', 'approval_gate_policies_changed', 'approval_gate_refuse_change'],
    'EXECUTE is revoked from PUBLIC on exactly the administrative functions and internal triggers');

SELECT * FROM finish();
ROLLBACK;
