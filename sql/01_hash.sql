-- approval_gate_request_hash and approval_gate_canonical_json.
-- Every expected hash is computed independently here, with PostgreSQL's own sha256() over canonical
-- JSON text written by hand, so a wrong canonicalizer cannot agree with itself.
SET client_min_messages = warning;

SELECT ag_counts() AS counts_before \gset

-- ---------------------------------------------------------------------------------------------
-- Known answers
-- ---------------------------------------------------------------------------------------------

-- Empty context (the default), and '{}' passed explicitly.
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace')
     = encode(sha256(convert_to(
         '{"action":"delete_workspace","context":{},"workspace_id":"11111111-1111-1111-1111-111111111111"}',
         'UTF8')), 'hex') AS empty_context;
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{}')
     = approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace') AS explicit_empty_is_default;
-- The hash is 64 lowercase hex digits.
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace') ~ '^[0-9a-f]{64}$' AS lowercase_hex;

-- Nested context with unsorted keys, arrays, literals and numbers.
SELECT approval_gate_request_hash('22222222-2222-2222-2222-222222222222', 'secret_write',
         '{"zeta": {"y": [3, 2, {"b": true, "a": null}], "x": "s"}, "alpha": 1.50, "mid": false}')
     = encode(sha256(convert_to(
         '{"action":"secret_write","context":{"alpha":1.5,"mid":false,"zeta":{"x":"s","y":[3,2,{"a":null,"b":true}]}},'
         '"workspace_id":"22222222-2222-2222-2222-222222222222"}',
         'UTF8')), 'hex') AS nested_unsorted;

-- Unicode keys are sorted by UTF-16 code units: U+20AC, then U+1F600 (surrogates D83D DE00),
-- then U+FB33, although U+FB33 < U+1F600 as code points.
SELECT approval_gate_canonical_json(E'{"\ufb33": 3, "\U0001F600": 2, "\u20ac": 1}')
     = E'{"\u20ac":1,"\U0001F600":2,"\ufb33":3}' AS utf16_key_order;
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace',
         '{"\ufb33": 3, "\ud83d\ude00": 2, "\u20ac": 1}')
     = encode(sha256(convert_to(
         E'{"action":"delete_workspace","context":{"\u20ac":1,"\U0001F600":2,"\ufb33":3},'
         '"workspace_id":"11111111-1111-1111-1111-111111111111"}',
         'UTF8')), 'hex') AS unicode_keys;

-- A sealed value: the member "sealed" is the hex SHA-256 of the bytes, sorted between
-- "context" and "workspace_id".
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'secret_write', '{"name": "db"}',
                                  '\x736563726574'::bytea)
     = encode(sha256(convert_to(
         '{"action":"secret_write","context":{"name":"db"},"sealed":"'
         || encode(sha256('\x736563726574'::bytea), 'hex')
         || '","workspace_id":"11111111-1111-1111-1111-111111111111"}',
         'UTF8')), 'hex') AS sealed_value;
-- The sealed digest written out: sha256('secret').
SELECT encode(sha256('secret'::bytea), 'hex') = '2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b' AS sealed_digest;
-- Empty sealed bytes are not the same as no sealed bytes.
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'secret_write', '{}', ''::bytea)
     = encode(sha256(convert_to(
         '{"action":"secret_write","context":{},"sealed":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",'
         '"workspace_id":"11111111-1111-1111-1111-111111111111"}', 'UTF8')), 'hex') AS empty_sealed;

-- Uppercase uuid text: the hash uses the lowercase form.
SELECT approval_gate_request_hash('ABCDEF01-2345-6789-ABCD-EF0123456789', 'org_token_mint')
     = encode(sha256(convert_to(
         '{"action":"org_token_mint","context":{},"workspace_id":"abcdef01-2345-6789-abcd-ef0123456789"}',
         'UTF8')), 'hex') AS uppercase_uuid_lowered;

