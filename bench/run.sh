#!/usr/bin/env bash
# approval_gate benchmark: one command, one throwaway cluster, one table. See bench/README.md.
#
#   ./bench/run.sh                      # defaults: 10 s per scenario, about 10 minutes in all
#   BENCH_SECONDS=30 ./bench/run.sh     # longer runs
#
# Environment (all optional):
#   BENCH_SECONDS=10            seconds per pgbench run
#   BENCH_CLIENTS=4 BENCH_JOBS=2  pgbench -c / -j for every scenario but the contended one
#   BENCH_HOT_CLIENTS=16        pgbench -c for the contended scenario
#   BENCH_HOT_APPROVER_RATE=1000  approvals attempted per second during the contended scenario
#   BENCH_HISTORY_ROWS=1000000  historical requests inserted before the second phase
#   BENCH_MEM_CALLS=1000000     calls per read path in the memory check (BENCH_MEM_WRITE_CALLS=100000 for writes)
#   BENCH_CONSUME_SUPPLY        pre-approved requests for the consume scenario (default 12000 per second it runs)
#   BENCH_RATIO_SECONDS=3 BENCH_RATIO_ROUNDS=3  the interleaved runs behind the target ratios
#   BENCH_PAIR_SECONDS=3 BENCH_PAIR_ROUNDS=2    the interleaved empty/history runs of each scenario
#   BENCH_SYNCHRONOUS_COMMIT=off  'on' to include the disk's fsync latency in every committed write
#   BENCH_PERF=1                profile every phase-1 run system-wide with perf (results/perf/*.txt)
#   BENCH_KEEP=1                keep the cluster directory (logs, pgbench logs) after the run
#   PG_BINDIR=/usr/lib/postgresql/15/bin
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-4}
JOBS=${BENCH_JOBS:-2}
HOT_CLIENTS=${BENCH_HOT_CLIENTS:-16}
HOT_RATE=${BENCH_HOT_APPROVER_RATE:-1000}
HISTORY_ROWS=${BENCH_HISTORY_ROWS:-1000000}
MEM_CALLS=${BENCH_MEM_CALLS:-1000000}
MEM_WRITE_CALLS=${BENCH_MEM_WRITE_CALLS:-100000}
RATIO_T=${BENCH_RATIO_SECONDS:-3}
RATIO_ROUNDS=${BENCH_RATIO_ROUNDS:-3}
PAIR_T=${BENCH_PAIR_SECONDS:-3}
PAIR_ROUNDS=${BENCH_PAIR_ROUNDS:-2}
# Consume runs on bench_empty in its pairs and in its target ratio; bench_hist is a copy, so the same
# supply covers its pairs.
CONSUME_SUPPLY=${BENCH_CONSUME_SUPPLY:-$((12000 * 2 * (PAIR_ROUNDS * PAIR_T + RATIO_ROUNDS * RATIO_T)))}
PLPGSQL_SUPPLY=${BENCH_PLPGSQL_SUPPLY:-$((10000 * T))}
SYNC=${BENCH_SYNCHRONOUS_COMMIT:-off}
PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
DB=bench_empty   # phase "empty"; bench_hist (phase "history") is a copy of it plus the history
PORT=5432

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 server in $PGBIN"
command -v pgbench >/dev/null || die "pgbench not found"
[ -f "$("$PGBIN/pg_config" --sharedir)/extension/approval_gate.control" ] ||
    die "approval_gate is not installed: run 'make install' first"

LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/approval_gate_bench.XXXXXX)
SOCK=$WORK
LOGS=$WORK/pgbench
mkdir -p "$LOGS" "$HERE/results"
RES=$WORK/results.tsv   # scenario phase clients tps median_ms p99_ms tx wal_bytes errors check
: >"$RES"

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    as_owner "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$WORK"

# ---------------------------------------------------------------------------------------------
# The throwaway cluster: private socket directory, no TCP, autovacuum off (nothing writes behind
# the scenarios' back), buffers large enough to hold a million historical rows.
# ---------------------------------------------------------------------------------------------
SO_FILE="$("$PGBIN/pg_config" --pkglibdir)/approval_gate.so"
SQL_FILE="$("$PGBIN/pg_config" --sharedir)/extension/approval_gate--1.0.sql"
fingerprint() { cat "$SO_FILE" "$SQL_FILE" | md5sum | cut -c1-12; }
BUILD0=$(fingerprint)
log "initdb in $WORK"
as_owner "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >>"$WORK/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = $PORT
max_connections = 60
shared_buffers = 1GB
work_mem = 16MB
maintenance_work_mem = 256MB
autovacuum = off
synchronous_commit = $SYNC
checkpoint_timeout = 30min
max_wal_size = 8GB
log_min_messages = warning
# Loaded once by the postmaster: every backend of this run uses the same build, even if someone
# reinstalls the extension while the benchmark runs.
shared_preload_libraries = 'approval_gate'
log_min_error_statement = error
EOF
as_owner "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null

