-- Bad input, tried systematically over every API function (issue 3, item 3).
-- Each call goes through try(), which prints its SQLSTATE (or ok) and whether any row of
-- requests, votes, events, policies or workspaces changed. Workspace: 04000000-...-0001.
SET client_min_messages = warning;

CREATE FUNCTION ag_count_vector() RETURNS bigint[] LANGUAGE sql SECURITY DEFINER AS $$
    SELECT ARRAY[(SELECT count(*) FROM approval_gate_requests),
                 (SELECT count(*) FROM approval_gate_votes),
                 (SELECT count(*) FROM approval_gate_events) + (SELECT count(*) FROM approval_gate_event_queue),
                 (SELECT count(*) FROM approval_gate_policies),
                 (SELECT count(*) FROM approval_gate_workspaces)]
$$;

-- try(q): 'SQLSTATE: message | nothing written', or 'ok | ...'. Random request ids are masked.
-- The message is cut at 120 characters so that no 10 MB value is ever echoed in full.
CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    before bigint[] := ag_count_vector();
    after bigint[];
    result text;
    names text[] := ARRAY['requests', 'votes', 'events', 'policies', 'workspaces'];
    delta text := '';
BEGIN
    BEGIN
        EXECUTE q;
        result := 'ok';
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || left(SQLERRM, 120);
    END;
    after := ag_count_vector();
    FOR i IN 1 .. 5 LOOP
        IF after[i] <> before[i] THEN
            delta := delta || format(' %s%s%s', names[i], CASE WHEN after[i] > before[i] THEN '+' ELSE '' END, after[i] - before[i]);
        END IF;
    END LOOP;
    RETURN regexp_replace(result || ' |' || coalesce(nullif(delta, ''), ' nothing written'),
                          '[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', '<request-id>', 'g');
END
$$;

CREATE ROLE regress_agent;
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
GRANT approval_gate_approver TO regress_alice, regress_bob;

-- A pending request to decide, and the state before the matrix.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS p_id FROM approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 1}') \gset
RESET SESSION AUTHORIZATION;
SELECT ag_count_vector() AS counts \gset

