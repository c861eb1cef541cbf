#!/usr/bin/env bash
# approval_gate benchmark: one command, one throwaway cluster. See bench/README.md.
#
#   ./bench/run.sh                          # defaults: about 15-20 minutes on 2 cores
#   BENCH_RATIO_ROUNDS=3 ./bench/run.sh     # steadier target ratios (the interleaved part takes 3x as long)
#
# Environment (all optional):
#   BENCH_SECONDS=3                  length of every pgbench run, unless one of the next says otherwise
#   BENCH_RATIO_SECONDS, BENCH_RATIO_ROUNDS=1  the interleaved groups behind the targets
#   BENCH_PAIR_SECONDS, BENCH_PAIR_ROUNDS=1    the empty/history pairs
#   BENCH_WARMUP_SECONDS=1           a warm-up run before each group and pair, left out of every figure
#   BENCH_LATENCY_SECONDS=10 BENCH_LATENCY_RATE=20  the notification latency run; probes a second
#   BENCH_CLIENTS=4 BENCH_CLIENTS_HIGH=16 BENCH_JOBS=2  the two client columns; pgbench -j
#   BENCH_SYNC="on off"              synchronous_commit settings, one after the other (targets judged on "on")
#   BENCH_HISTORY_SYNC="on off"      the settings under which the empty/history pairs run too
#   BENCH_HOT_APPROVER_RATE=1000     approvals attempted per second during the contended scenario
#   BENCH_HISTORY_ROWS=1000000       historical requests in the history database
#   BENCH_MEM_CALLS=1000000 BENCH_MEM_WRITE_CALLS=100000  calls per read path / full cycles in the memory check
#   BENCH_CONSUME_RATE=12000 BENCH_FLOOR_RATE=30000  supply made per second of consume / floor run
#   BENCH_WAITS=1                    sample wait events beside every run (0: off)
#   BENCH_PERF=1                     profile every interleaved run system-wide with perf (results/perf/)
#   BENCH_KEEP=1                     keep the cluster directory (server log, pgbench logs) after the run
#   PG_BINDIR=/usr/lib/postgresql/15/bin
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=${BENCH_SECONDS:-3}
RATIO_T=${BENCH_RATIO_SECONDS:-$T}
RATIO_ROUNDS=${BENCH_RATIO_ROUNDS:-1}
PAIR_T=${BENCH_PAIR_SECONDS:-$T}
PAIR_ROUNDS=${BENCH_PAIR_ROUNDS:-1}
WARM_T=${BENCH_WARMUP_SECONDS:-1}
LAT_T=${BENCH_LATENCY_SECONDS:-10}
LAT_RATE=${BENCH_LATENCY_RATE:-20}
C_LO=${BENCH_CLIENTS:-4}
C_HI=${BENCH_CLIENTS_HIGH:-16}
JOBS=${BENCH_JOBS:-2}
SYNCS=${BENCH_SYNC:-on off}
HISTORY_SYNCS=${BENCH_HISTORY_SYNC:-on off}
HOT_RATE=${BENCH_HOT_APPROVER_RATE:-1000}
HISTORY_ROWS=${BENCH_HISTORY_ROWS:-1000000}
MEM_CALLS=${BENCH_MEM_CALLS:-1000000}
MEM_WRITE_CALLS=${BENCH_MEM_WRITE_CALLS:-100000}
CONSUME_RATE=${BENCH_CONSUME_RATE:-12000}
FLOOR_RATE=${BENCH_FLOOR_RATE:-30000}
WAITS=${BENCH_WAITS:-1}
PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PYTHON=/usr/bin/python3   # the system's, which has python3-psycopg2 (a pyenv python first in PATH may not)
DB=bench_empty   # bench_hist is a copy of it plus the history
PORT=5432

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 server in $PGBIN"
command -v pgbench >/dev/null || die "pgbench not found"
"$PYTHON" -c 'import psycopg2' 2>/dev/null || die "$PYTHON cannot import psycopg2 (apt-get install python3-psycopg2)"
SHAREDIR=$("$PGBIN/pg_config" --sharedir)
CONTROL=$SHAREDIR/extension/approval_gate.control
[ -f "$CONTROL" ] || die "approval_gate is not installed: run 'make install' first"
# The library as the extension's functions (and its sealer worker) name it, e.g. $libdir/approval_gate-1.1.
MODULE=$(sed -n "s/^module_pathname *= *'\(.*\)'/\1/p" "$CONTROL")
VERSION=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$CONTROL")
SO_FILE="$("$PGBIN/pg_config" --pkglibdir)/${MODULE#\$libdir/}.so"
SQL_FILE=$SHAREDIR/extension/approval_gate--$VERSION.sql
if [ ! -f "$SO_FILE" ] || [ ! -f "$SQL_FILE" ]; then die "cannot find $SO_FILE and $SQL_FILE"; fi