export PGHOST=$SOCK PGPORT=$PORT
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -U postgres)
q() { "${PSQL[@]}" -At -d "$DB" -c "$1"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"

log "setup: extension, PL/pgSQL baseline, roles, policies"
"${PSQL[@]}" -d "$DB" -f "$HERE/sql/setup.sql" >/dev/null
BUILD_SETUP=$(fingerprint)   # the schema was created from these files
# The diagnostic do-nothing function (noop_require.c): built into the throwaway directory for this run,
# never installed.
PGCONFIG="$PGBIN/pg_config"
# shellcheck disable=SC2046  # pg_config prints a list of flags
cc $("$PGCONFIG" --cflags) $("$PGCONFIG" --cflags_sl) -I"$("$PGCONFIG" --includedir-server)" -shared \
    -o "$WORK/noop_require.so" "$HERE/noop_require.c" || die "cannot build noop_require.c"
"${PSQL[@]}" -d "$DB" -c "CREATE FUNCTION bench.noop_require(workspace_id uuid, action text,
    context jsonb DEFAULT '{}', reason text DEFAULT NULL, sealed bytea DEFAULT NULL)
    RETURNS approval_gate_decision LANGUAGE c VOLATILE AS '$WORK/noop_require.so', 'noop_require'"
"${PSQL[@]}" -At -d "$DB" -f "$HERE/sql/preload.sql" | sed 's/^/    /' >&2

# Pre-approved requests for keys lo..hi, two sessions in parallel on disjoint workspaces.
make_supply() { # require_fn approve_fn lo hi
    local lo=$3 hi=$4 batch=5000 part pids=()
    for part in 0 1; do
        (
            local a b
            for ((a = lo; a <= hi; a += batch)); do
                b=$((a + batch - 1)); [ $b -gt "$hi" ] && b=$hi
                "${PSQL[@]}" -At -d "$DB" -v require="$1" -v approve="$2" -v lo=$a -v hi=$b -v part=$part \
                    -f "$HERE/sql/supply.sql" >/dev/null
            done
        ) &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
}

log "supply: $CONSUME_SUPPLY pre-approved requests for approval_gate, $PLPGSQL_SUPPLY for plpgsql_gate"
make_supply approval_gate_require approval_gate_approve 1 "$CONSUME_SUPPLY"
make_supply plpgsql_gate.require plpgsql_gate.approve 1 "$PLPGSQL_SUPPLY"
log "    approved: approval_gate $(q "SELECT count(*) FROM approval_gate_requests WHERE action = 'bench_consume' AND status = 'approved'"), plpgsql_gate $(q "SELECT count(*) FROM plpgsql_gate.requests WHERE action = 'bench_consume' AND status = 'approved'")"
q "VACUUM ANALYZE" >/dev/null

# The history database: the same state, plus the history. Scenarios then alternate between the two
# databases (empty, history, empty, history...) so that both sides of each ratio run back to back.
log "history: bench_hist = bench_empty + $HISTORY_ROWS historical requests"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_hist TEMPLATE bench_empty STRATEGY FILE_COPY"
"${PSQL[@]}" -d bench_hist -v rows="$HISTORY_ROWS" -f "$HERE/sql/history.sql" >/dev/null
"${PSQL[@]}" -d bench_hist -c "VACUUM ANALYZE" >/dev/null
log "    bench_hist requests: $("${PSQL[@]}" -At -d bench_hist -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM approval_gate_requests GROUP BY 1) s")"
q "CHECKPOINT" >/dev/null

use() { if [ "$1" = history ]; then DB=bench_hist; else DB=bench_empty; fi; }

# ---------------------------------------------------------------------------------------------
# Outcome probes: each scenario's statement once, in a rolled-back transaction, must give the
# outcome the scenario claims to measure.
# ---------------------------------------------------------------------------------------------
probe() { # expected sql
    local got
    got=$("${PSQL[@]}" -At -d "$DB" -c "BEGIN" -c "$2" -c "ROLLBACK" | head -1)
    if [ "$got" = "$1" ]; then log "    probe ok: $1"; else die "probe expected '$1', got '$got' from: $2"; fi
}
log "outcome probes"
for phase in empty history; do
    use $phase
    probe not_gated "SELECT outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'read_thing', '{}')"
    probe not_gated "SELECT outcome FROM bench.noop_require(lpad(to_hex(1), 32, '0')::uuid, 'read_thing', '{}')"
    probe pending "SELECT outcome FROM approval_gate_require(lpad(to_hex(7), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', 7))"
    probe approved "SELECT outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'bench_consume', jsonb_build_object('k', 1025))"
    probe not_gated "SELECT outcome FROM plpgsql_gate.require(lpad(to_hex(1), 32, '0')::uuid, 'read_thing', '{}')"
    probe pending "SELECT outcome FROM plpgsql_gate.require(lpad(to_hex(7), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', 7))"
    probe approved "SELECT outcome FROM plpgsql_gate.require(lpad(to_hex(1), 32, '0')::uuid, 'bench_consume', jsonb_build_object('k', 1025))"
    probe approved "SELECT r2.outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'bench_cycle', '{\"probe\": 1}') r1,
        LATERAL approval_gate_approve(r1.request_id) a,
        LATERAL approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'bench_cycle', CASE WHEN a = 'approved' THEN '{\"probe\": 1}'::jsonb END) r2"