-- An action needing escapes is canonicalized like any JSON string.
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', E'say "hi"\\now')
     = encode(sha256(convert_to(
         '{"action":"say \"hi\"\\now","context":{},"workspace_id":"11111111-1111-1111-1111-111111111111"}',
         'UTF8')), 'hex') AS escaped_action;

-- Key order, whitespace and number spelling never change the hash.
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"a":1,"b":2}')
     = approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"b":2, "a":1.0}') AS same_hash;
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{ "a" : 1e0 , "b" : 20E-1 }')
     = encode(sha256(convert_to(
         '{"action":"delete_workspace","context":{"a":1,"b":2},"workspace_id":"11111111-1111-1111-1111-111111111111"}',
         'UTF8')), 'hex') AS same_known_answer;

-- Any different input changes it.
WITH base AS (SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace',
                                                '{"a":1}', '\x01') AS h)
SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111112', 'delete_workspace', '{"a":1}', '\x01') <> h AS other_workspace,
       approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'deprovision_workspace', '{"a":1}', '\x01') <> h AS other_action,
       approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"a":2}', '\x01') <> h AS other_context,
       approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"a":"1"}', '\x01') <> h AS string_not_number,
       approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"a":1}', '\x02') <> h AS other_sealed,
       approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"a":1}') <> h AS no_sealed
FROM base;

-- ---------------------------------------------------------------------------------------------
-- approval_gate_canonical_json: RFC 8785 examples
-- ---------------------------------------------------------------------------------------------
SELECT j AS input, approval_gate_canonical_json(j::jsonb) AS canonical
FROM (VALUES ('1e21'), ('1e-7'), ('0.000001'), ('5e-324'), ('-0'), ('-0.0'), ('100'), ('1.5'), ('1E+2'), ('-1.25e-3'),
             ('123456789012345680000'), ('1e20'), ('333333333.3333333'), ('4.50'), ('2e-3'),
             ('1.7976931348623157e308'), ('-5e-324'), ('9007199254740992'), ('0.1'),
             ('true'), ('false'), ('null'), ('[]'), ('{}'), ('[1, [2, {"b": 0, "a": []}]]')) AS t(j);

-- Strings: short escapes for \b \t \n \f \r, lowercase \u00xx for other controls, "/" and DEL and
-- U+2028 / U+2029 left as they are, non-ASCII kept as UTF-8.
SELECT approval_gate_canonical_json('"\u0001\b\t\n\u000b\f\r\u001f \"\\/"') AS controls;
SELECT approval_gate_canonical_json('"\u007f"') = E'"\x7f"' AS del_kept;
SELECT approval_gate_canonical_json('"\u2028\u2029"') = E'"\u2028\u2029"' AS line_separators_kept;
SELECT approval_gate_canonical_json('"\u00e9\u20ac\ud83d\ude00"') = E'"\u00e9\u20ac\U0001F600"' AS utf8_kept;
-- The RFC 8785 section 3.2.3 example object, with 333333333.3333333 for its 333333333.33333329: the
-- gate refuses a number whose text does not survive the round trip through a double (see below),
-- where plain RFC 8785 would round it.
SELECT approval_gate_canonical_json($j${"numbers": [333333333.3333333, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}$j$)
     = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"'
       || E'\u20ac' || $s$$\u000f\nA'B\"\\\\\"/"}$s$ AS rfc8785_example;
SELECT approval_gate_canonical_json('{"numbers": [333333333.3333333, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "literals": [null, true, false]}') AS rfc8785_numbers;
SELECT sqlstate_of($$SELECT approval_gate_canonical_json('333333333.33333329')$$) AS rfc8785_inexact_number;
-- Canonicalizing canonical text again is the identity.
SELECT approval_gate_canonical_json(approval_gate_canonical_json('{"b": [1.0, -0, 1e21], "a": {"d": 1, "c": 2}}')::jsonb)
     = approval_gate_canonical_json('{"b": [1.0, -0, 1e21], "a": {"d": 1, "c": 2}}') AS idempotent;
-- STRICT: NULL in, NULL out.
SELECT approval_gate_canonical_json(NULL) IS NULL AS null_in_null_out;

-- ---------------------------------------------------------------------------------------------
-- Rejections: every error prints its SQLSTATE
-- ---------------------------------------------------------------------------------------------

-- Numbers that are not exactly an IEEE-754 double: 22023 with a hint.
SELECT n, sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{"n": %s}')$q$, n)) AS request_hash
FROM (VALUES ('9007199254740993'), ('1e400'), ('-1e400'), ('0.10000000000000000001'), ('1e-400')) AS t(n);
SELECT n, sqlstate_of(format($q$SELECT approval_gate_canonical_json('%s')$q$, n)) AS canonical_json
FROM (VALUES ('9007199254740993'), ('1e400'), ('0.10000000000000000001')) AS t(n);

-- Context not an object: 22023.
SELECT c, sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$, c)) AS request_hash
FROM (VALUES ('[]'), ('[{}]'), ('1'), ('"s"'), ('null'), ('true')) AS t(c);