START=$(date +%s)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/approval_gate_bench.XXXXXX)
SOCK=$WORK
LOGS=$WORK/pgbench
mkdir -p "$LOGS" "$HERE/results"
RUNS=$WORK/runs.tsv       # one line per pgbench run, see bench()
CHECKS=$WORK/checks.tsv   # sync what ok|MISMATCH|info text
LATENCY=$WORK/latency.tsv # sync sidecar-output consume-tps
: >"$RUNS"; : >"$CHECKS"; : >"$LATENCY"

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
#
# The preload names the library exactly as the extension's functions and its sealer worker do
# ($libdir/approval_gate-<version>), not by the approval_gate symlink: PostgreSQL finds a library it
# has loaded by that name first, and only then by the file's inode. Preloaded as 'approval_gate', a
# `make install` during the run (a new file, a new inode) would have every later backend and sealer
# worker load the new file beside the preloaded one, and that second copy does not see the sealer's
# shared memory: transitions would notify in their own transactions again and nothing would seal.
# Named this way, the whole run uses the build the postmaster loaded.
# ---------------------------------------------------------------------------------------------
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
checkpoint_timeout = 30min
max_wal_size = 8GB
log_min_messages = warning
# pg_stat_wal's wal_sync_time: how long the disk took to flush the WAL during each run (other work on
# this machine changes it, and with synchronous_commit on every commit waits for it).
track_wal_io_timing = on
shared_preload_libraries = '$MODULE'
log_min_error_statement = error
EOF
as_owner "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null

export PGHOST=$SOCK PGPORT=$PORT
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -U postgres)
q() { "${PSQL[@]}" -At -d "$DB" -c "$1"; }
use() { if [ "$1" = history ]; then DB=bench_hist; else DB=bench_empty; fi; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_empty"

log "setup: extension, PL/pgSQL baseline, roles, policies, protected table, copies"
"${PSQL[@]}" -d "$DB" -f "$HERE/sql/setup.sql" >/dev/null
BUILD_SETUP=$(fingerprint)   # the schema was created from these files
# The do-nothing function of target 8 (noop_require.c): built into the throwaway directory, never installed.
PGCONFIG="$PGBIN/pg_config"
# shellcheck disable=SC2046  # pg_config prints a list of flags
cc $("$PGCONFIG" --cflags) $("$PGCONFIG" --cflags_sl) -I"$("$PGCONFIG" --includedir-server)" -shared \
    -o "$WORK/noop_require.so" "$HERE/noop_require.c" || die "cannot build noop_require.c"
"${PSQL[@]}" -d "$DB" -c "CREATE FUNCTION bench.noop_require(workspace_id uuid, action text,
    context jsonb DEFAULT '{}', reason text DEFAULT NULL, sealed bytea DEFAULT NULL)
    RETURNS approval_gate_decision LANGUAGE c VOLATILE AS '$WORK/noop_require.so', 'noop_require'"
"${PSQL[@]}" -At -d "$DB" -f "$HERE/sql/preload.sql" | sed 's/^/    /' >&2

