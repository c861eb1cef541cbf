#!/usr/bin/python3
"""The report of bench/run.sh: reads what run.sh wrote into its work directory, writes
bench/results/latest.md and latest.tsv. See bench/README.md for what each figure means.

    report.py WORKDIR OUT.md OUT.tsv
"""
import collections
import os
import sys

WORK, OUT_MD, OUT_TSV = sys.argv[1:4]

# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------
meta = dict(line.rstrip("\n").split("\t", 1) for line in open(os.path.join(WORK, "meta.tsv")))
SYNCS = meta["syncs"].split()
C_LO, C_HI = int(meta["c_lo"]), int(meta["c_hi"])
CLIENTS = [C_LO, C_HI]
JUDGED = "on" if "on" in SYNCS else SYNCS[0]  # the targets are judged on synchronous_commit=on
OTHER = [s for s in SYNCS if s != JUDGED]

Run = collections.namedtuple("Run", "sync clients label set phase round tps tx wal events backlog drain errors prefix "
                                    "flushes flush_ms")
runs = []
for line in open(os.path.join(WORK, "runs.tsv")):
    f = line.rstrip("\n").split("\t")
    runs.append(Run(f[0], int(f[1]), f[2], f[3], f[4], int(f[5]), float(f[6]), int(f[7]), int(f[8]), int(f[9]),
                    int(f[10]), float(f[11]), int(f[12]), f[13], int(f[14]), float(f[15])))


def flush_ms(rs):
    """Average time the disk took per WAL flush over the given runs (ms), or None without flushes."""
    n = sum(r.flushes for r in rs)
    return sum(r.flush_ms for r in rs) / n if n else None
checks = [line.rstrip("\n").split("\t", 3) for line in open(os.path.join(WORK, "checks.tsv"))]


def select(**kw):
    return [r for r in runs if all(getattr(r, k) == v for k, v in kw.items())]


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def percentiles(prefixes):
    """Median and p99 latency (ms) pooled over the latency histograms (µs, count) of the given runs."""
    hist = collections.Counter()
    for p in prefixes:
        if os.path.exists(p + ".hist"):
            for line in open(p + ".hist"):
                v, n = line.split()
                hist[int(v)] += int(n)
    total = sum(hist.values())
    if not total:
        return None, None
    out = []
    for q in (0.50, 0.99):
        rank, seen = max(1, int(total * q)), 0
        for v in sorted(hist):
            seen += hist[v]
            if seen >= rank:
                out.append(v / 1000.0)
                break
    return out[0], out[1]


def ratio(set_, sync, clients, num, den, phase_num="empty", phase_den="empty"):
    """(ratio of summed TPS, lowest round, highest round) of two arms of one interleaved set."""
    a = select(set=set_, sync=sync, clients=clients, label=num, phase=phase_num)
    b = select(set=set_, sync=sync, clients=clients, label=den, phase=phase_den)
    if not a or not b or sum(r.tps for r in b) == 0:
        return None
    rounds = sorted({r.round for r in a})
    per_round = []
    for k in rounds:
        sb = sum(r.tps for r in b if r.round == k)
        if sb:
            per_round.append(sum(r.tps for r in a if r.round == k) / sb)
    return sum(r.tps for r in a) / sum(r.tps for r in b), min(per_round), max(per_round)


def fmt_ratio(x):
    if x is None:
        return "not run"
    r, lo, hi = x
    spread = f" [{lo:.2f}-{hi:.2f}]" if int(meta["ratio_rounds"]) > 1 and hi - lo > 0.005 else ""
    return f"{r:.2f}x{spread}"


def fmt_flush(x):
    return "-" if x is None else f"{x:.2f}"


def fmt_int(x):
    return f"{x:,.0f}"


# ---------------------------------------------------------------------------------------------------
# The main table: every scenario that ran on bench_empty (interleaved groups and the empty side of
# the pairs; not the latency run, whose probes share the machine), per setting and client count.
# ---------------------------------------------------------------------------------------------------
order = []
for r in runs:
    if r.label not in order:
        order.append(r.label)
