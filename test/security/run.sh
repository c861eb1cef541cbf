#!/usr/bin/env bash
# The adversarial suite: the attacks of the trust and identity issues, as a plain login with only the
# TEMP privilege, as an approver, and as a DBA, each against its own throwaway cluster.
#
#   ./test/security/run.sh            # needs the extension installed (make install)
#   SECURITY_KEEP=1 ./test/security/run.sh   # keep the clusters and logs
#
# Parts: sql/ (pg_regress: every identity switch is a real login, \c - <login>), specs/ (isolation:
# what needs two sessions), and scenarios/*.sh (what needs the server itself: pg_dump/pg_restore, a
# streaming standby, a LATIN1 database, the audit key file, the library's versions).
# Prints one line per check, and last `security: N passed, M failed`; exits 1 if any failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PGXS_DIR=$("$PGBIN/pg_config" --pkglibdir)/pgxs/src/test
export WORK=$(mktemp -d /tmp/approval_gate_security.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
PASSED=0
FAILED=0

# Runs a command as the cluster's owner (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
export -f as_pg

report() {  # name ok(t/f) detail
    if [ "$2" = t ]; then
        PASSED=$((PASSED + 1)); printf 'PASS  %-52s %s\n' "$1" "$3"
    else
        FAILED=$((FAILED + 1)); printf 'FAIL  %-52s %s\n' "$1" "$3"
    fi
}

# new_cluster NAME [initdb options...]: initialises and starts a cluster; prints its port.
new_cluster() {
    local name=$1; shift
    local data=$WORK/$name port=$((6000 + RANDOM % 3000))
    as_pg "$PGBIN/initdb" -D "$data" -A trust -U postgres "$@" >"$WORK/$name.initdb.log" 2>&1 || return 1
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $port
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
shared_preload_libraries = '${PRELOAD-approval_gate}'
EOF
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$WORK/$name.log" -w start >/dev/null || return 1
    echo "$port"
}
export -f new_cluster
stop_clusters() {
    for d in "$WORK"/*/; do
        [ -f "$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
    done
}
cleanup() {
    stop_clusters
    if [ "${SECURITY_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT=$(new_cluster main) || { cat "$WORK"/main*.log; echo "security: 0 passed, 1 failed"; exit 1; }
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres

# pg_regress over sql/: one check per file.
tests=$(cd "$HERE/sql" && ls *.sql | sed 's/\.sql$//' | tr '\n' ' ')
as_pg "$PGXS_DIR/regress/pg_regress" --inputdir="$HERE" --outputdir="$WORK/regress" --bindir="$PGBIN" \
    --host="$WORK" --port="$PORT" --user=postgres --dbname=approval_gate_security $tests >"$WORK/regress.out" 2>&1
while read -r name result; do
    report "sql/$name" "$([ "$result" = ok ] && echo t || echo f)" "pg_regress"
done < <(sed -n 's/^\(not \)\{0,1\}ok [0-9]* *[-+] \([a-z0-9_]*\) .*/\2 \1/p; s/^test \([a-z0-9_]*\) *\.\.\. \([a-zA-Z]*\).*/\1 \2/p' \
           "$WORK/regress.out" | sed 's/ not $/ FAILED/; s/ $/ ok/')
[ -s "$WORK/regress/regression.diffs" ] && head -200 "$WORK/regress/regression.diffs"

# Isolation specs: one check per spec. The specs of notifications sent in the caller's transaction run
# on a cluster without the preload (with it, the sealer worker notifies, after commit: see
# scenarios/sealer.sh).
run_specs() {
    local port=$1 out=$2; shift 2
    as_pg "$PGXS_DIR/isolation/pg_isolation_regress" --inputdir="$HERE" --outputdir="$WORK/$out" \
        --bindir="$PGBIN" --host="$WORK" --port="$port" --user=postgres --dbname=approval_gate_isolation \
        --load-extension=approval_gate "$@" >"$WORK/$out.out" 2>&1
    while read -r name result; do
        report "specs/$name" "$([ "$result" = ok ] && echo t || echo f)" "isolation ($out)"
    done < <(sed -n 's/^test \([a-z0-9_]*\) *\.\.\. \([a-zA-Z]*\).*/\1 \2/p' "$WORK/$out.out")
    [ -s "$WORK/$out/regression.diffs" ] && head -200 "$WORK/$out/regression.diffs"
}
without_preload_specs="notify"
specs=$(cd "$HERE/specs" && ls *.spec | sed 's/\.spec$//' | grep -vxF "$without_preload_specs" | tr '\n' ' ')
run_specs "$PORT" isolation $specs
PLAIN_PORT=$(PRELOAD='' new_cluster plain) || { report plain_cluster_started f "$(tail -3 "$WORK"/plain*.log)"; }
[ -n "${PLAIN_PORT:-}" ] && run_specs "$PLAIN_PORT" isolation_without_preload $without_preload_specs

# Scenarios: each prints lines "PASS|FAIL name detail".
for scenario in "$HERE"/scenarios/*.sh; do
    while IFS= read -r line; do
        verdict=${line%% *}
        rest=${line#* }
        name=${rest%% *}
        detail=${rest#"$name"}
        case "$verdict" in
            PASS) report "$name" t "${detail# }" ;;
            FAIL) report "$name" f "${detail# }" ;;
            *) echo "      $line" ;;
        esac
    done < <(bash "$scenario" 2>&1)
done

echo "security: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
