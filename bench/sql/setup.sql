-- Benchmark database: the extension, the PL/pgSQL baseline, roles, policies and helper objects.
-- Run as superuser in a throwaway database. Workspace of key k is lpad(to_hex(k), 32, '0')::uuid everywhere;
-- "the one workspace" of the single-workspace scenarios is that of key 1048576 (0x100000).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION approval_gate;

-- The agent asks, alice approves. bench_gated is the role protected tables gate; bench_robot, a login
-- in it, only shows in the probes that the protection is live (the scenarios run as bench_agent, who
-- is not in it, and as the superuser, who is not either).
CREATE ROLE bench_agent LOGIN;
CREATE ROLE bench_alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bench_gated NOLOGIN;
CREATE ROLE bench_robot LOGIN IN ROLE bench_gated;

-- Gated actions used by the scenarios ('read_thing' deliberately has no policy: ungated passthrough).
SELECT approval_gate_set_policy('bench_dedup');
SELECT approval_gate_set_policy('bench_consume', approval_ttl => interval '7 days');
SELECT approval_gate_set_policy('bench_consume1', approval_ttl => interval '7 days');
SELECT approval_gate_set_policy('bench_hot', approval_ttl => interval '7 days');
SELECT approval_gate_set_policy('bench_deny');
SELECT approval_gate_set_policy('bench_new');
SELECT approval_gate_set_policy('bench_probe');
-- The full cycle is played by one superuser session: it must be allowed to approve its own request.
SELECT approval_gate_set_policy('bench_cycle', allow_self_approval => true);

\ir ../plpgsql_gate.sql
INSERT INTO plpgsql_gate.policies (action, approval_ttl) VALUES
    ('bench_dedup', interval '1 day'), ('bench_consume', interval '7 days');
INSERT INTO plpgsql_gate.policies (action, allow_self_approval) VALUES ('bench_cycle', true);

CREATE SCHEMA bench;
-- The floor of a committed write: a single-row UPDATE by primary key on a small table.
CREATE TABLE bench.counters (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
INSERT INTO bench.counters (id) SELECT generate_series(1, 1000);
-- Each consume transaction takes the next key of its supply: nothing is consumed twice by design of
-- the key space. Each new pending request takes a key never used before.
CREATE SEQUENCE bench.consume_seq;
CREATE SEQUENCE bench.consume1_seq;
CREATE SEQUENCE bench.pending_seq;
CREATE SEQUENCE bench.insert_seq;

-- A copy of a table of the extension: the same columns and defaults, and the same indexes, recreated
-- from their definitions in pg_indexes (renamed after the copy: approval_gate_requests_live becomes
-- <target>_live). Not the extension's triggers, nor its privileges.
CREATE PROCEDURE bench.clone_table(source regclass, target name)
LANGUAGE plpgsql
AS $$
DECLARE
    source_name name := (SELECT relname FROM pg_class WHERE oid = source);
    def text;
BEGIN
    EXECUTE format('CREATE TABLE bench.%I (LIKE %s INCLUDING DEFAULTS)', target, source);
    FOR def IN SELECT i.indexdef FROM pg_indexes i
                WHERE format('%I.%I', i.schemaname, i.tablename)::regclass = source ORDER BY i.indexname LOOP
        EXECUTE regexp_replace(def, '^CREATE (UNIQUE )?INDEX ' || source_name || '(\w*) ON \S+ ',
                               'CREATE \1INDEX ' || target || '\2 ON bench.' || quote_ident(target) || ' ');
    END LOOP;
END
$$;

-- Target 5's baseline: one INSERT into a table with approval_gate_requests' indexes.
CALL bench.clone_table('approval_gate_requests', 'new_requests');

-- Target 1: a protected table and its unprotected twin, the same rows. Only bench_gated's changes
-- need approvals; the trigger's WHEN keeps everyone else's rows from queuing anything.
CREATE TABLE bench.docs (id int PRIMARY KEY, workspace_id uuid NOT NULL, n bigint NOT NULL DEFAULT 0,
                         body text NOT NULL);
INSERT INTO bench.docs SELECT g, lpad(to_hex(g % 1024), 32, '0')::uuid, 0, repeat('x', 100)
  FROM generate_series(1, 10000) g;
CREATE TABLE bench.docs_plain (LIKE bench.docs INCLUDING ALL);
INSERT INTO bench.docs_plain SELECT * FROM bench.docs;
SELECT approval_gate_protect('bench.docs', 'bench_protect', 'workspace_id', operations => '{DELETE,UPDATE}',
                             gated_roles => '{bench_gated}');

GRANT USAGE ON SCHEMA bench, plpgsql_gate TO bench_agent, bench_alice, bench_robot;
GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA bench TO bench_agent;
GRANT INSERT ON bench.new_requests TO bench_agent;
GRANT INSERT, DELETE ON bench.docs, bench.docs_plain TO bench_agent;
GRANT SELECT, UPDATE ON bench.docs TO bench_robot;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA bench TO bench_agent;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA plpgsql_gate TO bench_agent, bench_alice;

-- Memory of the calling backend: the sum of its memory contexts, and from /proc: RssAnon (private
-- memory: palloc and malloc), VmRSS (also counts the shared buffers this backend has touched), VmHWM.
CREATE FUNCTION bench.mem(OUT ctx_bytes bigint, OUT anon_kb bigint, OUT rss_kb bigint, OUT hwm_kb bigint)
LANGUAGE sql
AS $$
    SELECT (SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts),
           (regexp_match(s, 'RssAnon:\s+(\d+)'))[1]::bigint,
           (regexp_match(s, 'VmRSS:\s+(\d+)'))[1]::bigint,
           (regexp_match(s, 'VmHWM:\s+(\d+)'))[1]::bigint
      FROM pg_read_file('/proc/' || pg_backend_pid() || '/status') s
$$;