COLUMNS = [(s, c) for s in SYNCS for c in CLIENTS]


def cell_runs(label, sync, clients):
    return [r for r in runs if r.label == label and r.sync == sync and r.clients == clients
            and r.phase == "empty" and r.set not in ("latency", "warmup")]


agg = {}
for label in order:
    for s, c in COLUMNS:
        rs = cell_runs(label, s, c)
        if not rs:
            continue
        med, p99 = percentiles([r.prefix for r in rs])
        tx = sum(r.tx for r in rs)
        agg[label, s, c] = dict(
            tps=mean([r.tps for r in rs]), runs=len(rs), median=med, p99=p99, tx=tx,
            wal=sum(r.wal for r in rs) / tx if tx else None, events=sum(r.events for r in rs) / tx if tx else None,
            backlog=max(r.backlog for r in rs), drain=max(r.drain for r in rs), errors=sum(r.errors for r in rs),
            flush=flush_ms(rs))


def waits_of(rs):
    """Share of samples: each wait of the pgbench backends (per backend sample), and how often the sealer was
    seen sealing (per sample)."""
    counts = collections.Counter()
    samples = 0
    sealer = 0
    for r in rs:
        path = r.prefix + ".waits"
        if not os.path.exists(path):
            continue
        for line in open(path):
            who, what = line.split()
            if who == "samples":
                samples += int(what)
            elif who == "sealer":
                sealer += 1
            else:
                counts[what] += 1
    return counts, samples, sealer


# ---------------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------------
targets = []  # (number, target, what, measured-judged, other settings, result)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def per_clients(set_, num, den, sync, clients=CLIENTS):
    got = {c: ratio(set_, sync, c, num, den) for c in clients}
    text = ", ".join(f"{c} clients {fmt_ratio(got[c])}" for c in clients)
    return got, text


def others(fn):
    return "; ".join(f"{s}: {fn(s)}" for s in OTHER) if OTHER else "not run"


def add_ratio_target(num_, target, what, set_, num, den, goal, clients=CLIENTS):
    got, text = per_clients(set_, num, den, JUDGED, clients)
    ok = all(g is not None and g[0] >= goal for g in got.values())
    targets.append((num_, target, what, text, others(lambda s: per_clients(set_, num, den, s, clients)[1]),
                    verdict(ok)))


add_ratio_target("1", "protected UPDATE >= 0.95x unprotected",
                 "UPDATE by primary key, by a LOGIN role that is not gated, on a table protected by "
                 "approval_gate_protect vs its unprotected twin",
                 "protect_update", "UPDATE by pk, protected table (role not gated)", "UPDATE by pk, unprotected table", 0.95)
add_ratio_target("1", "protected DELETE >= 0.95x unprotected",
                 "DELETE by primary key and the same row inserted back, in one statement (the table keeps its rows), "
                 "by a LOGIN role that is not gated, protected vs unprotected",
                 "protect_delete", "DELETE by pk, protected table (role not gated)", "DELETE by pk, unprotected table", 0.95)


def superuser_note(sync):
    u = per_clients("protect_update", "UPDATE by pk, protected table, superuser", "UPDATE by pk, unprotected table, superuser", sync)[1]
    d = per_clients("protect_delete", "DELETE by pk, protected table, superuser", "DELETE by pk, unprotected table, superuser", sync)[1]
    return f"UPDATE: {u}; DELETE: {d}"


targets.append(("1", "(note) the same as a superuser", "the two comparisons above, run by the superuser (not a member "
                "of the gated role, so not gated either)", superuser_note(JUDGED), others(superuser_note), "note"))

CONSUME = "approval_gate consume (1024 workspaces)"
CONSUME1 = "approval_gate consume (one workspace)"
FLOOR = "consume floor: its writes as one SQL statement"


