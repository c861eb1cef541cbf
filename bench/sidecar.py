#!/usr/bin/python3
"""Processes that run beside one pgbench run of bench/run.sh (see bench/README.md).

  sidecar.py waits SECONDS OUT
      Samples pg_stat_activity every 50 ms: for each active pgbench backend its wait event (CPU when it
      waits on nothing), and whether the approval_gate sealer is active (sealing). Writes one line per
      sample and backend to OUT: "pgbench <wait>" or "sealer <wait>", plus "samples <n>" at the end.

  sidecar.py latency SECONDS RATE OUT
      Notification latency. One connection LISTENs on approval_gate; another (as bench_agent) commits
      RATE transitions a second, each a new pending request (one 'requested' event). For each probe:
        commit  = the client's clock when its COMMIT returned;
        first   = the first notification that arrived after that;
        sealed  = the first time the listener, reacting to a notification, found the probe's event in
                  approval_gate_events (the check runs once after each notification it receives; a
                  probe found before its COMMIT returned counts as found at the commit).
      Notifications are empty, one per batch the sealer worker seals, so the first notification after
      a commit may announce a batch that was already being sealed when the probe committed: `first` is
      a lower bound, `sealed` is what a listener that reads the audit log on each wake-up gets. The
      listener keeps listening up to 120 s after the last probe; a probe not found by then stays "-".
      Writes "probe <commit> <first> <sealed>" lines (seconds on one monotonic clock; - for never) and
      "notifications <n>" to OUT. Needs psycopg2 (python3-psycopg2).

Both connect with the libpq environment run.sh sets (PGHOST, PGPORT, PGDATABASE).
"""
import bisect
import select
import sys
import threading
import time

import psycopg2
import psycopg2.extensions


def connect(user):
    conn = psycopg2.connect(user=user, application_name="bench_sidecar")
    conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    return conn


def sample_waits(seconds, out):
    conn = connect("postgres")
    cur = conn.cursor()
    lines = []
    samples = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        cur.execute("""SELECT CASE WHEN backend_type = 'approval_gate sealer' THEN 'sealer' ELSE 'pgbench' END,
                              coalesce(wait_event_type || ':' || wait_event, 'CPU')
                         FROM pg_stat_activity
                        WHERE state = 'active' AND pid <> pg_backend_pid()
                          AND (application_name = 'pgbench' OR backend_type = 'approval_gate sealer')""")
        lines.extend(f"{who} {wait}" for who, wait in cur.fetchall())
        samples += 1
        time.sleep(0.05)
    with open(out, "w") as f:
        f.write("".join(line + "\n" for line in lines))
        f.write(f"samples {samples}\n")


def measure_latency(seconds, rate, out):
    listener = connect("postgres")
    listener.cursor().execute("LISTEN approval_gate")
    check = listener.cursor()
    probe = connect("bench_agent")
    lock = threading.Lock()
    outstanding = set()  # probes whose event the listener has not seen sealed yet
    probes = {}          # request_id -> [commit, sealed]
    arrivals = []        # every notification's arrival time
    done = threading.Event()

    def listen():
        # Until the prober is done and every probe is found, or 120 s after the prober finished (as long
        # as run.sh waits for the sealer to drain the queue).
        deadline = None
        while True:
            if done.is_set():
                deadline = deadline or time.monotonic() + 120
                with lock:
                    if not outstanding or time.monotonic() > deadline:
                        return
            if not select.select([listener], [], [], 0.05)[0]:
                continue
            listener.poll()
            if not listener.notifies:
                continue
            arrivals.append(time.monotonic())
            del listener.notifies[:]
            with lock:
                ids = list(outstanding)
            if not ids:
                continue
            check.execute("SELECT request_id::text FROM approval_gate_events"
                          " WHERE request_id = ANY (%s::uuid[]) AND event = 'requested'", (ids,))
            seen = time.monotonic()
            with lock:
                for (rid,) in check.fetchall():
                    outstanding.discard(rid)
                    probes[rid][1] = seen

    thread = threading.Thread(target=listen)
    thread.start()
    cur = probe.cursor()
    run = int(time.time() * 1000)
    n = 0
    start = time.monotonic()
    while time.monotonic() < start + seconds:
        n += 1
        # The probe is outstanding before it commits: a sealer fast enough to announce it before the
        # COMMIT's answer reaches this client must not go unnoticed (its latency then counts as 0).
        cur.execute("BEGIN")
        cur.execute("SELECT request_id::text FROM approval_gate_require(lpad(to_hex(2097152), 32, '0')::uuid,"
                    " 'bench_probe', jsonb_build_object('run', %s::bigint, 'n', %s::int))", (run, n))
        (rid,) = cur.fetchone()
        with lock:
            probes[rid] = [None, None]
            outstanding.add(rid)
        cur.execute("COMMIT")
        committed = time.monotonic()
        with lock:
            probes[rid][0] = committed
        # The next probe at its slot in the schedule, however long this one took.
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
    done.set()
    thread.join()
    arrivals.sort()
    fmt = lambda t: "-" if t is None else f"{t:.6f}"
    with open(out, "w") as f:
        for committed, sealed in probes.values():
            i = bisect.bisect_right(arrivals, committed)
            first = arrivals[i] if i < len(arrivals) else None
            if sealed is not None:
                sealed = max(sealed, committed)
            f.write(f"probe {committed:.6f} {fmt(first)} {fmt(sealed)}\n")
        f.write(f"notifications {len(arrivals)}\n")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "waits" and len(sys.argv) == 4:
        sample_waits(float(sys.argv[2]), sys.argv[3])
    elif mode == "latency" and len(sys.argv) == 5:
        measure_latency(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
