-- State for the memory check: 1000 denied requests (deny-cooldown path) and the full-cycle procedure.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET SESSION AUTHORIZATION bench_agent;
SELECT coalesce(array_agg(r.request_id)::text, '{}') AS ids FROM generate_series(1, 1000) k,
       LATERAL approval_gate_require(lpad(to_hex(k), 32, '0')::uuid, 'bench_deny', jsonb_build_object('k', k)) r \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION bench_alice;
SELECT count(*) FROM unnest(:'ids'::uuid[]) id, LATERAL approval_gate_deny(id) d \g /dev/null
RESET SESSION AUTHORIZATION;

-- One transaction per cycle (insert pending, approve, consume), all in the calling backend.
CREATE TABLE bench.mem_cycle_ok (n bigint);
CREATE PROCEDURE bench.mem_cycle(lo int, hi int)
LANGUAGE plpgsql
AS $$
DECLARE
    rid uuid;
    outcome text;
    ok bigint := 0;
BEGIN
    FOR i IN lo..hi LOOP
        SELECT r.request_id INTO rid FROM approval_gate_require(lpad(to_hex(i % 1024), 32, '0')::uuid, 'bench_cycle',
                                                                jsonb_build_object('m', i)) r;
        PERFORM approval_gate_approve(rid);
        SELECT r.outcome INTO outcome FROM approval_gate_require(lpad(to_hex(i % 1024), 32, '0')::uuid, 'bench_cycle',
                                                                 jsonb_build_object('m', i)) r;
        IF outcome = 'approved' THEN
            ok := ok + 1;
        END IF;
        COMMIT;
    END LOOP;
    TRUNCATE bench.mem_cycle_ok;
    INSERT INTO bench.mem_cycle_ok VALUES (ok);
    COMMIT;
END
$$;