def consume_target(sync):
    vs_update = ratio("consume", sync, C_HI, CONSUME, "UPDATE by pk")
    floor = ratio("consume", sync, C_HI, FLOOR, "UPDATE by pk")
    vs_floor = ratio("consume", sync, C_HI, CONSUME, FLOOR)
    if vs_update is None or floor is None or vs_floor is None:
        return "not run", False
    text = (f"{fmt_ratio(vs_update)} of UPDATE by pk; the floor is {fmt_ratio(floor)} of UPDATE by pk, "
            f"consume is {fmt_ratio(vs_floor)} of the floor")
    if vs_update[0] >= 0.5:
        return text + " (>= 0.5x UPDATE)", True
    if floor[0] < 0.5:
        return text + " (floor below 0.5x: judged against 0.9x the floor)", vs_floor[0] >= 0.9
    return text + " (floor at or above 0.5x: judged against 0.5x UPDATE)", False


text, ok = consume_target(JUDGED)
targets.append(("2", "consume >= 0.5x bare UPDATE (or >= 0.9x the floor when the floor is below 0.5x)",
                f"consume of a pre-approved request over 1024 workspaces, {C_HI} clients; the floor: the consumption's "
                "writes (UPDATE of the request row to consumed + INSERT into a copy of the event queue) as one SQL "
                "statement", text, others(lambda s: consume_target(s)[0]), verdict(ok)))
add_ratio_target("3", "consume on one workspace >= 0.9x over 1024 workspaces",
                 f"the same consume with every key in one workspace, vs over 1024 workspaces, {C_HI} clients",
                 "consume", CONSUME1, CONSUME, 0.9, [C_HI])
add_ratio_target("4", "full cycle >= 1.5x PL/pgSQL",
                 "require (new pending) -> approve -> require (consumes), one transaction, one workspace, vs the same "
                 "with plpgsql_gate.sql", "cycle", "approval_gate full cycle (one workspace)",
                 "plpgsql full cycle (one workspace)", 1.5)
add_ratio_target("5", "new pending >= 0.5x INSERT of one row",
                 f"approval_gate_require on a key never asked before (a pending request and its event), {C_HI} clients, "
                 "vs one INSERT into a table with approval_gate_requests' indexes", "pending",
                 "approval_gate new pending", "INSERT of one request row", 0.5, [C_HI])
add_ratio_target("8", "ungated >= 0.9x the do-nothing C function",
                 "approval_gate_require on an action with no policy vs the same statement calling a C function of the "
                 "same signature that does nothing (noop_require.c)", "ungated", "approval_gate ungated",
                 "do-nothing C function, same statement", 0.9)


def dedup_wal(sync):
    rs = [r for r in runs if r.sync == sync and r.label == "approval_gate pending dedup"]
    tx, wal = sum(r.tx for r in rs), sum(r.wal for r in rs)
    if not tx:
        return "not run", False
    return f"{wal / tx:.3f} B/tx ({wal} B over {tx:,} tx, {len(rs)} runs)", wal / tx < 1


text, ok = dedup_wal(JUDGED)
targets.append(("8", "dedup writes no WAL", "a retry that finds its pending request: WAL per transaction over every "
                "dedup run (both databases)", text, others(lambda s: dedup_wal(s)[0]), verdict(ok)))
add_ratio_target("8", "dedup >= 3x PL/pgSQL", "the same retry vs plpgsql_gate.require", "dedup",
                 "approval_gate pending dedup", "plpgsql pending dedup", 3)

HISTORY_SCENARIOS = ["approval_gate ungated", "approval_gate pending dedup", CONSUME,
                     "approval_gate full cycle (one workspace)", "approval_gate contended (10 keys)"]


def history_ratios(sync):
    out = {}
    for label in HISTORY_SCENARIOS + ["SELECT 1"]:
        rs = select(set="history", sync=sync, label=label)
        if rs:
            out[label] = ratio("history", sync, rs[0].clients, label, label, "history", "empty")
    return out


def history_target(sync):
    h = history_ratios(sync)
    if not h:
        return "not run", False
    worst = min((v[0], k) for k, v in h.items() if k != "SELECT 1" and v)
    text = (f"lowest {worst[0]:.2f}x ({worst[1]}); SELECT 1 control {fmt_ratio(h.get('SELECT 1'))}")
    return text, worst[0] >= 0.9


