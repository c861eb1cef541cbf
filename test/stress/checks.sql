-- approval_gate stress test: the invariants, as one function returning (check, ok, detail).
-- Installed once by run.sh; run after every pgbench run and after every crash and restart.
-- All checks are over the whole database (every run so far), not only the last run.
\set ON_ERROR_STOP 1
CREATE OR REPLACE FUNCTION stress_checks()
RETURNS TABLE (check_name text, ok boolean, detail text)
LANGUAGE plpgsql AS $$
DECLARE
    a bigint; b bigint; c bigint; d bigint; e bigint;
    idx regclass;
    bad text;
BEGIN
    -- 0. Events committed but not sealed yet (a crash may have come between) are sealed now, and
    --    nothing is left behind; the checks below read the sealed chains.
    a := approval_gate_seal_events();
    SELECT count(*) INTO b FROM approval_gate_event_queue;
    check_name := 'queue_sealed'; ok := b = 0;
    detail := format('%s events sealed now, %s left in the queue', a, b); RETURN NEXT;

    -- 1. No request consumed twice: at most one 'consumed' event per request.
    SELECT count(*), count(*) FILTER (WHERE k > 1) INTO a, b
      FROM (SELECT request_id, count(*) AS k FROM approval_gate_events WHERE event = 'consumed'
             GROUP BY request_id) s;
    check_name := 'no_double_consume'; ok := b = 0;
    detail := format('%s consumed requests, %s with more than one consumed event', a, b); RETURN NEXT;

    -- 2. consumed rows and consumed events are the same set, one event each.
    SELECT count(*) INTO a FROM approval_gate_requests WHERE status = 'consumed';
    SELECT count(*) INTO b FROM (
        (SELECT id FROM approval_gate_requests WHERE status = 'consumed'
         EXCEPT ALL SELECT request_id FROM approval_gate_events WHERE event = 'consumed')
        UNION ALL
        (SELECT request_id FROM approval_gate_events WHERE event = 'consumed'
         EXCEPT ALL SELECT id FROM approval_gate_requests WHERE status = 'consumed')) s;
    check_name := 'consumed_rows_match_events'; ok := b = 0;
    detail := format('%s consumed rows, %s rows/events without their counterpart', a, b); RETURN NEXT;

    -- 3. Every 'approved' outcome of require/consume is exactly one consumed row, and back.
    SELECT count(*), count(DISTINCT request_id) INTO a, b
      FROM stress_log WHERE kind IN ('require', 'consume') AND outcome = 'approved';
    SELECT count(*) INTO c FROM approval_gate_requests WHERE status = 'consumed';
    SELECT count(*) INTO d FROM (
        (SELECT request_id FROM stress_log WHERE kind IN ('require', 'consume') AND outcome = 'approved'
         EXCEPT SELECT id FROM approval_gate_requests WHERE status = 'consumed')
        UNION ALL
        (SELECT id FROM approval_gate_requests WHERE status = 'consumed'
         EXCEPT SELECT request_id FROM stress_log WHERE kind IN ('require', 'consume') AND outcome = 'approved')) s;
    check_name := 'approved_outcomes_match_consumed_rows'; ok := a = b AND b = c AND d = 0;
    detail := format('%s approved outcomes, %s distinct ids, %s consumed rows, %s ids in one set only', a, b, c, d);
    RETURN NEXT;

    -- 4. At most one pending row per (workspace, action, hash, principal).
    SELECT count(*), count(*) FILTER (WHERE k > 1) INTO a, b
      FROM (SELECT count(*) AS k FROM approval_gate_requests WHERE status = 'pending'
             GROUP BY workspace_id, action, request_hash, requested_by) s;
    check_name := 'one_pending_per_key'; ok := b = 0;
    detail := format('%s keys with a pending row, %s with more than one', a, b); RETURN NEXT;

    -- 5. The audit hash chains verify.
    SELECT count(*), string_agg(format('%s#%s: %s', v.workspace_id, v.seq, v.problem), '; ') INTO a, bad
      FROM approval_gate_verify_events() v;
    SELECT count(*) INTO b FROM approval_gate_events;
    check_name := 'verify_events'; ok := a = 0;
    detail := format('%s events, %s broken links%s', b, a, coalesce(': ' || left(bad, 300), '')); RETURN NEXT;

    -- 6. Each chain is dense (seq 1..head, no gap, no duplicate) and its head row agrees.
    SELECT count(*) INTO a FROM (
        SELECT e.workspace_id FROM approval_gate_events e
         GROUP BY e.workspace_id
        HAVING min(e.seq) <> 1 OR max(e.seq) <> count(*)
            OR max(e.seq) IS DISTINCT FROM (SELECT h.seq FROM approval_gate_event_heads h
                                             WHERE h.workspace_id = e.workspace_id)) s;
    SELECT count(DISTINCT workspace_id) INTO b FROM approval_gate_events;
    check_name := 'event_chains_dense'; ok := a = 0;
    detail := format('%s chains, %s with a gap or a stale head', b, a); RETURN NEXT;

    -- 7. Legal transitions: each request's events, in chain order, follow
    --    requested [escalated] vote* [approved [consumed|expired] | denied | withdrawn | expired],
    --    and the row's status is the status of its last event.
    SELECT count(*), count(*) FILTER (WHERE NOT legal), string_agg(CASE WHEN NOT legal THEN id::text || ' ' || status || ': ' || seqs END, '; ')
      INTO a, b, bad
      FROM (SELECT r.id, r.status, ev.seqs,
                   ev.seqs ~ '^requested( escalated)?( vote)*( (approved( consumed| expired)?|denied|withdrawn|expired))?$'
                   AND r.status = CASE WHEN ev.last IN ('requested', 'escalated', 'vote') THEN 'pending' ELSE ev.last END
                   AND (r.escalated_to IS NULL) = (ev.seqs !~ ' escalated') AS legal
              FROM approval_gate_requests r
              LEFT JOIN LATERAL (
                  SELECT string_agg(e.event, ' ' ORDER BY e.seq) AS seqs,
                         (array_agg(e.event ORDER BY e.seq DESC))[1] AS last
                    FROM approval_gate_events e WHERE e.request_id = r.id) ev ON true) s;
    check_name := 'legal_transitions'; ok := coalesce(b, 0) = 0;
    detail := format('%s requests, %s with an illegal event sequence or status%s', a, b,
                     coalesce(': ' || left(bad, 300), '')); RETURN NEXT;

    -- 8. Votes agree with the outcome: approved/consumed (or expired after approval) requests have
    --    at least required_approvals approve votes and no deny; denied ones exactly one deny;
    --    the others fewer approvals than required and no deny.
    SELECT count(*) FILTER (WHERE NOT fine) INTO a
      FROM (SELECT CASE
                     WHEN r.status IN ('approved', 'consumed') OR (r.status = 'expired' AND r.decided_at IS NOT NULL)
                         THEN v.approve >= r.required_approvals AND v.deny = 0
                     WHEN r.status = 'denied' THEN v.deny = 1 AND v.approve < r.required_approvals
                     ELSE v.approve < r.required_approvals AND v.deny = 0
                   END AS fine
              FROM approval_gate_requests r
              CROSS JOIN LATERAL (
                  SELECT count(*) FILTER (WHERE decision = 'approve') AS approve,
                         count(*) FILTER (WHERE decision = 'deny') AS deny
                    FROM approval_gate_votes WHERE request_id = r.id) v) s;
    SELECT count(*) INTO b FROM approval_gate_votes;
    check_name := 'votes_match_status'; ok := a = 0;
    detail := format('%s votes, %s requests whose votes contradict their status', b, a); RETURN NEXT;

    -- 9. An approval is consumed only while valid: decided_at <= consumed_at < approved_until.
    SELECT count(*), count(*) FILTER (WHERE NOT (decided_at <= consumed_at AND consumed_at < approved_until))
      INTO a, b FROM approval_gate_requests WHERE status = 'consumed';
    check_name := 'consumed_within_ttl'; ok := b = 0;
    detail := format('%s consumed, %s outside [decided_at, approved_until)', a, b); RETURN NEXT;

    -- 10. Only the expected errors: 55000 (no longer pending, already voted) or P0002 for votes and
    --     withdrawals; require and consume never fail; require answers pending/approved/denied only.
    SELECT count(*), string_agg(DISTINCT kind || ':' || sqlstate || ' ' || left(message, 120), '; ') INTO a, bad
      FROM stress_log
     WHERE (outcome = 'error' AND NOT (kind IN ('approve', 'deny', 'withdraw') AND sqlstate IN ('55000', 'P0002')))
        OR (kind = 'require' AND outcome NOT IN ('pending', 'approved', 'denied'));
    check_name := 'no_unexpected_errors'; ok := a = 0;
    detail := format('%s unexpected outcomes%s', a, coalesce(': ' || left(bad, 400), '')); RETURN NEXT;

    -- 11. The log and the tables agree both ways (a commit keeps both or neither):
    --   a. every request row was logged as 'pending' by the require that created it, and every
    --      logged pending/denied id exists;
    SELECT count(*) INTO a FROM approval_gate_requests;
    SELECT count(*) INTO b FROM (
        (SELECT id FROM approval_gate_requests
         EXCEPT SELECT request_id FROM stress_log WHERE kind = 'require' AND outcome = 'pending')
        UNION ALL
        (SELECT request_id FROM stress_log WHERE kind = 'require' AND outcome IN ('pending', 'denied')
         EXCEPT SELECT id FROM approval_gate_requests)) s;
    check_name := 'log_matches_requests'; ok := b = 0;
    detail := format('%s request rows, %s ids logged but missing or present but never logged', a, b); RETURN NEXT;

    --   b. every successful vote logged is a vote row of that role, and back;
    SELECT count(*) INTO a FROM stress_log WHERE kind IN ('approve', 'deny') AND outcome NOT IN ('none', 'error');
    SELECT count(*) INTO b FROM (
        (SELECT request_id, role::text, CASE kind WHEN 'approve' THEN 'approve' ELSE 'deny' END FROM stress_log
          WHERE kind IN ('approve', 'deny') AND outcome NOT IN ('none', 'error')
         EXCEPT ALL SELECT request_id, voter_role::text, decision FROM approval_gate_votes)
        UNION ALL
        (SELECT request_id, voter_role::text, decision FROM approval_gate_votes
         EXCEPT ALL SELECT request_id, role::text, CASE kind WHEN 'approve' THEN 'approve' ELSE 'deny' END FROM stress_log
          WHERE kind IN ('approve', 'deny') AND outcome NOT IN ('none', 'error'))) s;
    check_name := 'log_matches_votes'; ok := b = 0;
    detail := format('%s votes logged, %s in one set only', a, b); RETURN NEXT;

    --   c. every decision logged ('approved', 'denied', 'withdrawn') is the request's transition, and back.
    SELECT count(*) INTO a FROM stress_log
     WHERE (kind = 'approve' AND outcome = 'approved') OR (kind = 'deny' AND outcome = 'denied')
        OR (kind = 'withdraw' AND outcome = 'withdrawn');
    SELECT count(*) INTO b FROM (
        (SELECT request_id, outcome FROM stress_log
          WHERE (kind = 'approve' AND outcome = 'approved') OR (kind = 'deny' AND outcome = 'denied')
             OR (kind = 'withdraw' AND outcome = 'withdrawn')
         EXCEPT ALL SELECT request_id, event FROM approval_gate_events WHERE event IN ('approved', 'denied', 'withdrawn'))
        UNION ALL
        (SELECT request_id, event FROM approval_gate_events WHERE event IN ('approved', 'denied', 'withdrawn')
         EXCEPT ALL SELECT request_id, outcome FROM stress_log
          WHERE (kind = 'approve' AND outcome = 'approved') OR (kind = 'deny' AND outcome = 'denied')
             OR (kind = 'withdraw' AND outcome = 'withdrawn'))) s;
    check_name := 'log_matches_decisions'; ok := b = 0;
    detail := format('%s decisions logged, %s in one set only', a, b); RETURN NEXT;

    -- 12. Every transaction pgbench saw commit (its -l log) is in stress_log: nothing acknowledged is lost.
    SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM stress_log l WHERE l.run = k.run AND l.client = k.client AND l.n = k.n))
      INTO a, b FROM stress_acked k;
    check_name := 'acknowledged_commits_kept'; ok := b = 0;
    detail := format('%s acknowledged transactions, %s missing', a, b); RETURN NEXT;

    -- 13. The indexes (above all the one-pending unique index) agree with their heaps (amcheck).
    a := 0; bad := NULL;
    FOR idx IN SELECT i.indexrelid::regclass FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname LIKE 'approval_gate\_%' OR t.relname LIKE 'stress\_%' LOOP
        BEGIN
            PERFORM bt_index_check(idx, true);
            a := a + 1;
        EXCEPTION WHEN OTHERS THEN
            bad := coalesce(bad || '; ', '') || idx::text || ': ' || SQLERRM;
        END;
    END LOOP;
    check_name := 'indexes_intact'; ok := bad IS NULL;
    detail := format('%s btree indexes checked with heapallindexed%s', a, coalesce(', broken: ' || bad, '')); RETURN NEXT;
