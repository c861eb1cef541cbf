#!/usr/bin/env bash
# Issue 13: with approval_gate in shared_preload_libraries, transitions never notify in their own
# transaction; a sealer worker of their database seals their events after commit and announces each
# batch with one notification. A worker that dies loses nothing (verify says unsealed, not broken, and
# the next worker seals them); with no worker to be had, a transition notifies itself, as without the
# preload. Waits here are for a condition, with a deadline, never a fixed sleep.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
export PGBIN WORK

out -U postgres -d postgres -c "CREATE DATABASE sealer_db" >/dev/null
out -U postgres -d sealer_db >/dev/null <<'EOF2'
CREATE EXTENSION approval_gate;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sl_agent') THEN CREATE ROLE sl_agent LOGIN; END IF;
END $$;
EOF2

# A second cluster with one worker process and two databases: the first database's worker holds the
# only one (the logical replication launcher is off, so it takes none), so the second's transitions
# find none.
FEW_PORT=$(new_cluster few) || { fail few_cluster_started "$(tail -3 "$WORK"/few*.log)"; }
if [ -n "${FEW_PORT:-}" ]; then
    cat <<EOF2 | as_pg tee -a "$WORK/few/postgresql.conf" >/dev/null
max_worker_processes = 1
max_parallel_workers = 0
max_logical_replication_workers = 0
max_prepared_transactions = 2
approval_gate.sealer_idle_timeout = '1h'
EOF2
    as_pg "$PGBIN/pg_ctl" -D "$WORK/few" -l "$WORK/few.log" -w restart >/dev/null
    for db in few_a few_b; do
        "$PGBIN/psql" -X -q -h "$WORK" -p "$FEW_PORT" -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
        "$PGBIN/psql" -X -q -h "$WORK" -p "$FEW_PORT" -U postgres -d "$db" \
            -c "SET client_min_messages = warning" -c "CREATE EXTENSION approval_gate" >/dev/null
    done
fi

/usr/bin/python3 - "$PGHOST" "$PGPORT" "${FEW_PORT:-0}" <<'PY'
import select, sys, time, uuid
import psycopg2

host, port, few_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
DEADLINE = 20.0

def connect(user, db="sealer_db", p=port):
    c = psycopg2.connect(host=host, port=p, user=user, dbname=db)
    c.autocommit = True
    return c

def one(c, sql, args=()):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0] if cur.description else None

def check(name, got, expected):
    verdict = "PASS" if got == expected else "FAIL"
    detail = str(expected) if got == expected else "expected %r, got %r" % (expected, got)
    print(verdict, name, detail, flush=True)

def until(cond, what):
    # A condition the worker makes true after commit: polled, with a deadline.
    end = time.time() + DEADLINE
    while time.time() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    return None

def notifications(listener, wait_for=1):
    # Collects notifications until wait_for arrived or the deadline passed.
    got = []
    end = time.time() + DEADLINE
    while len(got) < wait_for and time.time() < end:
        if select.select([listener], [], [], 0.1)[0]:
            listener.poll()
        got.extend(listener.notifies)
        listener.notifies.clear()
    return got

def drain(listener):
    # Everything already delivered: a round trip first, so what was sent before is read.
    one(listener, "SELECT 1")
    listener.poll()
    got = list(listener.notifies)
    listener.notifies.clear()
    return got

admin = connect("postgres")
agent = connect("sl_agent")
listener = connect("postgres")
one(listener, "LISTEN approval_gate")
W = str(uuid.uuid4())

def sealer_pids(c=admin):
    with c.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'approval_gate sealer' AND datname = current_database()")
        return [r[0] for r in cur.fetchall()]

def queued(c=admin):
    return one(c, "SELECT count(*) FROM approval_gate_event_queue")

def require(c, key):
    return one(c, "SELECT request_id FROM approval_gate_require(%s, 'delete_workspace', %s)",
               (W, '{"k": %d}' % key))