-- NULL workspace, action or context: 22004. NULL sealed is allowed (no sealed member).
SELECT sqlstate_of($$SELECT approval_gate_request_hash(NULL, 'delete_workspace')$$) AS null_workspace;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', NULL)$$) AS null_action;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', NULL)$$) AS null_context;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', '{}', NULL)$$) AS null_sealed;

-- Empty and over-long actions: 22023. 128 bytes is the limit, in bytes not characters.
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', '')$$) AS empty_action;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', repeat('a', 128))$$) AS action_128_bytes;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', repeat('a', 129))$$) AS action_129_bytes;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', repeat(E'\u00e9', 64))$$) AS action_64_chars_128_bytes;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'a' || repeat(E'\u00e9', 64))$$) AS action_65_chars_129_bytes;

-- Context larger than approval_gate.max_context_bytes: 54000.
SET approval_gate.max_context_bytes = 64;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', jsonb_build_object('k', repeat('x', 40)))$$) AS context_fits;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', jsonb_build_object('k', repeat('x', 100)))$$) AS context_too_large;
RESET approval_gate.max_context_bytes;
SHOW approval_gate.max_context_bytes;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', jsonb_build_object('k', repeat('x', 60000)))$$) AS context_60000;
SELECT sqlstate_of($$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', jsonb_build_object('k', repeat('x', 70000)))$$) AS context_70000;
-- Only a superuser may change the limit.
CREATE ROLE regress_hash_user;
SET ROLE regress_hash_user;
SELECT sqlstate_of($$SET approval_gate.max_context_bytes = 100000000$$) AS non_superuser_set;
RESET ROLE;
DROP ROLE regress_hash_user;

-- Nesting: 256 levels (the context object and 255 arrays) are accepted, 257 and 300 are 54000.
SELECT sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$,
                          '{"a":' || repeat('[', 255) || repeat(']', 255) || '}')) AS depth_256;
SELECT sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$,
                          '{"a":' || repeat('[', 256) || repeat(']', 256) || '}')) AS depth_257;
SELECT sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$,
                          '{"a":' || repeat('[', 300) || repeat(']', 300) || '}')) AS depth_301;
SELECT sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$,
                          '{"a":' || repeat('{"a":', 300) || '1' || repeat('}', 300) || '}')) AS objects_301;
-- 10000 levels: refused cleanly, either by the gate (54000) or by PostgreSQL's JSON parser (54001).
SELECT sqlstate_of(format($q$SELECT approval_gate_request_hash('11111111-1111-1111-1111-111111111111', 'delete_workspace', %L)$q$,
                          '{"a":' || repeat('[', 10000) || repeat(']', 10000) || '}')) AS depth_10001;
SELECT sqlstate_of(format($q$SELECT approval_gate_canonical_json(%L)$q$, repeat('[', 10000) || repeat(']', 10000))) AS canonical_depth_10000;
SELECT sqlstate_of(format($q$SELECT approval_gate_canonical_json(%L)$q$, repeat('[', 300) || repeat(']', 300))) AS canonical_depth_300;

-- Hashing writes nothing.
SELECT ag_counts() = :'counts_before' AS nothing_written;