# ---------------------------------------------------------------------------------------------
# Supplies. Every consume transaction takes the next key of its action's supply (a sequence), so
# each run needs as many approved requests as it makes transactions: CONSUME_RATE a second of
# consume run, for every run that consumes. The history database is copied from bench_empty with
# the supply its own consume runs need (the empty/history pairs); the rest is added afterwards, to
# bench_empty only.
# ---------------------------------------------------------------------------------------------
N_SYNC=$(wc -w <<<"$SYNCS")
N_HSYNC=0
for s in $HISTORY_SYNCS; do case " $SYNCS " in *" $s "*) N_HSYNC=$((N_HSYNC + 1)) ;; esac; done
GROUP_RUN_SECONDS=$((2 * RATIO_ROUNDS * RATIO_T * 2 * N_SYNC))   # one arm: 2 runs a round, 2 client counts
PAIR_SUPPLY=$((CONSUME_RATE * (2 * PAIR_ROUNDS * PAIR_T + WARM_T) * N_HSYNC))   # with the warm-up
CONSUME_SUPPLY=$((PAIR_SUPPLY + CONSUME_RATE * (GROUP_RUN_SECONDS + LAT_T * N_SYNC)))
CONSUME1_SUPPLY=$((CONSUME_RATE * GROUP_RUN_SECONDS))
FLOOR_SUPPLY=$((FLOOR_RATE * GROUP_RUN_SECONDS))
# Rows lo..hi made by an SQL file, in batches of 50,000, two sessions in parallel.
batches() { # file lo hi [psql -v options...]
    local file=$1 lo=$2 hi=$3 batch=50000 part pids=()
    shift 3
    for part in 0 1; do
        (
            local a b
            for ((a = lo + part * batch; a <= hi; a += 2 * batch)); do
                b=$((a + batch - 1)); [ $b -gt "$hi" ] && b=$hi
                "${PSQL[@]}" -d "$DB" "$@" -v lo="$a" -v hi="$b" -f "$HERE/sql/$file" >/dev/null
            done
        ) &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "$file failed"; done
}
supply() { # action modulus base idbase lo hi: approved requests (sql/supply.sql)
    batches supply.sql "$5" "$6" -v action="$1" -v modulus="$2" -v base="$3" -v idbase="$4"
}
log "supply for the empty/history pairs: $PAIR_SUPPLY approved requests"
if [ "$PAIR_SUPPLY" -gt 0 ]; then supply bench_consume 1024 0 1099511627776 1 "$PAIR_SUPPLY"; fi
q "VACUUM ANALYZE" >/dev/null

# The history database: the same state, plus the history. The pairs alternate between the two
# databases (empty, history, history, empty) so that both sides of each ratio run back to back.
log "history: bench_hist = bench_empty + $HISTORY_ROWS historical requests"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_hist TEMPLATE bench_empty STRATEGY FILE_COPY"
"${PSQL[@]}" -d bench_hist -v rows="$HISTORY_ROWS" -f "$HERE/sql/history.sql" >/dev/null
"${PSQL[@]}" -d bench_hist -c "VACUUM ANALYZE" >/dev/null
log "    bench_hist requests: $("${PSQL[@]}" -At -d bench_hist -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM approval_gate_requests GROUP BY 1) s")"

log "supply for the interleaved runs: $((CONSUME_SUPPLY - PAIR_SUPPLY)) (1024 workspaces) + $CONSUME1_SUPPLY (one workspace) approved requests, $FLOOR_SUPPLY floor rows"
supply bench_consume 1024 0 1099511627776 $((PAIR_SUPPLY + 1)) "$CONSUME_SUPPLY"
supply bench_consume1 1 1048576 2199023255552 1 "$CONSUME1_SUPPLY"
"${PSQL[@]}" -d "$DB" -f "$HERE/sql/consume_floor.sql" >/dev/null
batches floor_supply.sql 1 "$FLOOR_SUPPLY"
q "VACUUM ANALYZE" >/dev/null
q "CHECKPOINT" >/dev/null

