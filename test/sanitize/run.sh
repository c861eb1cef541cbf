#!/usr/bin/env bash
# Runs the pg_regress, isolation, pgTAP and test/security (sql/, specs/) suites against approval_gate
# built with AddressSanitizer + UndefinedBehaviorSanitizer, on a server with
# shared_preload_libraries = 'approval_gate' (so the sealer workers run the sanitized code too), then
# regress, isolation and the security specs that need it on the same cluster started without the
# preload; fails if a sanitizer reports anything. CI-optional: not part of test/run-tests.sh (see
# test/sanitize/README.md).
#
# Nothing outside a private temporary directory is touched: the working tree is copied and built
# there, and the server runs from a private copy of the PostgreSQL installation (binaries copied,
# everything else symlinked) into which the sanitized module is installed. PostgreSQL resolves
# $libdir and the share directory relative to its own executable, so that server loads the
# sanitized approval_gate-<version>.so while /usr/lib/postgresql/15/lib stays as it is.
#
# Environment:
#   SANITIZE_KEEP=1      keep the temporary directory (always kept when something was found)
#   SANITIZE_STRICT=1    also fail when a suite fails without any sanitizer report
#   SANITIZE_UBSAN_HALT=1  abort the process on the first UBSan report (default: log and go on)
#   PG_CONFIG            pg_config of the PostgreSQL to use (default: pg_config on PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
started=$(date +%s)

pgbin=$("$PG_CONFIG" --bindir)
pglib=$("$PG_CONFIG" --pkglibdir)
pgshare=$("$PG_CONFIG" --sharedir)
asan_rt=$(gcc -print-file-name=libasan.so)
ubsan_rt=$(gcc -print-file-name=libubsan.so)
[ -e "$asan_rt" ] && [ -e "$ubsan_rt" ] || { echo "libasan/libubsan not found (apt-get install gcc)" >&2; exit 2; }
command -v pg_prove >/dev/null || { echo "pg_prove not found (scripts/install-deps.sh)" >&2; exit 2; }
pg_regress=$pglib/pgxs/src/test/regress/pg_regress
pg_isolation_regress=$pglib/pgxs/src/test/isolation/pg_isolation_regress
[ -x "$pg_regress" ] && [ -x "$pg_isolation_regress" ] || { echo "pg_regress/pg_isolation_regress not found (postgresql-server-dev-15)" >&2; exit 2; }

# -fno-wrapv: PostgreSQL compiles with -fwrapv, which makes GCC drop the signed-overflow check;
# the module should not rely on wrapping arithmetic, so the sanitized build asks for the check.
san_flags="-fsanitize=address,undefined -fno-omit-frame-pointer -g -fno-wrapv"
san_link="-fsanitize=address,undefined"

work=$(mktemp -d "${TMPDIR:-/tmp}/approval_gate-sanitize.XXXXXX")
chmod 755 "$work"
build=$work/build          # copy of the working tree, built with the sanitizers
root=$work/pg              # private PostgreSQL installation (same layout, under $root)
data=$work/data
sock=$work/sock
reports=$work/reports      # ASan log_path: one file per reporting process
log=$work/server.log
results=$work/results      # outputs of the test/security runs
mkdir -p "$build" "$sock" "$reports" "$results" "$work/canary"

as_server_user=()
if [ "$(id -u)" -eq 0 ]; then
    as_server_user=(runuser -u postgres --)
    chown postgres: "$work" "$sock" "$reports"
fi
export PGHOST=$sock PGPORT=5432 PGUSER=postgres PGDATABASE=postgres

