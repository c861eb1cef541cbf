-- Issue 11 I, D1, F4: one statement makes one decision; a read-only transaction writes nothing and
-- gets 25006; an error reveals no more than the caller may read.
SET client_min_messages = warning;
\set ws '''44444444-4444-4444-4444-444444444444'''

-- I. (approval_gate_require(...)).* runs the function once per output column. Against an approved
-- request every evaluation returns the first one's decision: approved, with the approval's id.
\c - agent
SELECT request_id AS i_req FROM approval_gate_require(:ws, 'delete_workspace', '{"i": 1}') \gset
\c - alice
SELECT approval_gate_approve(:'i_req');
\c - agent
SELECT (approval_gate_require(:ws, 'delete_workspace', '{"i": 1}')).*, :'i_req'::uuid AS approved_id \gset
SELECT :'outcome' AS outcome, :'request_id' = :'approved_id' AS same_id;
\c - postgres
SELECT status, count(*) FROM approval_gate_requests WHERE context = '{"i": 1}' GROUP BY status;
-- The same call over three rows of one statement: one decision, one request.
\c - agent
SELECT g, r.outcome, r.request_id IS NOT NULL AS has_id
  FROM generate_series(1, 3) g, LATERAL approval_gate_require(:ws, 'delete_workspace', '{"i": 2}') r ORDER BY g;
SELECT count(DISTINCT (approval_gate_require(:ws, 'delete_workspace', '{"i": 2}')).request_id) AS distinct_ids
  FROM generate_series(1, 3);
\c - postgres
SELECT count(*) AS requests FROM approval_gate_requests WHERE context = '{"i": 2}';
-- Separate statements are separate decisions: a PL/pgSQL loop asks twice, and the second call,
-- after the approval was used, gets a new pending request.
\c - alice
SELECT approval_gate_approve(id) FROM approval_gate_pending WHERE context = '{"i": 2}';
\c - agent
DO $$
DECLARE d approval_gate_decision;
BEGIN
    FOR i IN 1..2 LOOP
        d := approval_gate_require('44444444-4444-4444-4444-444444444444', 'delete_workspace', '{"i": 2}');
        RAISE WARNING 'call %: %', i, d.outcome;
    END LOOP;
END $$;

-- D1. A read-only transaction: a call that would write refuses with 25006 and writes nothing; a
-- call that only reads (a retry of a pending request, an ungated action) answers.
\c - agent
SELECT request_id AS ro_req FROM approval_gate_require(:ws, 'delete_workspace', '{"ro": 1}') \gset
SELECT request_id AS ro_pending FROM approval_gate_require(:ws, 'delete_workspace', '{"ro": 2}') \gset
\c - alice
SELECT approval_gate_approve(:'ro_req');
\c - agent
BEGIN READ ONLY;
SELECT try($$SELECT approval_gate_require('44444444-4444-4444-4444-444444444444', 'delete_workspace', '{"ro": 1}')$$) AS require_approved;
COMMIT;
BEGIN READ ONLY;
SELECT try($$SELECT approval_gate_consume('44444444-4444-4444-4444-444444444444', 'delete_workspace', '{"ro": 1}')$$) AS consume;
COMMIT;
BEGIN READ ONLY;
SELECT try($$SELECT approval_gate_require('44444444-4444-4444-4444-444444444444', 'delete_workspace', '{"ro": 3}')$$) AS require_new;
COMMIT;
BEGIN READ ONLY;
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'ro_pending')) AS withdraw;
COMMIT;
BEGIN READ ONLY;
SELECT outcome, request_id = :'ro_pending' AS same_pending FROM approval_gate_require(:ws, 'delete_workspace', '{"ro": 2}');
SELECT outcome FROM approval_gate_require(:ws, 'read_report', '{}');
COMMIT;
SET default_transaction_read_only = on;
SELECT try($$SELECT approval_gate_consume('44444444-4444-4444-4444-444444444444', 'delete_workspace', '{"ro": 1}')$$) AS consume_default_read_only;
RESET default_transaction_read_only;
\c - alice
BEGIN READ ONLY;
SELECT try(format('SELECT approval_gate_approve(%L)', :'ro_pending')) AS approve;
COMMIT;
BEGIN READ ONLY;
SELECT try(format('SELECT approval_gate_deny(%L)', :'ro_pending')) AS deny;
COMMIT;
BEGIN READ ONLY;
SELECT try('SELECT approval_gate_expire()') AS expire;
COMMIT;
\c - postgres
BEGIN READ ONLY;
SELECT try($$SELECT approval_gate_set_policy('ro_op')$$) AS set_policy;
COMMIT;
BEGIN READ ONLY;
SELECT try('SELECT approval_gate_seal_events()') AS seal;
COMMIT;
-- Nothing was written: the approval is still there, the pending request too.
SELECT context, status FROM approval_gate_requests WHERE context @> '{"ro": 1}' OR context @> '{"ro": 2}'
    OR context @> '{"ro": 3}' ORDER BY context::text;
\c - agent
SELECT outcome, request_id = :'ro_req' AS consumed_now FROM approval_gate_require(:ws, 'delete_workspace', '{"ro": 1}');

-- F4. A login that knows a request id learns nothing from the error: not its action, not the roles
-- that may decide it, not its status.
\c - postgres
SELECT approval_gate_set_policy('secops_op', approver_role => 'pg_monitor');
\c - agent
SELECT request_id AS f4_req FROM approval_gate_require(:ws, 'secops_op', '{"secret": "name"}') \gset
\c - agent2
SELECT try(format('SELECT approval_gate_approve(%L)', :'f4_req')) AS approve_unknowing;
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'f4_req')) AS withdraw_unknowing;
SELECT count(*) AS agent2_sees FROM approval_gate_visible_requests WHERE id = :'f4_req';
\c - alice
SELECT try(format('SELECT approval_gate_approve(%L)', :'f4_req')) AS approver_of_other_action;
-- F4. A denial answers `denied` to every principal asking for the same key within the cooldown, but
-- tells its request id only to the principal who asked.
\c - agent
SELECT request_id AS denied_req FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 1}') \gset
\c - alice
SELECT approval_gate_deny(:'denied_req');
\c - agent
SELECT outcome, request_id = :'denied_req' AS own_id FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 1}');
\c - agent2
SELECT outcome, request_id IS NULL AS id_hidden FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 1}');
-- The cooldown follows the key's latest denial, even when another principal's request came after it.
\c - agent
SELECT request_id AS later_req FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 2}') \gset
\c - agent2
SELECT outcome FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 2}');
\c - alice
SELECT approval_gate_deny(:'later_req');
\c - agent
SELECT outcome, request_id = :'later_req' AS own_id FROM approval_gate_require(:ws, 'delete_workspace', '{"denied": 2}');

-- Memory: approval_gate_canonical_json takes no more JSON than a context may be (54000), as every
-- entry point that parses JSON in the backend's own heap does.
SELECT try($$SELECT approval_gate_canonical_json(jsonb_agg(0)) FROM generate_series(1, 100000)$$) AS canonical_json_too_big;
SELECT approval_gate_canonical_json('{"b": 1, "a": [true, null]}') AS canonical_json_small;
