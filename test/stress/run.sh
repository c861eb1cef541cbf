#!/usr/bin/env bash
# approval_gate stress and crash-recovery test. See test/stress/README.md.
#
#   ./test/stress/run.sh                               # 30 s of stress, then 2 crashes: about 1.5 minutes
#   STRESS_SECONDS=300 CRASHES=10 ./test/stress/run.sh  # longer
#
# Environment (all optional):
#   STRESS_SECONDS=30     length of the stress run; each crash run is killed at a random point
#                         between 25 % and 75 % of it (a CHECKPOINT half-way to the kill)
#   CRASHES=2             crash runs (pg_ctl -m immediate stop mid-run, restart, check)
#   STRESS_CLIENTS=32 STRESS_JOBS=2   pgbench -c / -j
#   STRESS_PORT           server port (default 5700 + random)
#   STRESS_KEEP=1         keep the cluster directory (server log, pgbench logs) afterwards
#   PG_BINDIR=/usr/lib/postgresql/15/bin
# Exit status: 0 when every invariant check passed, 1 otherwise (2: the harness itself failed).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=${STRESS_SECONDS:-30}
CRASHES=${CRASHES:-2}
CLIENTS=${STRESS_CLIENTS:-32}
JOBS=${STRESS_JOBS:-2}
PORT=${STRESS_PORT:-$((5700 + RANDOM % 1000))}
PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
DB=stress
# Each crash run is killed at a random point between 25 % and 75 % of STRESS_SECONDS.
crash_point() { awk -v t="$T" -v r="$RANDOM" 'BEGIN { printf "%.1f", t / 4 + (t / 2) * r / 32767 }'; }