server_running=0
keep=${SANITIZE_KEEP:-0}
cleanup() {
    if [ "$server_running" = 1 ]; then
        "${as_server_user[@]}" "$root$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ "$keep" = 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { printf '== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }
die() { echo "$*" >&2; exit 2; }

step "copy the working tree to $build"
(cd "$repo" && tar -cf - --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
    Makefile approval_gate.control src extension sql expected specs doc/approval_gate.md \
    test/pgtap test/security/sql test/security/specs test/security/expected) | tar -C "$build" -xf -

# The sanitizer flags are appended after the project's Makefile has been read (make -f Makefile -f
# sanitize.mk): PG_CPPFLAGS/PG_LDFLAGS on the command line would replace the Makefile's own
# (-DAG_EXTVERSION...). CPPFLAGS comes after CXXFLAGS on the compile line, so -fno-wrapv wins over
# PostgreSQL's -fwrapv; LDFLAGS is on the link line of the shared library.
{
    echo "override CPPFLAGS += $san_flags"
    echo "override LDFLAGS += $san_link"
    echo 'sanitize-print-library:'
    printf '\t@echo $(MODULE_big)$(DLSUFFIX)\n'
} >"$work/sanitize.mk"
mk=(make -C "$build" -f Makefile -f "$work/sanitize.mk" -s with_llvm=no)

step "build with $san_flags"
"${mk[@]}" -j"$(nproc)" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }
lib=$("${mk[@]}" --no-print-directory sanitize-print-library)     # approval_gate-<version>.so
module_pathname=$(sed -n "s/^module_pathname *= *'\\\$libdir\/\(.*\)'.*/\1/p" "$build/approval_gate.control")
[ "$module_pathname.so" = "$lib" ] || die "the control file's module_pathname ($module_pathname) is not the built library ($lib)"
[ -f "$build/$lib" ] || die "the build did not produce $lib"
nm -D "$build/$lib" | grep '__asan_report_load' >/dev/null || die "$lib is not instrumented"
nm -D "$build/$lib" | grep '__ubsan_handle_' >/dev/null || die "$lib has no UBSan checks"

step "private PostgreSQL installation in $root"
mkdir -p "$(dirname "$root$pgbin")" "$(dirname "$root$pglib")" "$(dirname "$root$pgshare")"
cp -a "$pgbin" "$root$pgbin"                      # real copies: the server locates $libdir from its own path
[ -e "$root$pglib" ] || cp -rs "$pglib" "$root$pglib"   # bin and lib may share a parent on other layouts
cp -rs "$pgshare" "$root$pgshare"
# Every approval_gate library of the system installation (the versioned ones and the compatibility
# link) goes, so that nothing uninstrumented of the module can be loaded by the private server.
rm -rf "$root$pglib"/approval_gate*.so "$root$pglib"/bitcode/approval_gate* "$root$pgshare"/extension/approval_gate*
"${mk[@]}" install DESTDIR="$root" >>"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }
[ "$("$root$pgbin/pg_config" --pkglibdir)" = "$root$pglib" ] || die "relocated pg_config does not point to $root$pglib"
[ -f "$root$pglib/$lib" ] && [ ! -L "$root$pglib/$lib" ] || die "private $lib is missing or a symlink"
cmp -s "$build/$lib" "$root$pglib/$lib" || die "private $lib is not the sanitized build"
# The 1.0-era name: a symlink to the versioned library (what shared_preload_libraries = 'approval_gate' loads).
[ -L "$root$pglib/approval_gate.so" ] || die "private approval_gate.so is not a symlink"
[ "$(readlink -f "$root$pglib/approval_gate.so")" = "$(readlink -f "$root$pglib/$lib")" ] \
    || die "private approval_gate.so points to $(readlink "$root$pglib/approval_gate.so"), not $lib"
grep -qxF "module_pathname = '\$libdir/$module_pathname'" "$root$pgshare/extension/approval_gate.control" \
    || die "private approval_gate.control does not name \$libdir/$module_pathname"
private_lib=$(readlink -f "$root$pglib/$lib")     # as /proc/<pid>/maps names it
gcc -shared -fPIC -O0 -g $san_flags -I"$("$PG_CONFIG" --includedir-server)" \
    "$here/canary.c" -o "$root$pglib/sanitize_canary.so"