-- ---------------------------------------------------------------------------------------------
-- 1. NULL in each argument
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT label, try(q) AS result FROM (VALUES
  ('require(NULL workspace)',  $$SELECT approval_gate_require(NULL, 'delete_workspace', '{"p": 1}', 'r', '\x00')$$),
  ('require(NULL action)',     $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', NULL, '{"p": 1}', 'r', '\x00')$$),
  ('require(NULL context)',    $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', NULL, 'r', '\x00')$$),
  ('require(NULL reason)',     $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 1}', NULL)$$),
  ('require(NULL sealed)',     $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 1}', 'r', NULL)$$),
  ('consume(NULL workspace)',  $$SELECT approval_gate_consume(NULL, 'delete_workspace', '{}', NULL, true)$$),
  ('consume(NULL action)',     $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', NULL, '{}', NULL, true)$$),
  ('consume(NULL context)',    $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', 'delete_workspace', NULL, NULL, true)$$),
  ('consume(NULL sealed)',     $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', NULL, true)$$),
  ('consume(NULL missing_ok)', $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', NULL, NULL)$$),
  ('approve(NULL id)',         $$SELECT approval_gate_approve(NULL, 'note')$$),
  ('deny(NULL id)',            $$SELECT approval_gate_deny(NULL, 'note')$$),
  ('withdraw(NULL id)',        $$SELECT approval_gate_withdraw(NULL)$$),
  ('request_hash(NULL workspace)', $$SELECT approval_gate_request_hash(NULL, 'delete_workspace', '{}', '\x00')$$),
  ('request_hash(NULL action)',    $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', NULL, '{}', '\x00')$$),
  ('request_hash(NULL context)',   $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', NULL, '\x00')$$),
  ('request_hash(NULL sealed)',    $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', NULL)$$),
  ('canonical_json(NULL)',     $$SELECT approval_gate_canonical_json(NULL)$$),
  ('is_gated(NULL workspace)', $$SELECT approval_gate_is_gated(NULL, 'delete_workspace')$$),
  ('is_gated(NULL action)',    $$SELECT approval_gate_is_gated('04000000-0000-0000-0000-000000000001', NULL)$$)
) AS t(label, q);
RESET SESSION AUTHORIZATION;
-- NULL reason and sealed are optional: both calls found the pending request made above.
SELECT approval_gate_canonical_json(NULL) IS NULL AS canonical_json_strict;
-- Policy and hierarchy management (as superuser): every required field is 22004.
SELECT label, try(q) AS result FROM (VALUES
  ('set_policy(NULL action)',              $$SELECT approval_gate_set_policy(NULL, '04000000-0000-0000-0000-000000000001')$$),
  ('set_policy(NULL gated)',               $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', NULL)$$),
  ('set_policy(NULL required_approvals)',  $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', true, NULL)$$),
  ('set_policy(NULL approver_role)',       $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', true, 1, NULL)$$),
  ('set_policy(NULL approval_ttl)',        $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', approval_ttl => NULL)$$),
  ('set_policy(NULL deny_cooldown)',       $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', deny_cooldown => NULL)$$),
  ('set_policy(NULL allow_self_approval)', $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', allow_self_approval => NULL)$$),
  ('set_policy(NULL consumable_by_any)',   $$SELECT approval_gate_set_policy('regress_action', '04000000-0000-0000-0000-000000000001', consumable_by_any => NULL)$$),
  ('drop_policy(NULL action)',             $$SELECT approval_gate_drop_policy(NULL, '04000000-0000-0000-0000-000000000001')$$),
  ('set_parent(NULL workspace)',           $$SELECT approval_gate_set_parent(NULL, '04000000-0000-0000-0000-000000000002')$$),
  ('set_parent(NULL parent): unlink',      $$SELECT approval_gate_set_parent('04000000-0000-0000-0000-000000000001', NULL)$$),
  ('verify_events(NULL::uuid): every chain', $$SELECT approval_gate_verify_events(NULL::uuid)$$),
  ('verify_events(NULL): every chain, as 1.0', $$SELECT approval_gate_verify_events(NULL)$$),
  ('verify_events(NULL::jsonb digest)',   $$SELECT approval_gate_verify_events(NULL::jsonb)$$)
) AS t(label, q);
-- NULL workspace_id and NULL pending_ttl are meaningful: the default row, and "never expires".
SELECT label, try(q) AS result FROM (VALUES
  ('set_policy(NULL workspace, NULL pending_ttl)', $$SELECT approval_gate_set_policy('regress_action', NULL, true, 1, 'approval_gate_approver', NULL)$$),
  ('drop_policy(NULL workspace)',                  $$SELECT approval_gate_drop_policy('regress_action', NULL)$$)
) AS t(label, q);
SELECT ag_count_vector() = :'counts' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- 2. Wrong types, invalid and non-canonical UUID text
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT label, try(q) AS result FROM (VALUES
  ('workspace not-a-uuid',      $$SELECT approval_gate_require('not-a-uuid', 'delete_workspace')$$),
  ('workspace empty text',      $$SELECT approval_gate_require('', 'delete_workspace')$$),
  ('workspace 35 hex digits',   $$SELECT approval_gate_require('04000000-0000-0000-0000-00000000001', 'delete_workspace')$$),
  ('workspace integer',         $$SELECT approval_gate_require(42, 'delete_workspace')$$),
  ('context not JSON',          $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{p: 1}')$$),
  ('context typed text',        $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}'::text)$$),
  ('context \u0000',            $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": "\u0000"}')$$),
  ('sealed bad hex',            $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', NULL, '\xzz')$$),
  ('missing_ok maybe',          $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', NULL, 'maybe')$$),
  ('approve not-a-uuid',        $$SELECT approval_gate_approve('not-a-uuid')$$),
  ('deny not-a-uuid',           $$SELECT approval_gate_deny('not-a-uuid')$$),
  ('withdraw not-a-uuid',       $$SELECT approval_gate_withdraw('not-a-uuid')$$),
  ('is_gated not-a-uuid',       $$SELECT approval_gate_is_gated('not-a-uuid', 'delete_workspace')$$)
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SELECT label, try(q) AS result FROM (VALUES
  ('set_parent not-a-uuid',          $$SELECT approval_gate_set_parent('04000000-0000-0000-0000-000000000001', 'not-a-uuid')$$),
  ('set_policy required_approvals text', $$SELECT approval_gate_set_policy('regress_action', NULL, true, 'two')$$),
  ('set_policy pending_ttl bad',     $$SELECT approval_gate_set_policy('regress_action', pending_ttl => 'soon')$$)
) AS t(label, q);
-- Braces, uppercase and no hyphens are accepted by the uuid type and hash like the canonical form.
SELECT approval_gate_request_hash('{04000000-0000-0000-0000-0000000000AB}', 'delete_workspace')
         = approval_gate_request_hash('04000000-0000-0000-0000-0000000000ab', 'delete_workspace') AS braces_uppercase,
       approval_gate_request_hash('040000000000000000000000000000ab', 'delete_workspace')
         = approval_gate_request_hash('04000000-0000-0000-0000-0000000000ab', 'delete_workspace') AS no_hyphens,
       approval_gate_request_hash('{04000000-0000-0000-0000-0000000000AB}', 'delete_workspace')
         = encode(sha256(convert_to('{"action":"delete_workspace","context":{},"workspace_id":"04000000-0000-0000-0000-0000000000ab"}', 'UTF8')), 'hex') AS known_answer;
-- ... and a request made with the non-canonical text is the same request.
SET SESSION AUTHORIZATION regress_agent;
SELECT outcome, request_id = :'p_id' AS same_request
FROM approval_gate_require('{04000000-0000-0000-0000-000000000001}', 'delete_workspace', '{"p": 1}');
SELECT outcome, request_id = :'p_id' AS same_request
FROM approval_gate_require('04000000000000000000000000000001', 'delete_workspace', '{"p": 1}');
RESET SESSION AUTHORIZATION;
SELECT workspace_id FROM approval_gate_requests WHERE id = :'p_id';
-- A request id in upper case with braces names the same request: the agent is refused for not being
-- an approver (42501), which is checked after the request was found (an unknown id is P0002).
SELECT upper('{' || :'p_id' || '}') AS p_id_upper \gset
SET SESSION AUTHORIZATION regress_agent;
SELECT try(format('SELECT approval_gate_approve(%L)', :'p_id_upper')) AS agent_approves_by_upper_id;
RESET SESSION AUTHORIZATION;
SELECT ag_count_vector() = :'counts' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- 3. Empty and 10 MB strings
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT label, try(q) AS result FROM (VALUES
  ('require action empty',      $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', '')$$),
  ('require action 10 MB',      $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', repeat('x', 10*1024*1024))$$),
  ('consume action empty',      $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', '', missing_ok => true)$$),
  ('consume action 10 MB',      $$SELECT approval_gate_consume('04000000-0000-0000-0000-000000000001', repeat('x', 10*1024*1024), missing_ok => true)$$),
  ('request_hash action empty', $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', '')$$),
  ('request_hash action 10 MB', $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', repeat('x', 10*1024*1024))$$),
  ('is_gated action empty',     $$SELECT approval_gate_is_gated('04000000-0000-0000-0000-000000000001', '')$$),
  ('is_gated action 10 MB',     $$SELECT approval_gate_is_gated('04000000-0000-0000-0000-000000000001', repeat('x', 10*1024*1024))$$),
  ('require reason 10 MB',      $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 2}', repeat('x', 10*1024*1024))$$),
  ('require reason 8193 bytes', $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 2}', repeat('x', 8193))$$),
  ('require context 10 MB',     $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', jsonb_build_object('big', repeat('x', 10*1024*1024)))$$),
  ('require context 10 MB key', $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', jsonb_build_object(repeat('k', 10*1024*1024), 1))$$),
  ('require reason 8192 bytes', $$SELECT approval_gate_require('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"p": 1}', repeat('x', 8192))$$),
  ('request_hash sealed 10 MB', $$SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{}', convert_to(repeat('x', 10*1024*1024), 'UTF8'))$$)
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_alice;
SELECT label, try(q) AS result FROM (VALUES
  ('approve note 10 MB',        format('SELECT approval_gate_approve(%L, repeat(%L, 10*1024*1024))', :'p_id', 'x')),
  ('deny note 10 MB',           format('SELECT approval_gate_deny(%L, repeat(%L, 10*1024*1024))', :'p_id', 'x')),
  ('approve note 8193 bytes',   format('SELECT approval_gate_approve(%L, repeat(%L, 8193))', :'p_id', 'x'))
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SELECT label, try(q) AS result FROM (VALUES
  ('set_policy action empty',     $$SELECT approval_gate_set_policy('')$$),
  ('set_policy action 10 MB',     $$SELECT approval_gate_set_policy(repeat('x', 10*1024*1024))$$),
  ('set_policy approver_role empty', $$SELECT approval_gate_set_policy('regress_action', approver_role => '')$$),
  ('set_policy approver_role 10 MB', $$SELECT approval_gate_set_policy('regress_action', approver_role => repeat('x', 10*1024*1024))$$),
  ('set_policy approver_role unknown', $$SELECT approval_gate_set_policy('regress_action', approver_role => 'regress_nobody')$$),
  ('drop_policy action 10 MB',    $$SELECT approval_gate_drop_policy(repeat('x', 10*1024*1024))$$)
) AS t(label, q);
-- Empty reason and note are accepted (they are only bounded in length): shown at the end.
SELECT ag_count_vector() = :'counts' AS nothing_written;
SELECT status FROM approval_gate_requests WHERE id = :'p_id';

-- ---------------------------------------------------------------------------------------------
-- 4. Policy values out of range
-- ---------------------------------------------------------------------------------------------
SELECT label, try(q) AS result FROM (VALUES
  ('required_approvals 0',      $$SELECT approval_gate_set_policy('regress_action', required_approvals => 0)$$),
  ('required_approvals -1',     $$SELECT approval_gate_set_policy('regress_action', required_approvals => -1)$$),
  ('required_approvals 101',    $$SELECT approval_gate_set_policy('regress_action', required_approvals => 101)$$),
  ('pending_ttl 0',             $$SELECT approval_gate_set_policy('regress_action', pending_ttl => '0')$$),
  ('pending_ttl -1 hour',       $$SELECT approval_gate_set_policy('regress_action', pending_ttl => '-1 hour')$$),
  ('approval_ttl 0',            $$SELECT approval_gate_set_policy('regress_action', approval_ttl => '0')$$),
  ('deny_cooldown -1 second',   $$SELECT approval_gate_set_policy('regress_action', deny_cooldown => '-1 second')$$),
  ('action 129 bytes',          $$SELECT approval_gate_set_policy(repeat('a', 129))$$)
) AS t(label, q);
-- Not the owner nor a superuser: 42501.
SET SESSION AUTHORIZATION regress_alice;
SELECT label, try(q) AS result FROM (VALUES
  ('alice set_policy',          $$SELECT approval_gate_set_policy('delete_workspace', '04000000-0000-0000-0000-000000000001', gated => false)$$),
  ('alice drop_policy',         $$SELECT approval_gate_drop_policy('delete_workspace')$$),
  ('alice set_parent',          $$SELECT approval_gate_set_parent('04000000-0000-0000-0000-000000000001', '04000000-0000-0000-0000-000000000002')$$)
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SELECT ag_count_vector() = :'counts' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- 5. Contexts: arrays, scalars, deep nesting, duplicate keys
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT c AS context, try(format('SELECT approval_gate_require(%L, %L, %L)', '04000000-0000-0000-0000-000000000001', 'delete_workspace', c)) AS require,
       try(format('SELECT approval_gate_consume(%L, %L, %L, NULL, true)', '04000000-0000-0000-0000-000000000001', 'delete_workspace', c)) AS consume
FROM (VALUES ('[]'), ('[1, 2]'), ('[{"a": 1}]'), ('0'), ('-1.5'), ('"text"'), ('""'), ('true'), ('false'), ('null')) AS t(c);
SELECT levels, try(format('SELECT approval_gate_require(%L, %L, %L)', '04000000-0000-0000-0000-000000000001', 'delete_workspace',
                          '{"a":' || repeat('[', levels - 1) || repeat(']', levels - 1) || '}')) AS require,
       try(format('SELECT approval_gate_consume(%L, %L, %L, NULL, true)', '04000000-0000-0000-0000-000000000001', 'delete_workspace',
                  '{"a":' || repeat('[', levels - 1) || repeat(']', levels - 1) || '}')) AS consume
FROM (VALUES (257), (300), (10000)) AS t(levels);
SELECT try(format('SELECT approval_gate_require(%L, %L, %L)', '04000000-0000-0000-0000-000000000001', 'delete_workspace',
                  '{"a":' || repeat('{"":', 9998) || 'null' || repeat('}', 9998) || '}')) AS objects_10000_levels;
RESET SESSION AUTHORIZATION;
SELECT ag_count_vector() = :'counts' AS nothing_written;
-- Duplicate keys: jsonb keeps the last one, so the hash is the deduplicated object's.
SELECT '{"a": 1, "b": 2, "a": 3}'::jsonb AS jsonb_keeps_last,
       approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": 1, "b": 2, "a": 3}')
         = approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": 3, "b": 2}') AS same_as_last,
       approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": 1, "b": 2, "a": 3}')
         <> approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": 1, "b": 2}') AS not_first,
       approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'delete_workspace', '{"a": 1, "b": 2, "a": 3}')
         = encode(sha256(convert_to('{"action":"delete_workspace","context":{"a":3,"b":2},"workspace_id":"04000000-0000-0000-0000-000000000001"}', 'UTF8')), 'hex') AS known_answer;
-- Nested duplicates too.
SELECT approval_gate_canonical_json('{"o": {"k": "first", "k": "last"}}') AS nested_duplicates;

-- ---------------------------------------------------------------------------------------------
-- 6. JSON number edges in a context
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_agent;
SELECT n AS number, try(format('SELECT approval_gate_require(%L, %L, %L)', '04000000-0000-0000-0000-000000000001', 'org_token_mint', '{"n": ' || n || '}')) AS require,
       try(format('SELECT approval_gate_consume(%L, %L, %L, NULL, true)', '04000000-0000-0000-0000-000000000001', 'org_token_mint', '{"n": ' || n || '}')) AS consume
FROM (VALUES ('1e400'), ('-1e400'), ('1e-400'), ('9007199254740993'), ('-9007199254740993'), ('0.10000000000000000001'),
             ('-0'), ('0.1'), ('9007199254740992'), ('1e21'), ('5e-324')) AS t(n);
RESET SESSION AUTHORIZATION;
-- The accepted ones hash as their RFC 8785 form: -0 is 0, 1e21 is 1e+21.
SELECT n AS number, canonical,
       approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'org_token_mint', ('{"n": ' || n || '}')::jsonb)
         = encode(sha256(convert_to('{"action":"org_token_mint","context":{"n":' || canonical || '},"workspace_id":"04000000-0000-0000-0000-000000000001"}', 'UTF8')), 'hex') AS known_answer
FROM (VALUES ('-0', '0'), ('0.1', '0.1'), ('9007199254740992', '9007199254740992'), ('1e21', '1e+21'), ('5e-324', '5e-324')) AS t(n, canonical);
-- -0 and 0 are one request.
SELECT approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'org_token_mint', '{"n": -0}')
     = approval_gate_request_hash('04000000-0000-0000-0000-000000000001', 'org_token_mint', '{"n": 0}') AS minus_zero_is_zero;
SELECT approval_gate_canonical_json(context) AS context, status FROM approval_gate_requests
WHERE workspace_id = '04000000-0000-0000-0000-000000000001' AND action = 'org_token_mint' ORDER BY 1 COLLATE "C";
SELECT ag_count_vector() AS counts \gset

-- ---------------------------------------------------------------------------------------------
-- 7. Unknown ids, deciding twice, deciding after expiry, withdraw after approval
-- ---------------------------------------------------------------------------------------------
SET SESSION AUTHORIZATION regress_alice;
SELECT label, try(q) AS result FROM (VALUES
  ('approve unknown id',  $$SELECT approval_gate_approve('04000000-0000-0000-0000-0000000000ff')$$),
  ('deny unknown id',     $$SELECT approval_gate_deny('04000000-0000-0000-0000-0000000000ff', '')$$),
  ('withdraw unknown id', $$SELECT approval_gate_withdraw('04000000-0000-0000-0000-0000000000ff')$$),
  ('approve nil uuid',    $$SELECT approval_gate_approve('00000000-0000-0000-0000-000000000000')$$)
) AS t(label, q);
-- Deciding twice: the first vote (with an empty note) decides, the second is 55000.
SELECT label, try(q) AS result FROM (VALUES
  ('approve, empty note, id in upper case with braces', format('SELECT approval_gate_approve(%L, %L)', :'p_id_upper', '')),
  ('approve again',       format('SELECT approval_gate_approve(%L)', :'p_id')),
  ('deny after approve',  format('SELECT approval_gate_deny(%L)', :'p_id'))
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SELECT status, decision_note = '' AS empty_note FROM approval_gate_requests WHERE id = :'p_id';
SET SESSION AUTHORIZATION regress_bob;
SELECT try(format('SELECT approval_gate_approve(%L)', :'p_id')) AS bob_approves_approved;
RESET SESSION AUTHORIZATION;
-- Withdraw after approval.
SET SESSION AUTHORIZATION regress_agent;
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'p_id')) AS withdraw_approved;
RESET SESSION AUTHORIZATION;
-- Deciding after expiry: a request whose deadline has passed, not yet swept.
SET SESSION AUTHORIZATION regress_agent;
SELECT request_id AS x_id FROM approval_gate_require('04000000-0000-0000-0000-000000000001', 'secret_write', '{"x": 1}', '') \gset
RESET SESSION AUTHORIZATION;
SELECT reason = '' AS empty_reason FROM approval_gate_requests WHERE id = :'x_id';
UPDATE approval_gate_requests SET expires_at = statement_timestamp() - interval '1 second' WHERE id = :'x_id';
SELECT ag_count_vector() AS counts \gset
SET SESSION AUTHORIZATION regress_bob;
SELECT label, try(q) AS result FROM (VALUES
  ('approve expired',  format('SELECT approval_gate_approve(%L)', :'x_id')),
  ('deny expired',     format('SELECT approval_gate_deny(%L)', :'x_id'))
) AS t(label, q);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_agent;
SELECT try(format('SELECT approval_gate_withdraw(%L)', :'x_id')) AS withdraw_expired;
RESET SESSION AUTHORIZATION;
SELECT ag_count_vector() = :'counts' AS nothing_written;
-- After the sweep the same calls are refused the same way.
SELECT approval_gate_expire() AS swept;
SET SESSION AUTHORIZATION regress_bob;
SELECT try(format('SELECT approval_gate_approve(%L)', :'x_id')) AS approve_swept;
RESET SESSION AUTHORIZATION;
SELECT status FROM approval_gate_requests WHERE id = :'x_id';

SELECT approval_gate_seal_events() >= 0 AS sealed; SELECT count(*) AS unsealed FROM approval_gate_event_queue;
SELECT * FROM approval_gate_verify_events();

-- Clean up.
DROP ROLE regress_agent, regress_alice, regress_bob;
DROP FUNCTION try(text);
DROP FUNCTION ag_count_vector();
