-- Benchmark database: the extension, the PL/pgSQL baseline, roles, policies and helper objects.
-- Run as superuser in a throwaway database. Workspace of key k is lpad(to_hex(k), 32, '0')::uuid everywhere.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION approval_gate;

-- The agent asks, alice approves.
CREATE ROLE bench_agent LOGIN;
CREATE ROLE bench_alice LOGIN IN ROLE approval_gate_approver;

-- Gated actions used by the scenarios ('read_thing' deliberately has no policy: ungated passthrough).
SELECT approval_gate_set_policy('bench_dedup');
SELECT approval_gate_set_policy('bench_consume', approval_ttl => interval '7 days');
SELECT approval_gate_set_policy('bench_hot', approval_ttl => interval '7 days');
SELECT approval_gate_set_policy('bench_deny');
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
-- Each consume transaction takes the next key: nothing is consumed twice by design of the key space.
CREATE SEQUENCE bench.consume_seq;
CREATE SEQUENCE bench.plpgsql_consume_seq;

GRANT USAGE ON SCHEMA bench, plpgsql_gate TO bench_agent, bench_alice;
GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA bench TO bench_agent;
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