done
use empty

# ---------------------------------------------------------------------------------------------
# One pgbench run: vacuum first (autovacuum is off), WAL position before and after, latency
# percentiles from the per-transaction log.
# ---------------------------------------------------------------------------------------------
percentiles() { # files... -> "median_ms p99_ms"
    cat "$@" | awk '{print $3}' | sort -n | awk '{v[NR] = $1}
        END { if (NR == 0) { print "- -"; exit }
              m = int(NR * 0.50); if (m < 1) m = 1; p = int(NR * 0.99); if (p < 1) p = 1;
              printf "%.3f %.3f\n", v[m] / 1000, v[p] / 1000 }'
}

LAST_TX=0
LAST_TPS=0
RUN_T=$T   # seconds of the current pgbench run
SEG=1      # which run of a scenario/phase pair this is
bench() { # name phase user clients jobs script [check-sql-before-after]
    local name=$1 phase=$2 user=$3 c=$4 j=$5 script=$6 prefix out lsn0 lsn1 wal tps tx errors lat
    prefix="$LOGS/$(echo "$name.$phase" | tr -c 'A-Za-z0-9.\n' '_').$SEG"
    q "VACUUM" >/dev/null
    lsn0=$(q "SELECT pg_current_wal_lsn()")
    local perf_pid=
    if [ "${BENCH_PERF:-0}" = 1 ] && [ "$phase" = empty ]; then
        perf record -q -e cpu-clock -F 999 -a -o "$prefix.perf.data" -- sleep "$RUN_T" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    out=$(pgbench -n -M prepared -c "$c" -j "$j" -T "$RUN_T" -U "$user" -l --log-prefix="$prefix" \
        -f "$HERE/scripts/$script" "$DB" 2>"$prefix.stderr") || true
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        mkdir -p "$HERE/results/perf"
        perf report -i "$prefix.perf.data" --comm postgres --sort dso,symbol --stdio --percent-limit 0.5 2>/dev/null |
            grep -v '^$' >"$HERE/results/perf/$(basename "$prefix").txt" || true
    fi
    lsn1=$(q "SELECT pg_current_wal_lsn()")
    wal=$(q "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')::bigint")
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
    tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    errors=$(grep -c -E 'ERROR|aborted|error' "$prefix.stderr" || true)
    lat=$(percentiles "$prefix".[0-9]*)
    [ -n "$tps" ] || { tps=0; tx=0; }
    LAST_TX=$tx
    LAST_TPS=$tps
    printf '%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$phase" "$c" "$tps" "${lat% *}" "${lat#* }" "$tx" "$wal" \
        "$errors" "$prefix" >>"$RES"
    log "    $name [$phase #$SEG, ${RUN_T}s] c=$c tps=$tps tx=$tx median/p99(ms)=$lat wal=$wal B errors=$errors"
    if [ "$errors" != 0 ]; then head -5 "$prefix.stderr" | sed 's/^/        /' >&2; fi
}