# ---------------------------------------------------------------------------------------------
# Outcome probes: each scenario's statement once, in a rolled-back transaction, must give the
# outcome the scenario claims to measure.
# ---------------------------------------------------------------------------------------------
probe() { # expected user sql (psql input: its first output line is the outcome)
    local got
    got=$(printf 'BEGIN;\n%s\nROLLBACK;\n' "$3" | psql -X -q -At -U "$2" -d "$DB" -v VERBOSITY=sqlstate -f - 2>&1 | sed "s/^psql:<stdin>:[0-9]*: //" | head -1)
    if [ "$got" = "$1" ]; then log "    probe ok: $1"; else die "probe expected '$1', got '$got' from: $3"; fi
}
ONE_WS="lpad(to_hex(1048576), 32, '0')::uuid"
log "outcome probes"
for phase in empty history; do
    use $phase
    probe not_gated bench_agent "SELECT outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'read_thing', '{}')"
    probe not_gated bench_agent "SELECT outcome FROM bench.noop_require(lpad(to_hex(1), 32, '0')::uuid, 'read_thing', '{}')"
    probe pending bench_agent "SELECT outcome FROM approval_gate_require(lpad(to_hex(7), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', 7))"
    probe pending bench_agent "SELECT outcome FROM plpgsql_gate.require(lpad(to_hex(7), 32, '0')::uuid, 'bench_dedup', jsonb_build_object('k', 7))"
    if [ $phase = empty ] || [ "$PAIR_SUPPLY" -gt 0 ]; then
        probe approved bench_agent "SELECT outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'bench_consume', jsonb_build_object('k', 1))"
    fi
    for tool in approval_gate_require:approval_gate_approve plpgsql_gate.require:plpgsql_gate.approve; do
        probe approved postgres "SELECT request_id AS rid FROM ${tool%:*}($ONE_WS, 'bench_cycle', '{\"probe\": 1}') \\gset
            SELECT ${tool#*:}(:'rid') \\g /dev/null
            SELECT outcome FROM ${tool%:*}($ONE_WS, 'bench_cycle', '{\"probe\": 1}');"
    done
done
use empty
probe approved bench_agent "SELECT outcome FROM approval_gate_require($ONE_WS, 'bench_consume1', jsonb_build_object('k', 1))"
probe pending bench_agent "SELECT outcome FROM approval_gate_require(lpad(to_hex(1), 32, '0')::uuid, 'bench_new', jsonb_build_object('k', 0))"
probe consumed bench_agent "WITH c AS (UPDATE bench.floor_requests SET status = 'consumed' WHERE id = lpad(to_hex(1), 32, '0')::uuid RETURNING status) SELECT status FROM c"
probe 1 bench_agent "WITH d AS (DELETE FROM bench.docs WHERE id = 1 RETURNING *) INSERT INTO bench.docs SELECT * FROM d RETURNING 1"
probe 1 postgres "WITH d AS (DELETE FROM bench.docs WHERE id = 1 RETURNING *) INSERT INTO bench.docs SELECT * FROM d RETURNING 1"
probe 1 bench_agent "UPDATE bench.docs SET n = n + 1 WHERE id = 1 RETURNING 1"
# The protection is live: the same UPDATE by a gated role is refused.
probe "ERROR:  AG001" bench_robot "UPDATE bench.docs SET n = n + 1 WHERE id = 1 RETURNING 1"

# ---------------------------------------------------------------------------------------------
# One pgbench run. Before it: VACUUM (autovacuum is off), the WAL position and the event queue's
# sequence. After it: the sealer's backlog (events still queued when pgbench stopped), then the
# wait until the sealer has drained the queue, so that no sealing left over from this run shares the
# CPU with the next one, and the WAL counted includes the sealing of this run's events. Beside it:
# the wait-event sampler (sidecar.py waits) and, for some runs, another process (SIDE).
# ---------------------------------------------------------------------------------------------
queued() { q "SELECT count(*) FROM approval_gate_event_queue"; }
# Seconds until the current database's queue is empty (at most 120).
drain() {
    local t0=${EPOCHREALTIME/./} i dt
    for i in $(seq 1200); do
        if [ "$(queued)" = 0 ]; then
            dt=$((${EPOCHREALTIME/./} - t0))
            printf '%d.%d\n' $((dt / 1000000)) $((dt / 100000 % 10))
            return
        fi
        [ "$i" = 1200 ] || sleep 0.1
    done
    die "the sealer left $(queued) events queued in $DB for 2 minutes: sealing is not working (see $WORK/server.log)"
}

LAST_TPS=0
SYNC=on    # the current synchronous_commit setting
RUN_T=$T   # seconds of the current pgbench run
RUN_N=0
SIDE=       # a function that starts a process to run beside the next pgbench run, and sets SIDE_PID
SIDE_PID=
bench() { # label set phase round user clients script
    local label=$1 set=$2 phase=$3 round=$4 user=$5 c=$6 script=$7 prefix out pos0 pos1 tps tx errors backlog dt
    local lsn0 seq0 syncs0 sync_ms0 wal events syncs sync_ms
    local perf_pid='' waits_pid='' side_pid=''
    use "$phase"
    RUN_N=$((RUN_N + 1))
    prefix="$LOGS/$RUN_N.$(echo "$label" | tr -c 'A-Za-z0-9\n' '_')"
    pos0=$("${PSQL[@]}" -At -F ' ' -d "$DB" -c "VACUUM" \
        -c "SELECT pg_current_wal_lsn(), (SELECT last_value FROM approval_gate_event_queue_id_seq), wal_sync, wal_sync_time
              FROM pg_stat_wal")
    if [ "${BENCH_PERF:-0}" = 1 ] && [ "$set" != history ]; then
        mkdir -p "$HERE/results/perf"
        perf record -q -e cpu-clock -F 999 -a -o "$prefix.perf.data" -- sleep "$RUN_T" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    if [ "$WAITS" = 1 ]; then
        PGDATABASE=$DB "$PYTHON" "$HERE/sidecar.py" waits "$RUN_T" "$prefix.waits" &
        waits_pid=$!
    fi
    if [ -n "$SIDE" ]; then "$SIDE" "$prefix"; side_pid=$SIDE_PID; fi
    out=$(pgbench -n -M prepared -c "$c" -j "$JOBS" -T "$RUN_T" -U "$user" -l --log-prefix="$prefix" \
        -f "$HERE/scripts/$script" "$DB" 2>"$prefix.stderr") || true
    backlog=$(queued)
    dt=$(drain)
    read -r lsn0 seq0 syncs0 sync_ms0 <<<"$pos0"
    pos1=$("${PSQL[@]}" -At -F $'\t' -d "$DB" -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')::bigint,
               (SELECT last_value FROM approval_gate_event_queue_id_seq) - $seq0, wal_sync - $syncs0,
               round((wal_sync_time - $sync_ms0)::numeric, 1) FROM pg_stat_wal")
    [ -z "$waits_pid" ] || wait "$waits_pid" || true
    [ -z "$side_pid" ] || wait "$side_pid" || true
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        perf report -i "$prefix.perf.data" --comm postgres --sort dso,symbol --stdio --percent-limit 0.5 2>/dev/null |
            grep -v '^$' >"$HERE/results/perf/$SYNC.c$c.$(basename "$prefix").txt" || true
        rm -f "$prefix.perf.data"
    fi
    # The latency histogram (µs, count) of the run, from pgbench's per-transaction log.
    cat "$prefix".[0-9]* 2>/dev/null | awk '{ n[$3]++ } END { for (v in n) print v, n[v] }' >"$prefix.hist"
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
    tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    errors=$(grep -c -E 'ERROR|aborted|error' "$prefix.stderr" || true)
    [ -n "$tps" ] || { tps=0; tx=0; }
    LAST_TPS=$tps
    read -r wal events syncs sync_ms <<<"$pos1"
    # sync clients label set phase round tps tx wal events backlog drain-seconds errors prefix
    # wal-flushes wal-flush-ms
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SYNC" "$c" "$label" "$set" \
        "$phase" "$round" "$tps" "$tx" "$wal" "$events" "$backlog" "$dt" "$errors" "$prefix" "$syncs" "$sync_ms" >>"$RUNS"
    log "    [$SYNC c=$c] $label ($set, $phase, ${RUN_T}s): tps=${tps%.*} wal/tx=$((tx > 0 ? wal / tx : 0)) B events=$events backlog=$backlog drained in ${dt}s WAL flushes=$syncs ($sync_ms ms) errors=$errors"
    if [ "$errors" != 0 ]; then head -5 "$prefix.stderr" | sed 's/^/        /' >&2; fi
}

check() { # what ok|MISMATCH|info text
    printf '%s\t%s\t%s\t%s\n' "$SYNC" "$1" "$2" "$3" >>"$CHECKS"
    log "    check [$SYNC] $1: $2 $3"
}

# ---------------------------------------------------------------------------------------------
# The interleaved groups behind the targets, on bench_empty: a group's arms run in order, then in
# reverse (baseline, scenario, scenario, baseline for two arms; A B C D D C B A for four), RATIO_ROUNDS
# times, RATIO_T seconds a run, at each client count. Any two arms of a group are then interleaved
# alike, so a drift of the machine during the group weighs on both sides of their ratio the same.
# An arm: "label|script|user".
# ---------------------------------------------------------------------------------------------
group() { # set clients arm...
    local set=$1 c=$2 r i arm n label script user
    shift 2
    local arms=("$@")
    n=${#arms[@]}
    # A warm-up run of the first arm, WARM_T seconds, left out of every figure: the first run after a
    # change of scenario (or of setting) is otherwise slower, and it is always a baseline's.
    IFS='|' read -r label script user <<<"${arms[0]}"
    RUN_T=$WARM_T
    bench "$label" warmup empty 0 "$user" "$c" "$script"
    RUN_T=$RATIO_T
    for ((r = 1; r <= RATIO_ROUNDS; r++)); do
        for ((i = 0; i < 2 * n; i++)); do
            if [ "$i" -lt "$n" ]; then arm=${arms[$i]}; else arm=${arms[$((2 * n - 1 - i))]}; fi
            IFS='|' read -r label script user <<<"$arm"
            bench "$label" "$set" empty "$r" "$user" "$c" "$script"
        done
    done
    RUN_T=$T
}
both() { local set=$1; shift; group "$set" "$C_LO" "$@"; group "$set" "$C_HI" "$@"; }

UPDATE_PK="UPDATE by pk|update.sql|bench_agent"
CONSUME="approval_gate consume (1024 workspaces)|ext_consume.sql|bench_agent"
CONSUME1="approval_gate consume (one workspace)|ext_consume_1ws.sql|bench_agent"
FLOOR="consume floor: its writes as one SQL statement|floor_consume.sql|bench_agent"
UNGATED="approval_gate ungated|ext_ungated.sql|bench_agent"
NOOP="do-nothing C function, same statement|noop_ungated.sql|bench_agent"
DEDUP="approval_gate pending dedup|ext_dedup.sql|bench_agent"
PL_DEDUP="plpgsql pending dedup|plpgsql_dedup.sql|bench_agent"
CYCLE="approval_gate full cycle (one workspace)|ext_cycle.sql|postgres"
PL_CYCLE="plpgsql full cycle (one workspace)|plpgsql_cycle.sql|postgres"
PENDING="approval_gate new pending|ext_pending.sql|bench_agent"
INSERT="INSERT of one request row|insert_request.sql|bench_agent"
SELECT1="SELECT 1|select1.sql|bench_agent"
HOT="approval_gate contended (10 keys)|ext_hot.sql|bench_agent"
protect_arms() { # update|delete
    local op=$1 file=${1,,}
    echo "$op by pk, unprotected table|unprotected_$file.sql|bench_agent"
    echo "$op by pk, protected table (role not gated)|protected_$file.sql|bench_agent"
    echo "$op by pk, unprotected table, superuser|unprotected_$file.sql|postgres"
    echo "$op by pk, protected table, superuser|protected_$file.sql|postgres"
}
mapfile -t PROTECT_UPDATE < <(protect_arms UPDATE)
mapfile -t PROTECT_DELETE < <(protect_arms DELETE)

# ---------------------------------------------------------------------------------------------
# The empty/history pairs: a scenario runs on bench_empty, bench_hist, bench_hist, bench_empty,
# PAIR_ROUNDS times, PAIR_T seconds a run, after a warm-up run on bench_empty (as for the groups).
# ---------------------------------------------------------------------------------------------
# The human side of the contended scenario: one approver on the hot keys.
approver() { # prefix
    pgbench -n -M prepared -c 1 -j 1 -R "$HOT_RATE" -T "$RUN_T" -U bench_alice \
        -f "$HERE/scripts/ext_hot_approver.sql" "$DB" >"$1.approver.out" 2>&1 &
    SIDE_PID=$!
}
pair() { # clients arm
    local c=$1 r phase label script user
    IFS='|' read -r label script user <<<"$2"
    [ "$script" != ext_hot.sql ] || SIDE=approver
    RUN_T=$WARM_T
    bench "$label" warmup empty 0 "$user" "$c" "$script"
    RUN_T=$PAIR_T
    for ((r = 1; r <= PAIR_ROUNDS; r++)); do
        for phase in empty history history empty; do bench "$label" history "$phase" "$r" "$user" "$c" "$script"; done
    done
    RUN_T=$T
    SIDE=
}

# The outcome of everything that ran on bench_empty under one setting, from the tables: what each
# consume, cycle and new-pending run did, against the transactions pgbench counted.
tx_of() { awk -F'\t' -v s="$SYNC" -v l="$1" -v p="${2:-empty}" '$1 == s && $3 == l && $5 == p { t += $8 } END { print t + 0 }' "$RUNS"; }
COUNTED=$WORK/counted.tsv   # action status count, as of the end of the previous setting
"${PSQL[@]}" -At -F $'\t' -d bench_empty -c "SELECT action, status, count(*) FROM approval_gate_requests GROUP BY 1, 2" >"$COUNTED"
outcome_checks() {
    local now=$WORK/counted.now.tsv label action status expected got
    "${PSQL[@]}" -At -F $'\t' -d bench_empty -c "SELECT action, status, count(*) FROM approval_gate_requests GROUP BY 1, 2" >"$now"
    delta() { # action status: rows gained since the last check
        awk -F'\t' -v a="$1" -v s="$2" 'FNR == NR { if ($1 == a && $2 == s) b = $3; next } $1 == a && $2 == s { n = $3 } END { print n - b }' "$COUNTED" "$now"
    }
    while IFS='|' read -r label action status; do
        expected=$(tx_of "$label"); got=$(delta "$action" "$status")
        if [ "$expected" = "$got" ]; then check "$label" ok "$status: $got, as many as transactions"
        else check "$label" MISMATCH "$status: $got, transactions: $expected"; fi
    done <<EOF
approval_gate consume (1024 workspaces)|bench_consume|consumed
approval_gate consume (one workspace)|bench_consume1|consumed
approval_gate full cycle (one workspace)|bench_cycle|consumed
approval_gate new pending|bench_new|pending
EOF
    for action in bench_consume bench_consume1; do
        got=$(delta "$action" pending)
        if [ "$got" = 0 ]; then check "supply of $action" ok "never ran out: $(delta "$action" approved | tr -d -) used, $(awk -F'\t' -v a="$action" '$1 == a && $2 == "approved" { print $3 }' "$now") left"
        else check "supply of $action" MISMATCH "ran out: $got pending requests made instead of consumptions"; fi
    done
    got=$(q "SELECT last_value FROM bench.floor_key")
    if [ "$got" -le "$FLOOR_SUPPLY" ]; then check "supply of the consume floor" ok "never ran out: $got of $FLOOR_SUPPLY used"
    else check "supply of the consume floor" MISMATCH "ran out: $got keys taken, $FLOOR_SUPPLY rows"; fi
    got=$(q "SELECT count(*) FROM bench.docs")/$(q "SELECT count(*) FROM bench.docs_plain")
    if [ "$got" = 10000/10000 ]; then check "protected and unprotected tables" ok "10,000 rows each"
    else check "protected and unprotected tables" MISMATCH "rows: $got"; fi
    mv "$now" "$COUNTED"
}

# The listener and probe of the notification latency (sidecar.py latency).
listener() { # prefix
    PGDATABASE=bench_empty "$PYTHON" "$HERE/sidecar.py" latency "$RUN_T" "$LAT_RATE" "$WORK/latency.$SYNC.txt" &
    SIDE_PID=$!
}

set_sync() { # on|off: for every session that starts from now on
    local i
    SYNC=$1
    q "ALTER SYSTEM SET synchronous_commit = $1" >/dev/null
    q "SELECT pg_reload_conf()" >/dev/null
    for i in $(seq 50); do [ "$(q "SHOW synchronous_commit")" = "$1" ] && return; sleep 0.1; done
    die "synchronous_commit did not become $1"
}

# ---------------------------------------------------------------------------------------------
# The runs: everything under the first setting (on), then everything again under the next (off).
# ---------------------------------------------------------------------------------------------
for sync in $SYNCS; do
    set_sync "$sync"
    log "synchronous_commit=$sync: interleaved groups ($RATIO_ROUNDS round(s) of ${RATIO_T}s runs, $C_LO and $C_HI clients)"
    both ungated "$NOOP" "$UNGATED"
    both dedup "$PL_DEDUP" "$DEDUP"
    both consume "$UPDATE_PK" "$CONSUME" "$CONSUME1" "$FLOOR"
    both cycle "$PL_CYCLE" "$CYCLE"
    both pending "$INSERT" "$PENDING"
    both protect_update "${PROTECT_UPDATE[@]}"
    both protect_delete "${PROTECT_DELETE[@]}"

    case " $HISTORY_SYNCS " in *" $sync "*)
        log "synchronous_commit=$sync: empty/history pairs ($PAIR_ROUNDS round(s) of ${PAIR_T}s runs)"
        for arm in "$SELECT1" "$UNGATED" "$DEDUP" "$CONSUME" "$CYCLE"; do pair "$C_LO" "$arm"; done
        pair "$C_HI" "$HOT"
        for db in bench_empty bench_hist; do
            dbl=$("${PSQL[@]}" -At -d $db -c "SELECT count(*) FROM (SELECT request_id FROM approval_gate_events
                                                 WHERE event = 'consumed' GROUP BY 1 HAVING count(*) > 1) d")
            if [ "$dbl" = 0 ]; then check "approval_gate contended (10 keys), $db" ok "no approval consumed twice"
            else check "approval_gate contended (10 keys), $db" MISMATCH "$dbl approvals consumed twice"; fi
        done
        ;;
    esac

    # Notification latency, under the 16-client consume load (sidecar.py latency).
    log "synchronous_commit=$sync: notification latency, ${LAT_T}s of consume at $C_HI clients, $LAT_RATE probes a second"
    RUN_T=$LAT_T
    SIDE=listener
    bench "$(cut -d'|' -f1 <<<"$CONSUME")" latency empty 1 bench_agent "$C_HI" ext_consume.sql
    SIDE=
    RUN_T=$T
    printf '%s\t%s\t%s\n' "$sync" "$WORK/latency.$sync.txt" "$LAST_TPS" >>"$LATENCY"

    outcome_checks
done

# ---------------------------------------------------------------------------------------------
# Memory: each call path many times in one backend, which commits without waiting for the disk
# (synchronous_commit is not what this looks at).
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
    echo 'SET synchronous_commit = off;'
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
# The report (report.py): bench/results/latest.md, and latest.tsv with one row per scenario,
# setting and client count.
# ---------------------------------------------------------------------------------------------
BUILD1=$(fingerprint)
if [ "$BUILD0" != "$BUILD_SETUP" ]; then
    BUILD_NOTE="WARNING: the installed extension changed between server start and CREATE EXTENSION ($BUILD0 -> $BUILD_SETUP): module and schema may come from different builds; rerun."
    log "$BUILD_NOTE"
elif [ "$BUILD0" = "$BUILD1" ]; then
    BUILD_NOTE="build fingerprint (${SO_FILE##*/} + ${SQL_FILE##*/}) $BUILD0, unchanged during the run."
else
    BUILD_NOTE="build fingerprint $BUILD0 (preloaded module and schema, both from server start); it was reinstalled on disk during the run ($BUILD1), which this run did not use."
fi
META=$WORK/meta.tsv
{
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpus\t%s\n' "$(nproc)"
    printf 'load\t%s\n' "$LOAD0"
    printf 'load_end\t%s\n' "$(cut -d" " -f1-3 /proc/loadavg)"
    printf 'server\t%s\n' "$(q "SHOW server_version")"
    printf 'commit\t%s\n' "$(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo '?')"
    printf 'build\t%s\n' "$BUILD_NOTE"
    printf 'preload\t%s\n' "$MODULE"
    printf 'minutes\t%s\n' "$((($(date +%s) - START + 30) / 60))"
    printf 'syncs\t%s\n' "$SYNCS"
    printf 'history_syncs\t%s\n' "$HISTORY_SYNCS"
    printf 'c_lo\t%s\nc_hi\t%s\njobs\t%s\n' "$C_LO" "$C_HI" "$JOBS"
    printf 'ratio_t\t%s\nratio_rounds\t%s\npair_t\t%s\npair_rounds\t%s\n' "$RATIO_T" "$RATIO_ROUNDS" "$PAIR_T" "$PAIR_ROUNDS"
    printf 'lat_t\t%s\nlat_rate\t%s\n' "$LAT_T" "$LAT_RATE"
    printf 'history_rows\t%s\nhot_rate\t%s\n' "$HISTORY_ROWS" "$HOT_RATE"
    printf 'supply\t%s\n' "$CONSUME_SUPPLY approved requests over 1024 workspaces, $CONSUME1_SUPPLY in one workspace, $FLOOR_SUPPLY floor rows"
} >"$META"
"$PYTHON" "$HERE/report.py" "$WORK" "$HERE/results/latest.md" "$HERE/results/latest.tsv"
echo
cat "$HERE/results/latest.md"