# 1. A committed transition: the sealer seals it and notifies, the caller does not.
agent_pid = one(agent, "SELECT pg_backend_pid()")
first = require(agent, 1)
got = notifications(listener)
pids = sealer_pids()
check("sealer_notifies_after_commit", len(got) >= 1, True)
check("sealer_notification_is_empty", all(n.payload == "" for n in got), True)
check("sealer_caller_sent_no_notification", any(n.pid == agent_pid for n in got), False)
check("sealer_notification_from_worker", bool(got) and all(n.pid in pids for n in got), True)
check("sealer_queue_empty", until(lambda: queued() == 0, "queue") is not None, True)
check("sealer_event_chained", one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id = %s", (first,)), 1)
check("sealer_chain_clean", one(admin, "SELECT count(*) FROM approval_gate_verify_events()"), 0)

# 2. A rolled-back transition queues nothing and is never announced or sealed.
agent.autocommit = False
rolled = require(agent, 2)
agent.rollback()
agent.autocommit = True
kept = require(agent, 3)
notifications(listener)
until(lambda: queued() == 0, "queue")
check("sealer_rolled_back_never_sealed",
      one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id = %s", (rolled,)), 0)
check("sealer_committed_sealed",
      one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id = %s", (kept,)), 1)

# 3. A retry that finds its pending request queues nothing.
before = one(admin, "SELECT count(*) FROM approval_gate_events")
drain(listener)
check("sealer_retry_same_request", require(agent, 3), kept)
check("sealer_retry_queues_nothing", queued(), 0)
one(admin, "SELECT approval_gate_seal_events()")
check("sealer_retry_no_event", one(admin, "SELECT count(*) FROM approval_gate_events"), before)

# 4. Many commits, one notification: the sealer is held at the chain heads while 20 transitions commit.
drain(listener)
holder = connect("postgres")
holder.autocommit = False
one(holder, "LOCK approval_gate_event_heads IN EXCLUSIVE MODE")
for k in range(100, 120):
    require(agent, k)
holder.rollback()
until(lambda: queued() == 0, "queue")
got = notifications(listener) + drain(listener)
check("sealer_twenty_commits_one_notification", len(got), 1)

# 5. A worker that dies loses nothing: its events stay queued, verify says unsealed (not broken), and
#    the next transition's worker seals them all.
one(holder, "LOCK approval_gate_event_heads IN EXCLUSIVE MODE")
victim = require(agent, 200)
until(lambda: one(admin, """SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'approval_gate sealer'
                            AND datname = current_database() AND wait_event_type = 'Lock'"""), "worker waits")
for pid in sealer_pids():
    one(admin, "SELECT pg_terminate_backend(%s)", (pid,))
until(lambda: not sealer_pids(), "worker gone")
holder.rollback()
with admin.cursor() as cur:
    cur.execute("SELECT seq, problem FROM approval_gate_verify_events()")
    problems = cur.fetchall()
check("sealer_killed_leaves_unsealed", [p for s, p in problems], ["1 events not sealed yet (unsealed, not broken)"])
check("sealer_killed_nothing_broken", [s for s, p in problems if s is not None], [])
require(agent, 201)
check("sealer_next_worker_seals_all", until(lambda: queued() == 0, "queue") is not None, True)
check("sealer_killed_event_chained",
      one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id = %s", (victim,)), 1)
check("sealer_chain_clean_after_kill", one(admin, "SELECT count(*) FROM approval_gate_verify_events()"), 0)

# 6. Sealing that fails (here: an audit key file that does not exist) still announces the transitions
#    that woke the worker; their events wait, unsealed, until the key is back.
one(admin, "ALTER SYSTEM SET approval_gate.audit_key_file = 'no_such.key'")
one(admin, "SELECT pg_reload_conf()")
until(lambda: one(admin, "SELECT current_setting('approval_gate.audit_key_file')") == "no_such.key", "reload")
drain(listener)
failing = require(agent, 250)
got = notifications(listener)
check("sealer_failing_still_announces", len(got) >= 1 and all(n.pid in sealer_pids() for n in got), True)
check("sealer_failing_leaves_queue", queued(), 1)
# A second transition while the failing pass waits for its retry is announced too.
drain(listener)
failing_too = require(agent, 251)
got = notifications(listener)
check("sealer_failing_announces_again", len(got) >= 1, True)
one(admin, "ALTER SYSTEM RESET approval_gate.audit_key_file")
one(admin, "SELECT pg_reload_conf()")
until(lambda: one(admin, "SELECT current_setting('approval_gate.audit_key_file')") == "", "reload")
one(admin, "SELECT approval_gate_seal_events()")
check("sealer_failing_sealed_later",
      one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id IN (%s, %s)", (failing, failing_too)), 2)

# 7. An idle worker exits, and the database can be dropped.
one(admin, "ALTER SYSTEM SET approval_gate.sealer_idle_timeout = '200ms'")
one(admin, "SELECT pg_reload_conf()")
require(agent, 300)
check("sealer_idle_worker_exits", until(lambda: not sealer_pids(), "idle exit") is not None, True)
# The next worker starts under the database's own settings, which its owner may set: none of them
# stops the sealing.
one(admin, """ALTER DATABASE sealer_db SET default_transaction_read_only = on""")
one(admin, """ALTER DATABASE sealer_db SET statement_timeout = '1ms'""")
one(admin, """ALTER DATABASE sealer_db SET lock_timeout = '1ms'""")
one(admin, """ALTER DATABASE sealer_db SET default_transaction_isolation = 'serializable'""")
elsewhere = connect("postgres", "postgres")  # a database's own connections cannot turn its connections off
one(elsewhere, "ALTER DATABASE sealer_db ALLOW_CONNECTIONS false")
under_settings = require(agent, 301)
check("sealer_database_settings_ignored", until(lambda: queued() == 0, "queue") is not None, True)
check("sealer_database_settings_sealed",
      one(admin, "SELECT count(*) FROM approval_gate_events WHERE request_id = %s", (under_settings,)), 1)
one(admin, "ALTER DATABASE sealer_db RESET ALL")
one(elsewhere, "ALTER DATABASE sealer_db ALLOW_CONNECTIONS true")
elsewhere.close()
one(admin, "ALTER SYSTEM RESET approval_gate.sealer_idle_timeout")
one(admin, "SELECT pg_reload_conf()")
for c in (agent, listener, holder, admin):
    c.close()
postgres = connect("postgres", "postgres")
try:
    one(postgres, "DROP DATABASE sealer_db")
    check("sealer_database_dropped", True, True)
except psycopg2.Error as e:
    check("sealer_database_dropped", e.pgerror, None)

# 8. No worker to be had (one worker process, held by another database's sealer): the transition
#    notifies in its own transaction, and its events wait for approval_gate_seal_events().
if few_port:
    a = connect("postgres", "few_a", few_port)
    b = connect("postgres", "few_b", few_port)
    b_listener = connect("postgres", "few_b", few_port)
    one(b_listener, "LISTEN approval_gate")
    one(a, "SELECT approval_gate_require(%s, 'delete_workspace', '{}')", (W,))
    check("fallback_first_database_has_worker",
          until(lambda: sealer_pids(a) and one(a, "SELECT count(*) FROM approval_gate_event_queue") == 0, "sealed")
          is not None, True)
    b_pid = one(b, "SELECT pg_backend_pid()")
    one(b, "SELECT approval_gate_require(%s, 'delete_workspace', '{}')", (W,))
    got = notifications(b_listener)
    check("fallback_caller_notifies", [n.pid for n in got], [b_pid])
    check("fallback_events_queued", one(b, "SELECT count(*) FROM approval_gate_event_queue"), 1)
    check("fallback_manual_seal", one(b, "SELECT approval_gate_seal_events()"), 1)

    # 9. A transaction that made transitions cannot be PREPAREd: COMMIT PREPARED, in whatever session,
    #    would wake no sealer. (Without a worker, PostgreSQL refuses it too: it has notified.)
    for name, c in (("worker", a), ("fallback", b)):
        c.autocommit = False
        one(c, "SELECT approval_gate_require(%s, 'delete_workspace', %s)", (W, '{"prepared": "%s"}' % name))
        try:
            one(c, "PREPARE TRANSACTION 'ag_%s'" % name)
            check("prepare_refused_" + name, "prepared", "0A000")
        except psycopg2.Error as e:
            check("prepare_refused_" + name, e.pgcode, "0A000")
        c.rollback()
        c.autocommit = True
        check("prepare_left_nothing_" + name,
              one(c, "SELECT count(*) FROM approval_gate_requests WHERE context = %s", ('{"prepared": "%s"}' % name,)), 0)
PY

# 10. The library replaced on disk while the server runs (a package upgrade before the restart): new
#     backends, and workers started after it, load the new file as a second copy of the library. It
#     finds the registry the preloaded copy made, so the sealer goes on; old and new backends alike.
if [ -n "${FEW_PORT:-}" ]; then
    lib=$(pg_config --pkglibdir)/approval_gate-1.1.so
    fq() { "$PGBIN/psql" -X -A -t -q -h "$WORK" -p "$FEW_PORT" -U postgres -d few_b "$@"; }
    # few_b has no worker yet (the only slot is few_a's): free it with a restart, keep one old backend.
    as_pg "$PGBIN/pg_ctl" -D "$WORK/few" -l "$WORK/few.log" -w restart >/dev/null
    coproc OLD { "$PGBIN/psql" -X -A -t -q -h "$WORK" -p "$FEW_PORT" -U postgres -d few_b 2>&1; }
    echo "SELECT 'old backend ready';" >&"${OLD[1]}"; read -r -t 20 ready <&"${OLD[0]}"
    cp -p "$lib" "$lib.new" && mv -f "$lib.new" "$lib"
    said=$(fq -c "SELECT approval_gate_require('0c000000-0000-4000-8000-000000000002', 'delete_workspace', '{}')" 2>&1 >/dev/null)
    check replaced_library_new_backend_quiet "$said" ""
    echo "SELECT approval_gate_require('0c000000-0000-4000-8000-000000000003', 'delete_workspace', '{}') IS NOT NULL;" >&"${OLD[1]}"
    read -r -t 20 old_said <&"${OLD[0]}"
    check replaced_library_old_backend "$old_said" t
    for _ in $(seq 200); do [ "$(fq -c "SELECT count(*) FROM approval_gate_event_queue")" = 0 ] && break; sleep 0.1; done
    check replaced_library_sealed "$(fq -c "SELECT count(*) FROM approval_gate_event_queue")" 0
    check replaced_library_chain_clean "$(fq -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
    echo '\q' >&"${OLD[1]}"
fi
