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
                  (SELECT count(*) FROM approval_gate_events))
$$;
-- Run a statement: 'ok', or 'SQLSTATE: message' without the hint.
CREATE FUNCTION sql_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