# UBSan's reports go to the server log (stderr) whatever log_path says: GCC's standalone libubsan
# passes its log_path to __sanitizer_set_report_path, which binds to libasan's (preloaded first).
# That is why UBSan is given ASan's log_path too: with the default ("stderr") the first UBSan report
# of a process would send that process's later ASan reports to the server log.
ubsan_options="print_stacktrace=1:halt_on_error=${SANITIZE_UBSAN_HALT:-0}:log_path=$reports/asan"
gcc -shared -fPIC -O2 -DUBSAN_DEFAULT_OPTIONS="\"$ubsan_options\"" \
    "$here/preload_stub.c" -o "$work/preload_stub.so"   # see preload_stub.c

step "cluster in $data"
"${as_server_user[@]}" "$root$pgbin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log"; exit 2; }
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$sock'
port = 5432
fsync = off
max_connections = 40
max_prepared_transactions = 10
shared_preload_libraries = 'approval_gate'
EOF

# The ASan runtime is preloaded into the postmaster, since postgres itself is not instrumented; every
# backend and background worker (the sealers) is forked from it and inherits the runtime, its options
# and the preloaded module. detect_leaks=0: backends exit without freeing what lives in memory
# contexts, leaks are noise.
start_server() {
    "${as_server_user[@]}" env \
        LD_PRELOAD="$asan_rt $work/preload_stub.so $ubsan_rt" \
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:log_path=$reports/asan" \
        UBSAN_OPTIONS="$ubsan_options" \
        "$root$pgbin/pg_ctl" -D "$data" -l "$log" -w -t 120 start >/dev/null
    server_running=1
}
stop_server() {
    "${as_server_user[@]}" "$root$pgbin/pg_ctl" -D "$data" -m fast -w -t 120 stop >/dev/null
    server_running=0
}
wait_ready() {
    for _ in $(seq 1 120); do
        psql -XAtq -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "server did not come back" >&2; tail -50 "$log"; exit 2
}
# maps_ok WHAT MAPS: the maps of a process show libasan and the private sanitized library, and no
# approval_gate library of the system installation.
maps_ok() {
    grep -q libasan <<<"$2" || die "libasan is not loaded in the $1"
    grep -qF " $private_lib" <<<"$2" || { grep -E 'approval_gate|libasan' <<<"$2" >&2; die "the $1 did not load $private_lib"; }
    ! grep -qE " $pglib/approval_gate" <<<"$2" || die "the $1 maps the system installation's approval_gate"
}
# pid_maps_ok WHAT PID: the same for a running process; fails (1) if it is gone.
pid_maps_ok() {
    local maps
    maps=$(cat "/proc/$2/maps" 2>/dev/null) && [ -n "$maps" ] || return 1
    maps_ok "$1 (pid $2)" "$maps"
}

step "start with shared_preload_libraries = 'approval_gate' (ASan runtime preloaded into the server)"
start_server
wait_ready
[ "$(psql -XAtq -c 'SHOW shared_preload_libraries')" = approval_gate ] || die "shared_preload_libraries is not approval_gate"

step "check that the postmaster and the backends run the sanitized module"
pid_maps_ok postmaster "$(head -1 "$data/postmaster.pid")" || die "cannot read the postmaster's maps"
maps_ok backend "$(psql -XAtq -c "LOAD 'approval_gate'" -c "SELECT pg_read_file('/proc/self/maps')")"

step "self-test: a heap overflow and a bad shift, in a backend and in a background worker, must be reported"
psql -XAtq -c "CREATE FUNCTION sanitize_canary_heap(int) RETURNS int AS 'sanitize_canary' LANGUAGE C STRICT" \
           -c "CREATE FUNCTION sanitize_canary_shift(int) RETURNS int AS 'sanitize_canary' LANGUAGE C STRICT" \
           -c "CREATE FUNCTION sanitize_canary_worker(int, int) RETURNS bool AS 'sanitize_canary' LANGUAGE C STRICT" >/dev/null