text, ok = history_target(JUDGED)
targets.append(("8", "1M history within 10%", f"history/empty TPS of each approval_gate scenario with "
                f"{int(meta['history_rows']):,} historical requests (table below)", text,
                others(lambda s: history_target(s)[0]), verdict(ok)))

# Memory: per call path, growth over the second half of the calls. A leak grows in every quarter; caches
# and the allocator's arenas settle in the first ones.
MEM_CTX_SLACK = 256 * 1024      # bytes of memory contexts
MEM_ANON_SLACK = 1024           # kB of RssAnon
memory = []
for line in open(os.path.join(WORK, "memory.txt")):
    f = line.rstrip("\n").split("|")
    if len(f) < 18:
        continue
    memory.append(f)
mem_ok = bool(memory)
mem_worst = []
for f in memory:
    ctx_growth = int(f[7]) - int(f[5])     # contexts after the 4th quarter - after the 2nd
    anon_growth = int(f[12]) - int(f[10])  # RssAnon, the same
    mem_ok = mem_ok and ctx_growth < MEM_CTX_SLACK and anon_growth < MEM_ANON_SLACK and int(f[17]) == int(f[1])
    mem_worst.append((anon_growth, ctx_growth, f[0]))
anon, ctx, path = max(mem_worst) if mem_worst else (0, 0, "-")
targets.append(("8", "flat backend memory", "over the second half of each call path's calls, memory contexts grow "
                f"by less than {MEM_CTX_SLACK // 1024} kB and RssAnon by less than {MEM_ANON_SLACK // 1024} MB, and "
                "every call gives the expected outcome (table below)",
                f"largest RssAnon growth over the second half {anon} kB ({path}, contexts {ctx:+,} B)",
                "(one backend, synchronous_commit off)", verdict(mem_ok)))

# Notification latency.
latency = {}
for line in open(os.path.join(WORK, "latency.tsv")):
    sync, path, tps = line.rstrip("\n").split("\t")
    probes, notes = [], 0
    if os.path.exists(path):
        for l in open(path):
            f = l.split()
            if f[0] == "probe":
                probes.append(tuple(None if x == "-" else float(x) for x in f[1:4]))
            elif f[0] == "notifications":
                notes = int(f[1])

    def pct(xs, q):
        xs = sorted(xs)
        return xs[max(0, int(len(xs) * q + 0.999999) - 1)] * 1000 if xs else None

    first = [p[1] - p[0] for p in probes if p[1] is not None]
    sealed = [p[2] - p[0] for p in probes if p[2] is not None]
    run = [r for r in runs if r.set == "latency" and r.sync == sync]
    latency[sync] = dict(probes=len(probes), notes=notes, tps=float(tps), undelivered=len(probes) - len(sealed),
                         backlog=run[0].backlog if run else 0, drain=run[0].drain if run else 0,
                         flush=flush_ms(run),
                         sealed50=pct(sealed, 0.5), sealed99=pct(sealed, 0.99), first50=pct(first, 0.5),
                         first99=pct(first, 0.99), sealedmax=max(sealed) * 1000 if sealed else None)


def latency_text(sync):
    l = latency.get(sync)
    if not l or not l["probes"]:
        return "not run"
    if l["sealed50"] is None:
        return f"no probe's event was ever seen sealed ({l['probes']} probes)"
    return (f"p50 {l['sealed50']:.1f} ms, p99 {l['sealed99']:.1f} ms to the notification after which the event is "
            f"sealed (first notification after commit: p50 {l['first50']:.1f}, p99 {l['first99']:.1f} ms); "
            f"{l['probes']} probes, {l['undelivered']} undelivered")


l = latency.get(JUDGED)
targets.append(("9", "notification latency (reported)", f"commit of a transition -> its notification at a "
                f"listening client, under consume at {C_HI} clients (method in bench/README.md)", latency_text(JUDGED),
                others(latency_text), "reported" if l and l["probes"] and l["undelivered"] == 0 else "FAIL"))