CHECKS=$WORK/checks.tsv   # scenario phase text
: >"$CHECKS"
check() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$CHECKS"; log "    check $1 [$2 #$SEG]: $3"; }

count_ext() { q "SELECT count(*) FROM approval_gate_requests WHERE action = '$1' AND status = '$2'"; }
count_pl() { q "SELECT count(*) FROM plpgsql_gate.requests WHERE action = '$1' AND status = '$2'"; }
count_events() { q "SELECT count(*) FROM approval_gate_events"; }

sc_ungated() { # phase
    local phase=$1 b2 a2 e0 e1
    use "$phase"
    e0=$(count_events); b2=$(q "SELECT count(*) FROM approval_gate_requests")
    bench "approval_gate ungated" "$phase" bench_agent "$CLIENTS" "$JOBS" ext_ungated.sql
    e1=$(count_events); a2=$(q "SELECT count(*) FROM approval_gate_requests")
    check "approval_gate ungated" "$phase" "rows written: $((a2 - b2)) requests, $((e1 - e0)) events"
}

sc_dedup() { # phase
    local phase=$1 before after b2 a2 e0 e1
    use "$phase"
    before=$(count_ext bench_dedup pending); e0=$(count_events); b2=$(q "SELECT count(*) FROM approval_gate_requests")
    bench "approval_gate pending dedup" "$phase" bench_agent "$CLIENTS" "$JOBS" ext_dedup.sql
    after=$(count_ext bench_dedup pending); e1=$(count_events); a2=$(q "SELECT count(*) FROM approval_gate_requests")
    check "approval_gate pending dedup" "$phase" "pending $before -> $after, rows written: $((a2 - b2)) requests, $((e1 - e0)) events"
}

sc_consume() { # phase
    local phase=$1 c0 p0 c1 p1
    use "$phase"
    c0=$(count_ext bench_consume consumed); p0=$(count_ext bench_consume pending)
    bench "approval_gate consume" "$phase" bench_agent "$CLIENTS" "$JOBS" ext_consume.sql
    c1=$(count_ext bench_consume consumed); p1=$(count_ext bench_consume pending)
    check "approval_gate consume" "$phase" "consumed $((c1 - c0)) of $LAST_TX tx; supply left $(count_ext bench_consume approved); pending created (supply ran out) $((p1 - p0))"
}

sc_cycle() { # phase
    local phase=$1 c0 c1
    use "$phase"
    c0=$(count_ext bench_cycle consumed)
    bench "approval_gate full cycle" "$phase" postgres "$CLIENTS" "$JOBS" ext_cycle.sql
    c1=$(count_ext bench_cycle consumed)
    check "approval_gate full cycle" "$phase" "consumed $((c1 - c0)) of $LAST_TX tx; left pending $(count_ext bench_cycle pending), approved $(count_ext bench_cycle approved)"
}

# Contended: HOT_CLIENTS agents on 10 keys, while one approver approves what is pending.
sc_contended() { # phase
    local phase=$1 c0 p0 c1 p1 dbl apid aprefix="$LOGS/hot_approver.$1.$SEG"
    use "$phase"
    c0=$(count_ext bench_hot consumed); p0=$(q "SELECT count(*) FROM approval_gate_requests WHERE action = 'bench_hot'")
    pgbench -n -M prepared -c 1 -j 1 -R "$HOT_RATE" -T "$RUN_T" -U bench_alice -f "$HERE/scripts/ext_hot_approver.sql" \
        "$DB" >"$aprefix.out" 2>"$aprefix.stderr" &
    apid=$!
    bench "approval_gate contended (10 keys)" "$phase" bench_agent "$HOT_CLIENTS" "$JOBS" ext_hot.sql
    wait "$apid" || true
    c1=$(count_ext bench_hot consumed); p1=$(q "SELECT count(*) FROM approval_gate_requests WHERE action = 'bench_hot'")
    dbl=$(q "SELECT count(*) FROM (SELECT request_id FROM approval_gate_events WHERE event = 'consumed' GROUP BY 1 HAVING count(*) > 1) d")
    check "approval_gate contended (10 keys)" "$phase" "of $LAST_TX tx: approved (consumed) $((c1 - c0)), pending created $((p1 - p0)), pending reused $((LAST_TX - (c1 - c0) - (p1 - p0))); approvals consumed twice: $dbl; approver: $(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$aprefix.out") tries, errors $(grep -c -E 'ERROR|aborted' "$aprefix.stderr" || true)"
}

# ---------------------------------------------------------------------------------------------
# The runs. Baselines on bench_empty; each approval_gate scenario on bench_empty then bench_hist.
# ---------------------------------------------------------------------------------------------
log "baselines"
sc_select1() { use "$1"; bench "SELECT 1" "$1" bench_agent "$CLIENTS" "$JOBS" select1.sql; }
# A pair runs as empty, history, history, empty, PAIR_ROUNDS times, PAIR_T seconds a run: drift
# within a round cancels out, and the rounds show how far the ratio moves from one to the next.
PAIRS=$WORK/pairs.tsv   # scenario round empty_tps history_tps
: >"$PAIRS"
pair() { # scenario-function scenario-label
    local r e h
    RUN_T=$PAIR_T
    for ((r = 1; r <= PAIR_ROUNDS; r++)); do
        SEG=$((2 * r - 1)); $1 empty; e=$LAST_TPS; $1 history; h=$LAST_TPS
        SEG=$((2 * r)); $1 history; h="$h $LAST_TPS"; $1 empty; e="$e $LAST_TPS"
        printf '%s\t%s\t%s\t%s\n' "$2" "$r" "$e" "$h" >>"$PAIRS"
    done
    RUN_T=$T; SEG=1
}
pair sc_select1 "SELECT 1"
use empty
bench "UPDATE by pk" empty bench_agent "$CLIENTS" "$JOBS" update.sql
bench "plpgsql ungated" empty bench_agent "$CLIENTS" "$JOBS" plpgsql_ungated.sql

before=$(count_pl bench_dedup pending); b2=$(q "SELECT count(*) FROM plpgsql_gate.requests")
bench "plpgsql pending dedup" empty bench_agent "$CLIENTS" "$JOBS" plpgsql_dedup.sql
check "plpgsql pending dedup" empty "pending $before -> $(count_pl bench_dedup pending), rows written: $(($(q "SELECT count(*) FROM plpgsql_gate.requests") - b2))"

b2=$(q "SELECT count(*) FROM plpgsql_gate.requests")
bench "app-side pending dedup" empty bench_agent "$CLIENTS" "$JOBS" app_dedup.sql
check "app-side pending dedup" empty "pending $(count_pl app_dedup pending), rows written: $(($(q "SELECT count(*) FROM plpgsql_gate.requests") - b2))"

