-- Helpers shared by the regression files that follow (pg_regress runs them in order, in one database).
SET client_min_messages = warning;

-- Test helper: run a statement, return 'ok' or 'SQLSTATE: message (hint)'.
-- Request ids (version-7 uuids, and version-4 ones from a column default) in messages are masked so
-- the output is stable.
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(nullif(' (hint: ' || hint || ')', ' (hint: )'), ''),
                          '[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', '<request-id>', 'g');
END
$$;

-- Rows in the tables, to show that a call wrote nothing.
CREATE FUNCTION ag_counts() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$
    SELECT format('requests=%s votes=%s events=%s',
                  (SELECT count(*) FROM approval_gate_requests),
                  (SELECT count(*) FROM approval_gate_votes),
                  (SELECT count(*) FROM approval_gate_events) + (SELECT count(*) FROM approval_gate_event_queue))
$$;
-- Run a statement: 'ok', or 'SQLSTATE: message' without the hint.
CREATE FUNCTION sql_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- A request's audit events in the order they were made: those sealed into a chain (by seq), then
-- those still queued for sealing (by id, which sealing follows).
CREATE FUNCTION ag_events(request uuid)
RETURNS TABLE (event text, status text, actor text, actor_role name, principal text, to_workspace_id uuid)
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT event, status, actor, actor_role, principal, to_workspace_id FROM (
        SELECT e.event::text, e.status, e.actor, e.actor_role, e.principal, e.to_workspace_id, 0 AS queued, e.seq, NULL::bigint AS id
          FROM approval_gate_events e WHERE e.request_id = request
        UNION ALL
        SELECT q.event::text, q.status, q.actor, q.actor_role, q.principal, q.to_workspace_id, 1, NULL, q.id
          FROM approval_gate_event_queue q WHERE q.request_id = request) AS all_events
    ORDER BY queued, seq, id
$$;