log() { printf '[stress %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

[ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 server in $PGBIN"
[ -x "$PGBIN/pgbench" ] || die "pgbench not found in $PGBIN"
[ -f "$("$PGBIN/pg_config" --sharedir)/extension/approval_gate.control" ] ||
    die "approval_gate is not installed: run 'make install' first"

WORK=$(mktemp -d /tmp/approval_gate_stress.XXXXXX)
DATA=$WORK/data
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    if [ "${STRESS_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$WORK"

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d "$DB")

start_server() {
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w -t 120 start >/dev/null ||
        { tail -n 30 "$WORK/server.log" >&2; die "the server did not start"; }
}

# ---------------------------------------------------------------------------------------------
# A private cluster: own directory, own socket directory, no TCP, fsync on (the crash runs
# check durability, so nothing is relaxed).
# ---------------------------------------------------------------------------------------------
log "initdb in $WORK (port $PORT)"
as_owner "$PGBIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null ||
    die "initdb failed"
cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $PORT
max_connections = $((CLIENTS + 20))
log_min_messages = warning
log_min_error_statement = panic
restart_after_crash = off
shared_preload_libraries = 'approval_gate'
CONF
start_server
"$PGBIN/createdb" -h "$WORK" -p "$PORT" -U postgres "$DB" || die "createdb failed"
"${PSQL[@]}" -f "$HERE/setup.sql" >/dev/null || die "setup.sql failed"
"${PSQL[@]}" -f "$HERE/checks.sql" >/dev/null || die "checks.sql failed"

# The workload: script@weight. Every script but the last commits one logged outcome (or more).
SCRIPTS=(require@6 consume@3 approve_alice@4 approve_bob@2 deny@1 withdraw@1 expire@1 seal@1 rollback@1)
ROLLBACK_SCRIPT=$(( ${#SCRIPTS[@]} - 1 ))
PGBENCH_ARGS=(-n -M prepared -c "$CLIENTS" -j "$JOBS" -h "$WORK" -p "$PORT" -U postgres)
for s in "${SCRIPTS[@]}"; do PGBENCH_ARGS+=(-f "$HERE/pgbench/${s%@*}.sql@${s#*@}"); done

PASSED=0
FAILED=0
TOTAL_TX=0
CRASHES_SURVIVED=0

# run_pgbench RUN LABEL [crash_after_seconds]
run_pgbench() {
    local run=$1 label=$2 crash_after=${3:-}
    local dir=$WORK/run$run
    mkdir -p "$dir"
    "${PSQL[@]}" -c "INSERT INTO stress_runs VALUES ($run, '$label', $([ -n "$crash_after" ] && echo true || echo false))" ||
        die "cannot record run $run"
    log "run $run ($label): pgbench -c $CLIENTS -j $JOBS -T $T${crash_after:+, killing the server after ${crash_after} s}"
    "$PGBIN/pgbench" "${PGBENCH_ARGS[@]}" -T "$T" -D run="$run" -D n=0 -l --log-prefix="$dir/tx" "$DB" \
        >"$dir/out" 2>"$dir/err" &
    local pid=$!
    if [ -n "$crash_after" ]; then
        # A checkpoint part-way, so recovery replays from a checkpoint taken under load.
        sleep "$(awk -v t="$crash_after" 'BEGIN { printf "%.2f", t / 2 }')"
        "${PSQL[@]}" -c CHECKPOINT >/dev/null 2>&1 || log "run $run: CHECKPOINT failed"
        sleep "$(awk -v t="$crash_after" 'BEGIN { printf "%.2f", t / 2 }')"
        log "run $run: pg_ctl -m immediate stop"
        as_owner "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null || die "immediate stop failed"
        wait "$pid"   # its clients fail; its exit status is expected to be non-zero
        log "run $run: restarting (crash recovery)"
        local before after
        before=$(grep -c 'not properly shut down; automatic recovery in progress' "$WORK/server.log")
        start_server
        after=$(grep -c 'not properly shut down; automatic recovery in progress' "$WORK/server.log")
        report "crash_recovered[$label]" "$([ "$after" -gt "$before" ] && echo t || echo f)" \
            "server killed with pg_ctl -m immediate after ${crash_after} s, restarted through crash recovery"
        local cycle
        cycle=$("${PSQL[@]}" -A -t -F $'\t' -f "$HERE/post_recovery.sql" 2>&1 | tail -n 1)
        report "post_recovery_cycle[$label]" "${cycle%%$'\t'*}" "${cycle#*$'\t'}"
    else
        wait "$pid" || log "run $run: pgbench exited with status $?"
    fi
    # Transactions pgbench saw complete: "client_id transaction_no time script_no ...".
    # Failed ones carry 'failed' as time; the rollback script commits nothing.
    cat "$dir"/tx* 2>/dev/null |
        awk -v run="$run" -v rb="$ROLLBACK_SCRIPT" '$3 != "failed" && $3 != "skipped" && $4 != rb {print run "\t" $1 "\t" $2 "\t" $4}' \
        >"$dir/acked.tsv"
    "${PSQL[@]}" -c "\\copy stress_acked FROM '$dir/acked.tsv'" || die "cannot load the pgbench log"
    local tx failed aborted
    tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/out")
    aborted=$(grep -c 'aborted' "$dir/err" || true)
    TOTAL_TX=$((TOTAL_TX + ${tx:-0}))
    log "run $run: ${tx:-?} transactions, ${failed:-0} failed, $aborted client aborts, $(wc -l <"$dir/acked.tsv") logged commits acknowledged"
    if [ -z "$crash_after" ]; then
        # Without a crash no client may abort: an error other than the expected, caught races
        # (55000/P0002 in votes) aborts the pgbench client that got it.
        report "pgbench_no_client_aborted[$label]" "$([ "$aborted" = 0 ] && [ -n "$tx" ] && echo t || echo f)" \
            "$aborted client aborts, ${tx:-?} transactions, ${failed:-0} failed (serialization/deadlock)"
        grep -m 5 'ERROR\|aborted' "$dir/err" >&2 || true
    fi
}

report() {   # report NAME t|f DETAIL
    if [ "$2" = t ]; then
        PASSED=$((PASSED + 1)); printf 'PASS  %-45s %s\n' "$1" "$3"
    else
        FAILED=$((FAILED + 1)); printf 'FAIL  %-45s %s\n' "$1" "$3"
    fi
}

run_checks() {   # run_checks LABEL
    local label=$1 out
    out=$("${PSQL[@]}" -A -t -F $'\t' -c 'SELECT check_name, ok, detail FROM stress_checks()') ||
        { report "checks_ran[$label]" f "stress_checks() failed"; return; }
    while IFS=$'\t' read -r name ok detail; do
        report "${name}[${label}]" "$ok" "$detail"
    done <<<"$out"
    "${PSQL[@]}" -A -t -c 'SELECT line FROM stress_totals()' | sed 's/^/      /'
}

# 1. Stress.
run_pgbench 1 stress
run_checks stress

# 2. Crashes: the same workload, the server killed mid-run, restarted, checked.
for i in $(seq 1 "$CRASHES"); do
    failed_before=$FAILED
    run_pgbench $((i + 1)) "crash$i" "$(crash_point)"
    run_checks "crash$i"
    [ "$FAILED" = "$failed_before" ] && CRASHES_SURVIVED=$((CRASHES_SURVIVED + 1))
done

# No backend died on its own (a segfault or an abort in the module) during any run.
signals=$(grep -c 'terminated by signal\|was terminated by exception' "$WORK/server.log" || true)
report "no_backend_crash" "$([ "$signals" = 0 ] && echo t || echo f)" \
    "$signals backends terminated by a signal in the server log"
grep -m 5 'terminated by signal' "$WORK/server.log" >&2 || true

log "clients $CLIENTS, $T s stress run + $CRASHES crash runs (killed at 25-75 % of $T s), $TOTAL_TX transactions," \
    "$("${PSQL[@]}" -A -t -c 'SELECT count(*) FROM stress_log') outcomes logged, $CRASHES_SURVIVED/$CRASHES crashes survived"
echo "stress: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