c0=$(count_pl bench_consume consumed)
bench "plpgsql consume" empty bench_agent "$CLIENTS" "$JOBS" plpgsql_consume.sql
check "plpgsql consume" empty "consumed $(($(count_pl bench_consume consumed) - c0)) of $LAST_TX tx; supply left $(count_pl bench_consume approved); pending created (supply ran out) $(count_pl bench_consume pending)"

c0=$(count_pl bench_cycle consumed)
bench "plpgsql full cycle" empty postgres "$CLIENTS" "$JOBS" plpgsql_cycle.sql
check "plpgsql full cycle" empty "consumed $(($(count_pl bench_cycle consumed) - c0)) of $LAST_TX tx"

log "approval_gate scenarios, empty then history"
pair sc_ungated "approval_gate ungated"
pair sc_dedup "approval_gate pending dedup"
pair sc_consume "approval_gate consume"
pair sc_cycle "approval_gate full cycle"
pair sc_contended "approval_gate contended (10 keys)"

# ---------------------------------------------------------------------------------------------
# The target ratios, each from its baseline and scenario interleaved on bench_empty (baseline,
# scenario, scenario, baseline; RATIO_ROUNDS times, RATIO_T seconds a run). This machine's
# throughput drifts by 10-20% within minutes, which single runs minutes apart would put into the
# ratio; interleaved runs share the drift. Phase "paired" in the table.
# ---------------------------------------------------------------------------------------------
ROUNDS=$WORK/rounds.tsv   # target round baseline_tps scenario_tps
: >"$ROUNDS"
versus() { # target baseline-label baseline-script scenario-label scenario-script [user]
    local r b s user=${6:-bench_agent}
    use empty
    RUN_T=$RATIO_T
    for ((r = 1; r <= RATIO_ROUNDS; r++)); do
        SEG=$r
        bench "$2" paired "$user" "$CLIENTS" "$JOBS" "$3"; b=$LAST_TPS
        bench "$4" paired "$user" "$CLIENTS" "$JOBS" "$5"; s=$LAST_TPS
        bench "$4" paired "$user" "$CLIENTS" "$JOBS" "$5"; s="$s $LAST_TPS"
        bench "$2" paired "$user" "$CLIENTS" "$JOBS" "$3"; b="$b $LAST_TPS"
        printf '%s\t%s\t%s\t%s\n' "$1" "$r" "$b" "$s" >>"$ROUNDS"
    done
    RUN_T=$T
    SEG=1
}
# The consume floor's supply (sql/consume_floor.sql): every transaction of floor_consume.sql takes a row.
FLOOR_SUPPLY=$((25000 * 2 * RATIO_ROUNDS * RATIO_T))
log "consume floor: $FLOOR_SUPPLY approved rows in look-alike tables on bench_empty"
"${PSQL[@]}" -d bench_empty -v rows="$FLOOR_SUPPLY" -f "$HERE/sql/consume_floor.sql" >/dev/null
log "target ratios: baseline and scenario interleaved, $RATIO_ROUNDS rounds of ${RATIO_T} s runs"
versus ungated "SELECT 1" select1.sql "approval_gate ungated" ext_ungated.sql
versus ungated_args "SELECT 1" select1.sql "ungated statement without the call" ext_ungated_args.sql
versus ungated_noop "SELECT 1" select1.sql "ungated statement calling a do-nothing C function" noop_ungated.sql
versus dedup_plpgsql "plpgsql pending dedup" plpgsql_dedup.sql "approval_gate pending dedup" ext_dedup.sql
versus dedup_app "app-side pending dedup" app_dedup.sql "approval_gate pending dedup" ext_dedup.sql
c0=$(count_ext bench_consume consumed); p0=$(count_ext bench_consume pending)
versus consume "UPDATE by pk" update.sql "approval_gate consume" ext_consume.sql
check "approval_gate consume" paired "consumed $(($(count_ext bench_consume consumed) - c0)); supply left $(count_ext bench_consume approved); pending created (supply ran out) $(($(count_ext bench_consume pending) - p0))"
versus consume_floor "UPDATE by pk" update.sql "consume floor: its writes as one SQL statement" floor_consume.sql
check "consume floor: its writes as one SQL statement" paired "$(q "SELECT 'consumed ' || count(*) FILTER (WHERE status = 'consumed') || ', supply left ' || count(*) FILTER (WHERE status = 'approved') || ', audit rows ' || (SELECT count(*) FROM bench.floor_events) FROM bench.floor_requests")"
# Not a target of its own, but the comparison a user makes: the whole cycle against PL/pgSQL.
versus cycle_plpgsql "plpgsql full cycle" plpgsql_cycle.sql "approval_gate full cycle" ext_cycle.sql postgres
# A target's ratio: its scenario runs' mean TPS over its baseline runs' mean; per round, the same over
# that round's two runs of each.
SPREAD=$WORK/spread.tsv   # target ratio lowest-round highest-round
awk -F'\t' '{ split($3, b, " "); split($4, s, " "); r = (s[1] + s[2]) / (b[1] + b[2]);
              sb[$1] += b[1] + b[2]; ss[$1] += s[1] + s[2];
              if (!($1 in lo) || r < lo[$1]) lo[$1] = r; if (!($1 in hi) || r > hi[$1]) hi[$1] = r }
            END { for (t in lo) printf "%s\t%.4f\t%.2f\t%.2f\n", t, ss[t] / sb[t], lo[t], hi[t] }' "$ROUNDS" >"$SPREAD"
