-- The shortcuts on the hot paths keep every rule: the policy cache, the hash memo, the in-place ungated answer.
SET client_min_messages = warning;

-- An ungated action is answered without hashing, whether its policy is cached yet or not: no hash, and the context's
-- number rules are not applied (only NULL and non-object contexts are refused).
SELECT outcome, request_id IS NULL AS no_id, request_hash IS NULL AS no_hash
  FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"n": 9007199254740993}');
SELECT outcome FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"n": 9007199254740993}');
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '[]')$$);
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', NULL)$$);
SELECT approval_gate_consume('13000000-0000-0000-0000-000000000001', 'hot_op') IS NULL AS consume_ungated;
-- Once 'hot_op' is known ungated, the answer read from the arguments in place still refuses every
-- argument the full path refuses, with the same error, and reads what it cannot read in place
-- (a 1-byte-header jsonb, a compressed reason) the full way.
SELECT sql_error($$SELECT approval_gate_require(NULL, 'hot_op')$$) AS null_workspace;
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', NULL)$$) AS null_action;
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '1')$$) AS scalar_context;
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', reason => repeat('r', 8193))$$) AS long_reason;
SELECT outcome AS reason_at_limit
  FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', reason => repeat('r', 8192));
SELECT sql_error($$SELECT approval_gate_consume('13000000-0000-0000-0000-000000000001', 'hot_op', missing_ok => NULL)$$) AS null_missing_ok;
CREATE TEMP TABLE hot_args (context jsonb, reason text);
INSERT INTO hot_args VALUES ('{}', repeat('r', 8192)), ('[]', NULL), ('{}', repeat('r', 100000));
SELECT pg_column_size(context) < 8 AS short_header_context, pg_column_size(reason) < 8192 AS compressed_reason
  FROM hot_args WHERE reason IS NOT NULL;
SELECT r.outcome AS from_columns
  FROM hot_args a, LATERAL approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', a.context, a.reason) r
 WHERE a.context = '{}' AND octet_length(a.reason) = 8192;
SELECT sql_error($$SELECT r.outcome FROM hot_args a,
    LATERAL approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', a.context, a.reason) r
    WHERE octet_length(a.reason) > 8192$$) AS compressed_long_reason;
SELECT sql_error($$SELECT r.outcome FROM hot_args a,
    LATERAL approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', a.context, a.reason) r
    WHERE a.context = '[]'$$) AS array_context_from_column;
DROP TABLE hot_args;
-- The result row's descriptor comes from the type cache, not from state kept per call site: a
-- prepared statement run past its custom plans (a fresh call site each time), and the scalar form,
-- still get an approval_gate_decision.
PREPARE hot_ungated AS SELECT * FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op');
EXECUTE hot_ungated;
EXECUTE hot_ungated;
EXECUTE hot_ungated;
EXECUTE hot_ungated;
EXECUTE hot_ungated;
EXECUTE hot_ungated;
EXECUTE hot_ungated;
DEALLOCATE hot_ungated;
SELECT pg_typeof(approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op')) AS scalar_type,
       (approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op')).outcome AS scalar_outcome;

-- Gating it is seen by the very next call of this session (the cache is invalidated, not stale),
-- and then the number rules apply.
SELECT approval_gate_set_policy('hot_op');
SELECT outcome, request_hash IS NOT NULL AS hashed
  FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}');
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"n": 9007199254740993}')$$);

-- A remembered hash still passes the size limit in force now, not the one it was computed under.
SELECT request_id AS hot_id FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}') \gset
SET approval_gate.max_context_bytes = 5;
SELECT sql_error($$SELECT approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}')$$);
SELECT sql_error($$SELECT approval_gate_consume('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}', missing_ok => true)$$);
RESET approval_gate.max_context_bytes;
-- Not even a superuser may allow contexts over 4 MB: canonicalizing one holds a parse tree in memory.
SELECT sql_error($$SET approval_gate.max_context_bytes = '5MB'$$) AS over_4mb;
SELECT sql_error($$SET approval_gate.max_context_bytes = '4MB'$$) AS at_4mb;
RESET approval_gate.max_context_bytes;
SELECT outcome, request_id = :'hot_id' AS same_request
  FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}');
-- The memo is keyed by exact bytes: an equal context written differently gives the same hash,
-- a different one never does.
SELECT (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1.0}'))
     = (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}')) AS equal_json_same_hash,
       (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 2}'))
     = (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}')) AS other_json_same_hash;
-- Sealed bytes bypass the memo: a different secret is a different request.
SELECT (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}', sealed => 'a'))
     = (SELECT request_hash FROM approval_gate_require('13000000-0000-0000-0000-000000000001', 'hot_op', '{"k": 1}', sealed => 'b')) AS secrets_share_hash;

-- A call sees what this transaction wrote before, in the same statement and after it.
BEGIN;
SELECT approval_gate_set_policy('hot_self', allow_self_approval => true);
SELECT approval_gate_approve((approval_gate_require('13000000-0000-0000-0000-000000000002', 'hot_self')).request_id) AS approved_in_txn;
SELECT outcome FROM approval_gate_require('13000000-0000-0000-0000-000000000002', 'hot_self');
SELECT outcome FROM approval_gate_require('13000000-0000-0000-0000-000000000002', 'hot_self');
ROLLBACK;
-- The same at REPEATABLE READ, where the transaction's snapshot predates its own writes: the
-- approval and the consumption are seen by the next call, and the events the transaction queued are
-- sealed by it into a chain that links every one of them.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT approval_gate_set_policy('hot_self_rr', allow_self_approval => true);
SELECT approval_gate_approve((approval_gate_require('13000000-0000-0000-0000-000000000003', 'hot_self_rr')).request_id) AS approved_in_txn;
SELECT outcome FROM approval_gate_require('13000000-0000-0000-0000-000000000003', 'hot_self_rr');
SELECT outcome FROM approval_gate_require('13000000-0000-0000-0000-000000000003', 'hot_self_rr');
SELECT approval_gate_seal_events() > 0 AS sealed;
SELECT seq, event, status FROM approval_gate_events WHERE workspace_id = '13000000-0000-0000-0000-000000000003' ORDER BY seq;
SELECT h.seq = max(e.seq) AS head_at_newest, bool_and(h.hash = e.hash) FILTER (WHERE e.seq = h.seq) AS head_hash_is_newest
  FROM approval_gate_event_heads h JOIN approval_gate_events e USING (workspace_id)
 WHERE h.workspace_id = '13000000-0000-0000-0000-000000000003' GROUP BY h.seq;
SELECT count(*) AS broken FROM approval_gate_verify_events('13000000-0000-0000-0000-000000000003');
COMMIT;

-- Request ids are version 7 UUIDs: their first 48 bits are the Unix milliseconds of their creation, so
-- the primary-key entries that every consumption writes again stay together (README, Performance).
SELECT count(*) AS requests,
       bool_and(substr(id::text, 15, 1) = '7' AND substr(id::text, 20, 1) IN ('8', '9', 'a', 'b')) AS version_7,
       bool_and(abs(('x' || lpad(substr(replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint
                    - (extract(epoch FROM created_at) * 1000)::bigint) < 1000) AS prefix_is_creation_ms
  FROM approval_gate_requests WHERE workspace_id = '13000000-0000-0000-0000-000000000003';

SELECT approval_gate_drop_policy('hot_self_rr');
SELECT approval_gate_drop_policy('hot_op');