# The scenarios that must queue no audit event at all (the event queue's sequence did not move).
for s in SYNCS:
    for label in ["approval_gate ungated", "approval_gate pending dedup"] + [
            f"{op} by pk, protected table{who}" for op in ("UPDATE", "DELETE")
            for who in (" (role not gated)", ", superuser")]:
        rs = [r for r in runs if r.sync == s and r.label == label]
        if rs:
            n = sum(r.events for r in rs)
            checks.append([s, label, "ok" if n == 0 else "MISMATCH",
                           f"audit events queued: {n} in {sum(r.tx for r in rs):,} transactions ({len(rs)} runs)"])
checks.sort(key=lambda c: SYNCS.index(c[0]) if c[0] in SYNCS else len(SYNCS))

# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------
md = []
w = md.append
w("# approval_gate benchmark")
w("")
w(f"{meta['date']}, {meta['cpus']} CPUs, load average before the run: {meta['load']} (at its end: {meta['load_end']}), "
  f"PostgreSQL {meta['server']}, "
  f"commit {meta['commit']} (at the end of the run), {meta['build']} The run took {meta['minutes']} minutes.")
w("")
w(f"`shared_preload_libraries = '{meta['preload']}'`, autovacuum off, every setting of `synchronous_commit` in turn "
  f"({', '.join(SYNCS)}; targets are judged on `{JUDGED}`). pgbench -M prepared, {C_LO} and {C_HI} clients, "
  f"-j {meta['jobs']}. Interleaved groups: {meta['ratio_rounds']} round(s) of {meta['ratio_t']} s runs, each arm "
  f"twice a round (A B .. B A). Empty/history pairs: {meta['pair_rounds']} round(s) of {meta['pair_t']} s runs under "
  f"{meta['history_syncs']}. Notification latency: {meta['lat_t']} s, {meta['lat_rate']} probes a second. "
  f"Supply: {meta['supply']}. How each figure is made: [bench/README.md](../README.md).")
w("")
w("## Targets (goals, not assertions)")
w("")
w(f"| # | target | what | measured (synchronous_commit={JUDGED}) | {', '.join('synchronous_commit=' + s for s in OTHER) or 'other settings'} | result |")
w("| --- | --- | --- | --- | --- | --- |")
for t in targets:
    w("| " + " | ".join(t) + " |")
w("")
w("Ratios are TPS ratios from the interleaved runs of one group (the sum of the scenario's runs over the sum of the "
  "baseline's); in brackets, with more than one round, the lowest and highest round.")

head = " | ".join(f"{s}, {c} clients" for s, c in COLUMNS)
w("")
w("## Throughput (TPS)")
w("")
w(f"| scenario | {head} |")
w("| --- |" + " ---: |" * len(COLUMNS))
for label in order:
    if not any((label, s, c) in agg for s, c in COLUMNS):
        continue
    w(f"| {label} | " + " | ".join(fmt_int(agg[label, s, c]["tps"]) if (label, s, c) in agg else "" for s, c in COLUMNS) + " |")
w("")
w("## Latency per transaction (median / p99, ms)")
w("")
w(f"| scenario | {head} |")
w("| --- |" + " ---: |" * len(COLUMNS))
for label in order:
    if not any((label, s, c) in agg for s, c in COLUMNS):
        continue
    cells = []
    for s, c in COLUMNS:
        a = agg.get((label, s, c))
        cells.append(f"{a['median']:.2f} / {a['p99']:.2f}" if a and a["median"] is not None else "")
    w(f"| {label} | " + " | ".join(cells) + " |")
w("")
w("## Writes and sealing")
w("")
w("WAL per transaction counts everything written from before the run until the sealer had drained the queue after "
  "it (so the sealing of the run's events too). WAL flush: the disk's average time per WAL flush during the runs "
  "(pg_stat_wal with track_wal_io_timing; under synchronous_commit=on every commit waits for one, and other work on "
  "the machine changes it). Events: audit events queued per transaction. Backlog: events still queued when pgbench "
  "stopped (largest of the runs), and how long the sealer then took to drain them.")