psql -XAtq -c 'SELECT sanitize_canary_shift(40)' >/dev/null 2>&1 || true
psql -XAtq -c 'SELECT sanitize_canary_heap(8)' >/dev/null 2>&1 || true
wait_ready
[ "$(psql -XAtq -c 'SELECT sanitize_canary_worker(41, 9)')" = t ] || die "self-test: the canary worker was not registered"
for _ in $(seq 1 120); do
    grep -qs 'sanitize_canary_worker_main' "$reports"/* && break
    sleep 0.5
done
wait_ready
psql -XAtq -c 'DROP FUNCTION sanitize_canary_heap(int); DROP FUNCTION sanitize_canary_shift(int); DROP FUNCTION sanitize_canary_worker(int, int)'
grep -ls 'heap-buffer-overflow' "$reports"/* | xargs -r grep -l 'sanitize_canary_heap' >/dev/null \
    || { echo "self-test: no ASan report for the canary" >&2; ls -la "$reports"; tail -30 "$log"; exit 2; }
grep -qs 'shift exponent 40' "$log" || { echo "self-test: no UBSan report for the canary" >&2; tail -30 "$log"; exit 2; }
grep -ls 'heap-buffer-overflow' "$reports"/* | xargs -r grep -l 'sanitize_canary_worker_main' >/dev/null \
    || { echo "self-test: no ASan report from the canary background worker" >&2; ls -la "$reports"; tail -30 "$log"; exit 2; }
grep -qs 'shift exponent 41' "$log" || { echo "self-test: no UBSan report from the canary background worker" >&2; tail -30 "$log"; exit 2; }
mv "$reports"/* "$work/canary/"
log_from=$(( $(wc -l <"$log") + 1 ))

step "check that a sealer worker runs the sanitized module and seals"
psql -XAtq -c 'CREATE DATABASE sanitize_sealer'
psql -XAtq -d sanitize_sealer -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION approval_gate' \
    -c 'CREATE ROLE sanitize_agent' -c 'SET SESSION AUTHORIZATION sanitize_agent' \
    -c "SELECT outcome FROM approval_gate_require('5a000000-0000-0000-0000-000000000001', 'delete_workspace', '{\"k\": 1}')" >/dev/null
sealer_seen=0
for _ in $(seq 1 200); do
    for pid in $(psql -XAtq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'approval_gate sealer'"); do
        pid_maps_ok "sealer worker" "$pid" && sealer_seen=1   # (it may exit between the query and the read)
    done
    [ "$sealer_seen" = 1 ] && break
    sleep 0.05
done
[ "$sealer_seen" = 1 ] || die "no approval_gate sealer worker was seen"
for _ in $(seq 1 100); do
    [ "$(psql -XAtq -d sanitize_sealer -c 'SELECT count(*) FROM approval_gate_event_queue')" = 0 ] && break
    sleep 0.2
done
[ "$(psql -XAtq -d sanitize_sealer -c 'SELECT count(*) FROM approval_gate_event_queue')" = 0 ] || die "the sealer worker did not seal the queued event"
psql -XAtq -c 'DROP DATABASE sanitize_sealer WITH (FORCE)' -c 'DROP ROLE sanitize_agent'

# Suites: each runs even when an earlier one failed; their outcome is summarised at the end.
suite_results=()
suite_status=0
suite() {  # suite NAME COMMAND...: runs it, prints its output; a failure is noted, not fatal
    local name=$1; shift
    step "$name"
    if "$@" >"$work/$name.out" 2>&1; then
        suite_results+=("ok      $name")
    else
        suite_status=1
        suite_results+=("FAILED  $name")
        cat "$work/$name.out"
    fi
    grep -E 'tests passed|tests failed|^Files=|^Result:' "$work/$name.out" || true
    wait_ready
}
regress() {
    "${mk[@]}" installcheck ISOLATION= || { head -200 "$build/regression.diffs" 2>/dev/null; return 1; }
}
isolation() {
    "${mk[@]}" installcheck REGRESS= || { head -200 "$build/output_iso/regression.diffs" 2>/dev/null; return 1; }
}
pgtap() {
    psql -XAtq -c 'DROP DATABASE IF EXISTS approval_gate_tap' -c 'CREATE DATABASE approval_gate_tap' &&
        psql -XAtq -d approval_gate_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION approval_gate' &&
        pg_prove -d approval_gate_tap "$build"/test/pgtap/*.sql
}
# test/security as its run.sh invokes it: sql/ in order (00_setup.sql creates the real logins the other
# files connect as, \c - <login>), then specs/.
security_sql() {
    local out=$results/$1
    "$pg_regress" --inputdir="$build/test/security" --outputdir="$out" --bindir="$pgbin" \
        --host="$sock" --port=5432 --user=postgres --dbname=approval_gate_security \
        $(cd "$build/test/security/sql" && ls *.sql | sed 's/\.sql$//') \
        || { head -200 "$out/regression.diffs" 2>/dev/null; return 1; }
}
security_specs() {  # security_specs OUTDIR SPEC...
    local out=$results/$1; shift
    "$pg_isolation_regress" --inputdir="$build/test/security" --outputdir="$out" --bindir="$pgbin" \
        --host="$sock" --port=5432 --user=postgres --dbname=approval_gate_isolation \
        --load-extension=approval_gate "$@" \
        || { head -200 "$out/regression.diffs" 2>/dev/null; return 1; }
}
[ "$(id -u)" -eq 0 ] && chown postgres: "$results"
# The specs of notifications sent in the caller's transaction need a server without the preload
# (test/security/run.sh: without_preload_specs).
without_preload_specs="notify"
specs=$(cd "$build/test/security/specs" && ls *.spec | sed 's/\.spec$//')
preload_specs=$(grep -vxF "$without_preload_specs" <<<"$specs" | tr '\n' ' ' || true)

suite regress+sealer regress
suite isolation+sealer isolation
suite pgtap+sealer pgtap
suite security-sql+sealer security_sql sql
suite security-specs+sealer security_specs specs $preload_specs

step "restart without shared_preload_libraries"
stop_server
echo "shared_preload_libraries = ''" >>"$data/postgresql.conf"
start_server
wait_ready
[ -z "$(psql -XAtq -c 'SHOW shared_preload_libraries')" ] || die "shared_preload_libraries is still set"

suite regress regress
suite isolation isolation
suite security-specs security_specs specs_without_preload $without_preload_specs

step "stop the server"
stop_server

step "sanitizer reports"
found=0
for f in "$reports"/*; do
    [ -e "$f" ] || continue
    found=1
    echo "---- $f"
    cat "$f"
done
# UBSan reports, reports that did not reach log_path and crashes without a report (of a backend or of
# a background worker: "... was terminated by signal") are in the server log: print each with the
# stack lines that follow it.
pattern='AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|terminated by signal|was terminated by exception'
if tail -n +"$log_from" "$log" | grep -qE "$pattern"; then
    found=1
    echo "---- server log: $log"
    tail -n +"$log_from" "$log" | awk -v pattern="$pattern" '
        $0 ~ pattern { show = 1; print; next }
        show && /^ +#[0-9]+ |^SUMMARY|DETAIL:/ { print; next }
        { show = 0 }'
fi

echo "---- suites"
printf '%s\n' "${suite_results[@]}"
elapsed=$(( $(date +%s) - started ))
if [ "$found" = 1 ]; then
    keep=1
    echo "FAIL: sanitizer reports above (${elapsed}s)"
    exit 1
fi
if [ "$suite_status" != 0 ]; then
    echo "no sanitizer report, but a suite failed (see above) (${elapsed}s)"
    [ "${SANITIZE_STRICT:-0}" = 1 ] && { keep=1; exit 1; }
    exit 0
fi
echo "OK: suites passed with no ASan/UBSan report (${elapsed}s)"