# The same for the history/empty pairs: lowest and highest round.
awk -F'\t' '{ split($3, e, " "); split($4, h, " "); r = (h[1] + h[2]) / (e[1] + e[2]);
              if (!($1 in lo) || r < lo[$1]) lo[$1] = r; if (!($1 in hi) || r > hi[$1]) hi[$1] = r }
            END { for (t in lo) printf "%s\t%.2f\t%.2f\n", t, lo[t], hi[t] }' "$PAIRS" >>"$SPREAD"

# One row per scenario and phase: TPS is the mean of its runs, the rest is summed or pooled.
AGG=$WORK/aggregate.tsv
: >"$AGG"
while IFS=$'\t' read -r name phase; do
    prefixes=$(awk -F'\t' -v n="$name" -v p="$phase" '$1 == n && $2 == p { print $10 }' "$RES")
    files=()
    for pf in $prefixes; do files+=("$pf".[0-9]*); done
    lat=$(percentiles "${files[@]}")
    awk -F'\t' -v n="$name" -v p="$phase" -v med="${lat% *}" -v p99="${lat#* }" '
        $1 == n && $2 == p { k++; c = $3; tps += $4; tx += $7; wal += $8; err += $9 }
        END { printf "%s\t%s\t%s\t%.0f\t%s\t%s\t%d\t%d\t%d\t%d\n", n, p, c, tps / k, med, p99, tx, wal, err, k }' "$RES" >>"$AGG"
done < <(awk -F'\t' '!seen[$1 "\t" $2]++ { print $1 "\t" $2 }' "$RES")