w("")
w(f"| scenario | WAL B/tx ({', '.join(f'{s} {c}' for s, c in COLUMNS)}) | WAL flush ms ({', '.join(f'{s} {c}' for s, c in COLUMNS)}) | events/tx | backlog at end (events) | drained in (s) | errors |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for label in order:
    cells = [agg.get((label, s, c)) for s, c in COLUMNS]
    present = [a for a in cells if a]
    if not present:
        continue
    walcell = " / ".join(f"{a['wal']:,.0f}" if a and a["wal"] is not None else "-" for a in cells)
    flushcell = " / ".join(f"{a['flush']:.2f}" if a and a["flush"] is not None else "-" for a in cells)
    ev = max((a["events"] or 0) for a in present)
    w(f"| {label} | {walcell} | {flushcell} | {ev:.2f} | {max(a['backlog'] for a in present):,} | "
      f"{max(a['drain'] for a in present):.1f} | {sum(a['errors'] for a in present)} |")

for s in SYNCS:
    rows = []
    for label in order:
        rs = cell_runs(label, s, C_HI)
        counts, samples, sealer = waits_of(rs)
        total = sum(counts.values())
        if not samples:
            continue
        top = ", ".join(f"{k} {v / total:.0%}" for k, v in counts.most_common(4)) if total else "-"
        rows.append(f"| {label} | {total / samples:.1f} | {top} | {sealer / samples:.0%} |")
    if rows:
        w("")
        w(f"## Wait events at {C_HI} clients, synchronous_commit={s}")
        w("")
        w("Sampled every 50 ms from pg_stat_activity during the runs (sidecar.py waits): active pgbench backends per "
          "sample, their waits as a share of those backend samples (CPU: active, waiting on nothing, which on 2 "
          "cores includes waiting for a CPU), and how often the sealer worker was active (sealing).")
        w("")
        w("| scenario | active backends | top waits | sealer active |")
        w("| --- | ---: | --- | ---: |")
        md.extend(rows)

w("")
w("## Notification latency")
w("")
w(f"A listener LISTENs on approval_gate while consume runs at {C_HI} clients; a probe session commits "
  f"{meta['lat_rate']} new pending requests a second (bench_probe). Per probe, from the client's clock right after "
  "its commit returned: *sealed*: until the notification after which the listener found the probe's event in "
  "approval_gate_events (it checks once per notification received); *first*: until the first notification "
  "received at all, a lower bound (that batch may have been sealed without it).")
w("")
w("| synchronous_commit | probes | undelivered | sealed p50 / p99 / max (ms) | first p50 / p99 (ms) | notifications received | consume TPS meanwhile | backlog at end (events) | drained in (s) | WAL flush ms |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for s in SYNCS:
    l = latency.get(s)
    if not l or not l["probes"]:
        continue
    sealed = (f"{l['sealed50']:.1f} / {l['sealed99']:.1f} / {l['sealedmax']:.1f}" if l["sealed50"] is not None else "-")
    first = f"{l['first50']:.1f} / {l['first99']:.1f}" if l["first50"] is not None else "-"
    w(f"| {s} | {l['probes']} | {l['undelivered']} | {sealed} | {first} | {l['notes']:,} | {fmt_int(l['tps'])} | "
      f"{l['backlog']:,} | {l['drain']:.1f} | {fmt_flush(l['flush'])} |")

w("")
w("## History: 1M historical requests")
w("")
w("Each scenario runs on bench_empty and bench_hist interleaved (empty, history, history, empty); the ratio is "
  "history TPS over empty TPS. SELECT 1 is the control: the same thing on both, the noise of a back-to-back pair.")
w("")
w("| scenario | clients | " + " | ".join(f"{s}: empty TPS | history TPS | history/empty | WAL flush ms (empty / history)"
                                       for s in SYNCS) + " |")
w("| --- | ---: |" + " ---: | ---: | ---: | ---: |" * len(SYNCS))
for label in ["SELECT 1"] + HISTORY_SCENARIOS:
    rs = select(set="history", label=label)
    if not rs:
        continue
    cells = []
    for s in SYNCS:
        e = select(set="history", label=label, sync=s, phase="empty")
        h = select(set="history", label=label, sync=s, phase="history")
        if e and h:
            cells += [fmt_int(mean([r.tps for r in e])), fmt_int(mean([r.tps for r in h])),
                      fmt_ratio(ratio("history", s, rs[0].clients, label, label, "history", "empty")),
                      f"{fmt_flush(flush_ms(e))} / {fmt_flush(flush_ms(h))}"]
        else:
            cells += ["", "", "not run", ""]
    w(f"| {label} | {rs[0].clients} | " + " | ".join(cells) + " |")

w("")
w("## Backend memory per call path (one backend on bench_hist, after a warm-up)")
w("")
w("| call path | calls | µs/call | memory contexts (MB): before, after each quarter | RssAnon (MB): before, after each quarter | VmRSS before / end | VmHWM before / end | expected outcome |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for f in memory:
    n = int(f[1])
    mb = lambda x: int(x) / 1048576
    kb = lambda x: int(x) / 1024
    w(f"| {f[0]} | {n:,} | {float(f[2]) * 1e6 / n:.2f} | " + " / ".join(f"{mb(x):.2f}" for x in f[3:8]) + " | "
      + " / ".join(f"{kb(x):.1f}" for x in f[8:13]) + f" | {kb(f[13]):.1f} / {kb(f[14]):.1f} MB | "
      f"{kb(f[15]):.1f} / {kb(f[16]):.1f} MB | {int(f[17]):,} of {n:,} |")
w("")
w("contexts: sum(total_bytes) of pg_backend_memory_contexts; RssAnon: the backend's private memory (palloc and "
  "malloc, so also C++ allocations); VmRSS and VmHWM also count the shared buffers the backend has touched (a "
  "writing path visits new pages). A leak per call would show as growth in every quarter.")

w("")
w("## Outcome checks")
w("")
w("What the tables say the runs did, per setting (everything on bench_empty since the previous check).")
w("")
w("| synchronous_commit | what | result | detail |")
w("| --- | --- | --- | --- |")
for c in checks:
    w("| " + " | ".join(c) + " |")

w("")
w("## Every run")
w("")
w("| # | synchronous_commit | clients | scenario | set | database | round | TPS | median ms | p99 ms | tx | WAL B | WAL flush ms | events | backlog | drain s | errors |")
w("| ---: | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for i, r in enumerate(runs, 1):
    med, p99 = percentiles([r.prefix])
    lat = f"{med:.3f} | {p99:.3f}" if med is not None else "- | -"
    w(f"| {i} | {r.sync} | {r.clients} | {r.label} | {r.set} | {r.phase} | {r.round} | {fmt_int(r.tps)} | {lat} | "
      f"{r.tx:,} | {r.wal:,} | {fmt_flush(flush_ms([r]))} | {r.events:,} | {r.backlog:,} | {r.drain:.1f} | {r.errors} |")

with open(OUT_MD + ".tmp", "w") as f:
    f.write("\n".join(md) + "\n")
os.replace(OUT_MD + ".tmp", OUT_MD)

with open(OUT_TSV, "w") as f:
    f.write("scenario\tsynchronous_commit\tclients\truns\ttps\tmedian_ms\tp99_ms\ttx\twal_per_tx\tevents_per_tx\t"
            "backlog_max\tdrain_max_s\terrors\n")
    for (label, s, c), a in agg.items():
        f.write("\t".join(str(x) for x in (label, s, c, a["runs"], round(a["tps"]), a["median"], a["p99"], a["tx"],
                                            None if a["wal"] is None else round(a["wal"], 1),
                                            None if a["events"] is None else round(a["events"], 2), a["backlog"],
                                            a["drain"], a["errors"])) + "\n")