END $$;

-- Figures for the report.
CREATE OR REPLACE FUNCTION stress_totals() RETURNS TABLE (line text) LANGUAGE sql AS $$
    SELECT format('outcomes by kind: %s',
                  (SELECT string_agg(format('%s %s=%s', kind, outcome, k), ', ' ORDER BY kind, outcome)
                     FROM (SELECT kind, outcome, count(*) k FROM stress_log GROUP BY 1, 2) s))
    UNION ALL
    SELECT format('errors by SQLSTATE: %s',
                  coalesce((SELECT string_agg(format('%s %s=%s', kind, sqlstate, k), ', ' ORDER BY kind, sqlstate)
                              FROM (SELECT kind, sqlstate, count(*) k FROM stress_log
                                     WHERE outcome = 'error' GROUP BY 1, 2) s), 'none'))
    UNION ALL
    SELECT format('requests by status: %s',
                  (SELECT string_agg(format('%s=%s', status, k), ', ' ORDER BY status)
                     FROM (SELECT status, count(*) k FROM approval_gate_requests GROUP BY 1) s))
    UNION ALL
    SELECT format('logged outcomes: %s, events: %s, votes: %s',
                  (SELECT count(*) FROM stress_log), (SELECT count(*) FROM approval_gate_events),
                  (SELECT count(*) FROM approval_gate_votes))
$$;