# ---------------------------------------------------------------------------------------------
# Memory: each call path many times in one backend.
# ---------------------------------------------------------------------------------------------
log "memory: $MEM_CALLS calls per read path, $MEM_WRITE_CALLS full cycles, one backend"
use history
"${PSQL[@]}" -d "$DB" -f "$HERE/sql/memory_setup.sql" >/dev/null
# One call path: warm-up, then n calls in four quarters; memory before and after each quarter.
mem_block() { # label warm n template(@LO@ @HI@; its last statement returns column ok)
    local label=$1 warm=$2 n=$3 tmpl=$4 q=$(($3 / 4)) i lo
    sub() { local t=${tmpl//@LO@/$1}; echo "${t//@HI@/$2}"; }
    sub 1 "$warm"; echo ' \g /dev/null'
    echo "SELECT ctx_bytes AS c0, anon_kb AS a0, rss_kb AS r0, hwm_kb AS h0, clock_timestamp() AS t0 FROM bench.mem() \\gset"
    for i in 1 2 3 4; do
        lo=$((warm + (i - 1) * q + 1))
        sub "$lo" $((lo + q - 1)); echo " \\gset q${i}_"
        echo "SELECT ctx_bytes AS c$i, anon_kb AS a$i, rss_kb AS r$i, hwm_kb AS h$i FROM bench.mem() \\gset"
    done
    cat <<EOF
SELECT '$label', $((4 * q)), round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 3),
       :c0, :c1, :c2, :c3, :c4, :a0, :a1, :a2, :a3, :a4, :r0, :r4, :h0, :h4, :q1_ok + :q2_ok + :q3_ok + :q4_ok;
EOF
}
MEM=$WORK/memory.txt
{
    echo '\set ON_ERROR_STOP on'
    mem_block "ungated" 10000 "$MEM_CALLS" "SELECT count(*) FILTER (WHERE r.outcome = 'not_gated') AS ok
        FROM generate_series(@LO@, @HI@) g, LATERAL approval_gate_require(lpad(to_hex(g % 1000), 32, '0')::uuid, 'read_thing', '{}') r"
    mem_block "pending dedup" 10000 "$MEM_CALLS" "SELECT count(*) FILTER (WHERE r.outcome = 'pending') AS ok
        FROM generate_series(@LO@, @HI@) g, LATERAL approval_gate_require(lpad(to_hex(g % 1000 + 1), 32, '0')::uuid, 'bench_dedup',
                                                                         jsonb_build_object('k', g % 1000 + 1)) r"
    mem_block "denied (cooldown)" 10000 "$MEM_CALLS" "SELECT count(*) FILTER (WHERE r.outcome = 'denied') AS ok
        FROM generate_series(@LO@, @HI@) g, LATERAL approval_gate_require(lpad(to_hex(g % 1000 + 1), 32, '0')::uuid, 'bench_deny',
                                                                         jsonb_build_object('k', g % 1000 + 1)) r"
    mem_block "request_hash only" 10000 "$MEM_CALLS" "SELECT count(*) FILTER (WHERE length(h) = 64) AS ok
        FROM generate_series(@LO@, @HI@) g, LATERAL approval_gate_request_hash(lpad(to_hex(g % 1000), 32, '0')::uuid, 'bench_dedup',
                                                                              jsonb_build_object('k', g)) h"
    mem_block "full cycle (writes)" 1000 "$MEM_WRITE_CALLS" "CALL bench.mem_cycle(@LO@, @HI@);
SELECT n AS ok FROM bench.mem_cycle_ok"
} >"$WORK/memory.sql"
"${PSQL[@]}" -At -F '|' -d "$DB" -f "$WORK/memory.sql" >"$MEM"

# ---------------------------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------------------------
OUT=$HERE/results/latest.md
BUILD1=$(fingerprint)
if [ "$BUILD0" != "$BUILD_SETUP" ]; then
    BUILD_NOTE="WARNING: the installed extension changed between server start and CREATE EXTENSION ($BUILD0 -> $BUILD_SETUP): module and schema may come from different builds; rerun."
    log "$BUILD_NOTE"
elif [ "$BUILD0" = "$BUILD1" ]; then
    BUILD_NOTE="build fingerprint (approval_gate.so + approval_gate--1.0.sql) $BUILD0, unchanged during the run."
else
    BUILD_NOTE="build fingerprint $BUILD0 (preloaded module and schema, both from server start); it was reinstalled on disk during the run ($BUILD1), which this run did not use."
fi
{
    echo "# approval_gate benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average before the run: $LOAD0," \
        "PostgreSQL $(q "SHOW server_version"), commit $(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "(at the end of the run), $BUILD_NOTE"
    echo "pgbench -M prepared -T $T, -c $CLIENTS -j $JOBS (contended: -c $HOT_CLIENTS)," \
        "synchronous_commit=$SYNC, autovacuum off. Phase history: a copy of the database plus $HISTORY_ROWS historical rows in approval_gate_requests; each approval_gate scenario (and SELECT 1) runs empty, history, history, empty, $PAIR_ROUNDS rounds of $PAIR_T s a run; TPS is the mean of its runs. Phase paired: the interleaved runs behind the target ratios (baseline, scenario, scenario, baseline; $RATIO_ROUNDS rounds of $RATIO_T s), on bench_empty."
    echo
    awk -F'\t' -v checks="$CHECKS" '
        function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "-" }
        BEGIN { while ((getline line < checks) > 0) { split(line, f, "\t"); k = f[1] "|" f[2]; if (k in chk) chk[k] = chk[k] " + " f[3]; else chk[k] = f[3] } }
        { name[NR] = $1; phase[NR] = $2; c[NR] = $3; tps[NR] = $4; med[NR] = $5; p99[NR] = $6; tx[NR] = $7;
          wal[NR] = $8; err[NR] = $9; key = $1 "|" $2; T[key] = $4; n = NR }
        END {
          print "| scenario | phase | clients | TPS | median ms | p99 ms | WAL B/tx | vs SELECT 1 | vs UPDATE | vs PL/pgSQL | vs app-side | history/empty | errors | outcome check |"
          print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
          for (i = 1; i <= n; i++) {
            s = name[i]; ph = phase[i]
            vs1 = vsu = vspl = vsapp = hist = ""
            if (s ~ /^approval_gate ungated/ || s ~ /^plpgsql ungated/ || s ~ /^ungated statement/ || s ~ /dedup/) vs1 = ratio(tps[i], T["SELECT 1|" ph])
            bp = (ph == "paired") ? "paired" : "empty"
            if (s ~ /consume|cycle|contended/) vsu = ratio(tps[i], T["UPDATE by pk|" bp])
            if (s == "approval_gate ungated" && ph != "paired") vspl = ratio(tps[i], T["plpgsql ungated|empty"])
            if (s == "approval_gate pending dedup") { vspl = ratio(tps[i], T["plpgsql pending dedup|" bp]);
                                                      vsapp = ratio(tps[i], T["app-side pending dedup|" bp]) }
            if (s == "approval_gate consume" && ph != "paired") vspl = ratio(tps[i], T["plpgsql consume|empty"])
            if (s == "approval_gate full cycle") vspl = ratio(tps[i], T["plpgsql full cycle|" bp])
            if (ph == "history") hist = ratio(tps[i], T[s "|empty"])
            w = (tx[i] > 0) ? sprintf("%.1f", wal[i] / tx[i]) : "-"
            printf "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, ph, c[i], tps[i], med[i], p99[i], w,
                   vs1, vsu, vspl, vsapp, hist, err[i], chk[s "|" ph]
          }
        }' "$AGG"
    echo
    echo "## Targets (goals, not assertions)"
    echo
    echo "The four ratios against baselines come from the interleaved (paired) runs; in brackets, the lowest and"
    echo "highest of the $RATIO_ROUNDS rounds. The history ratios come from the empty/history pairs, with the lowest and"
    echo "highest of their $PAIR_ROUNDS rounds."
    echo
    awk -F'\t' -v spread="$SPREAD" '
        function ratio(a, b) { return (b > 0) ? a / b : 0 }
        function row(what, measured, goal, ok) { printf "| %s | %s | %s | %s |\n", what, measured, goal, ok ? "PASS" : "MISS" }
        function paired(what, t, goal) { r = PR[t] + 0;
          row(what, sprintf("%.2fx (%s)", r, SP[t]), sprintf(">= %sx", goal), r >= goal) }
        BEGIN { while ((getline line < spread) > 0) { nf = split(line, f, "\t");
                  if (nf == 4) { PR[f[1]] = f[2]; SP[f[1]] = f[3] "-" f[4] } else HS[f[1]] = f[2] "-" f[3] } }
        { T[$1 "|" $2] = $4; TX[$1 "|" $2] = $7; W[$1 "|" $2] = $8 }
        END {
          print "| target | measured | goal | result |"
          print "| --- | ---: | ---: | --- |"
          paired("ungated passthrough vs SELECT 1", "ungated", 0.7)
          printf "| (diagnostic, no target) the ungated statement with the call taken out, vs SELECT 1: the ceiling its shape sets | %.2fx (%s) | | |\n", PR["ungated_args"], SP["ungated_args"]
          printf "| (diagnostic, no target) the ungated statement calling a do-nothing C function of the same signature, vs SELECT 1: the most any C function called there reaches | %.2fx (%s) | | |\n", PR["ungated_noop"], SP["ungated_noop"]
          split("empty history", P, " ")
          for (k = 1; k <= 2; k++) {
            key = "approval_gate pending dedup|" P[k]
            b = (TX[key] > 0) ? W[key] / TX[key] : 999
            row("pending dedup: WAL per transaction (" P[k] ")", sprintf("%.3f B (%d B in %d tx)", b, W[key], TX[key]), "no WAL (< 1 B/tx)", b < 1)
          }
          paired("pending dedup vs PL/pgSQL", "dedup_plpgsql", 2)
          paired("pending dedup vs app-side", "dedup_app", 3)
          paired("consume vs bare UPDATE", "consume", 0.8)
          printf "| (diagnostic, no target) the writes a consumption must make (status change, audit row, NOTIFY) as one SQL statement on look-alike tables, vs bare UPDATE: what those writes alone reach | %.2fx (%s) | | |\n", PR["consume_floor"], SP["consume_floor"]
          printf "| (no target) full cycle vs PL/pgSQL | %.2fx (%s) | | |\n", PR["cycle_plpgsql"], SP["cycle_plpgsql"]
          n = split("approval_gate ungated|approval_gate pending dedup|approval_gate consume|approval_gate full cycle|approval_gate contended (10 keys)", S, "|")
          for (k = 1; k <= n; k++) {
            r = ratio(T[S[k] "|history"], T[S[k] "|empty"])
            row("1M history: " S[k], sprintf("%.2fx (%s)", r, HS[S[k]]), ">= 0.90x", r >= 0.9)
          }
          r = ratio(T["SELECT 1|history"], T["SELECT 1|empty"])
          printf "| (control, no target) SELECT 1 history/empty: the same thing on both databases, shows the noise floor | %.2fx (%s) | | |\n", r, HS["SELECT 1"]
        }' "$AGG"
    echo
    echo "## Backend memory per call path (one backend on bench_hist, after a warm-up)"
    echo
    echo "| call path | calls | µs/call | memory contexts (MB): before, after each quarter | RssAnon (MB): before, after each quarter | VmRSS before / end | VmHWM before / end | expected outcome |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    awk -F'|' '{ printf "| %s | %d | %.2f | %.2f / %.2f / %.2f / %.2f / %.2f | %.1f / %.1f / %.1f / %.1f / %.1f | %.1f / %.1f MB | %.1f / %.1f MB | %s of %d |\n",
                   $1, $2, $3 * 1e6 / $2, $4 / 1048576, $5 / 1048576, $6 / 1048576, $7 / 1048576, $8 / 1048576,
                   $9 / 1024, $10 / 1024, $11 / 1024, $12 / 1024, $13 / 1024, $14 / 1024, $15 / 1024, $16 / 1024, $17 / 1024, $18, $2 }' "$MEM"
    echo
    echo "contexts: sum(total_bytes) of pg_backend_memory_contexts; RssAnon: the backend's private memory (palloc and"
    echo "malloc, so also C++ allocations); VmRSS and VmHWM also count the shared buffers the backend has touched"
    echo "(a writing path visits new pages). A leak per call would show as growth in every quarter."
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cp "$AGG" "$HERE/results/latest.tsv"
echo
cat "$OUT"
