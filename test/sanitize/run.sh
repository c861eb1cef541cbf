#!/usr/bin/env bash
# Runs the pg_regress, isolation and pgTAP suites once against approval_gate built with
# AddressSanitizer + UndefinedBehaviorSanitizer, and fails if a sanitizer reports anything.
# CI-optional: not part of test/run-tests.sh (see test/sanitize/README.md).
#
# Nothing outside a private temporary directory is touched: the working tree is copied and built
# there, and the server runs from a private copy of the PostgreSQL installation (binaries copied,
# everything else symlinked) into which the sanitized module is installed. PostgreSQL resolves
# $libdir and the share directory relative to its own executable, so that server loads the
# sanitized approval_gate.so while /usr/lib/postgresql/15/lib/approval_gate.so stays as it is.
#
# Environment:
#   SANITIZE_KEEP=1      keep the temporary directory (always kept when something was found)
#   SANITIZE_STRICT=1    also fail when a suite fails without any sanitizer report
#   SANITIZE_UBSAN_HALT=1  abort the backend on the first UBSan report (default: log and go on)
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
reports=$work/reports      # ASan/UBSan log_path: one file per reporting process
log=$work/server.log
mkdir -p "$build" "$sock" "$reports" "$work/canary"

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

step "copy the working tree to $build"
(cd "$repo" && tar -cf - --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
    Makefile approval_gate.control src extension sql expected specs test/pgtap 2>/dev/null) | tar -C "$build" -xf -

step "build with $san_flags"
make -C "$build" -s -j"$(nproc)" with_llvm=no PG_CPPFLAGS="$san_flags" PG_LDFLAGS="$san_link" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 2; }
nm -D "$build/approval_gate.so" | grep '__asan_report_load' >/dev/null || { echo "approval_gate.so is not instrumented" >&2; exit 2; }
nm -D "$build/approval_gate.so" | grep '__ubsan_handle_' >/dev/null || { echo "approval_gate.so has no UBSan checks" >&2; exit 2; }

step "private PostgreSQL installation in $root"
mkdir -p "$(dirname "$root$pgbin")" "$(dirname "$root$pglib")" "$(dirname "$root$pgshare")"
cp -a "$pgbin" "$root$pgbin"                      # real copies: the server locates $libdir from its own path
[ -e "$root$pglib" ] || cp -rs "$pglib" "$root$pglib"   # bin and lib may share a parent on other layouts
cp -rs "$pgshare" "$root$pgshare"
rm -rf "$root$pglib"/approval_gate.so "$root$pglib"/bitcode/approval_gate* "$root$pgshare"/extension/approval_gate*
make -C "$build" -s with_llvm=no install DESTDIR="$root" >>"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }
[ "$("$root$pgbin/pg_config" --pkglibdir)" = "$root$pglib" ] || { echo "relocated pg_config does not point to $root$pglib" >&2; exit 2; }
[ ! -L "$root$pglib/approval_gate.so" ] || { echo "private approval_gate.so is a symlink" >&2; exit 2; }
cmp -s "$build/approval_gate.so" "$root$pglib/approval_gate.so" || { echo "private approval_gate.so is not the sanitized build" >&2; exit 2; }
gcc -shared -fPIC -O0 -g $san_flags -I"$("$PG_CONFIG" --includedir-server)" \
    "$here/canary.c" -o "$root$pglib/sanitize_canary.so"
# UBSan (GCC's standalone libubsan) ignores log_path here: its reports go to the server log.
ubsan_options="print_stacktrace=1:halt_on_error=${SANITIZE_UBSAN_HALT:-0}"
gcc -shared -fPIC -O2 -DUBSAN_DEFAULT_OPTIONS="\"$ubsan_options\"" \
    "$here/preload_stub.c" -o "$work/preload_stub.so"   # see preload_stub.c

step "cluster in $data (ASan runtime preloaded into the server)"
"${as_server_user[@]}" "$root$pgbin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log"; exit 2; }
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$sock'
port = 5432
fsync = off
max_connections = 40
max_prepared_transactions = 10
EOF
# detect_leaks=0: backends exit without freeing what lives in memory contexts, leaks are noise.
"${as_server_user[@]}" env \
    LD_PRELOAD="$asan_rt $work/preload_stub.so $ubsan_rt" \
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:log_path=$reports/asan" \
    UBSAN_OPTIONS="$ubsan_options" \
    "$root$pgbin/pg_ctl" -D "$data" -l "$log" -w -t 120 start >/dev/null
server_running=1

wait_ready() {
    for _ in $(seq 1 120); do
        psql -XAtq -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "server did not come back" >&2; tail -50 "$log"; exit 2
}

step "check that backends run the sanitized module"
maps=$(psql -XAtq -c "LOAD 'approval_gate'" \
    -c "SELECT l FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') l WHERE l ~ '(libasan|libubsan|approval_gate)'")
grep -q libasan <<<"$maps" || { echo "libasan is not loaded in the backend" >&2; exit 2; }
grep -qF "$root$pglib/approval_gate.so" <<<"$maps" || { echo "backend did not load $root$pglib/approval_gate.so:"; echo "$maps"; exit 2; } >&2

step "self-test: a deliberate heap overflow and a bad shift must be reported"
psql -XAtq -c "CREATE FUNCTION sanitize_canary_heap(int) RETURNS int AS 'sanitize_canary' LANGUAGE C STRICT" \
           -c "CREATE FUNCTION sanitize_canary_shift(int) RETURNS int AS 'sanitize_canary' LANGUAGE C STRICT" >/dev/null
psql -XAtq -c 'SELECT sanitize_canary_shift(40)' >/dev/null 2>&1 || true
psql -XAtq -c 'SELECT sanitize_canary_heap(8)' >/dev/null 2>&1 || true
wait_ready
psql -XAtq -c 'DROP FUNCTION sanitize_canary_heap(int); DROP FUNCTION sanitize_canary_shift(int)'
grep -qs 'heap-buffer-overflow' "$reports"/* || { echo "self-test: no ASan report for the canary" >&2; ls -la "$reports"; tail -30 "$log"; exit 2; }
grep -qs 'shift exponent 40' "$log" || { echo "self-test: no UBSan report for the canary" >&2; ls -la "$reports"; tail -30 "$log"; exit 2; }
mv "$reports"/* "$work/canary/"
log_from=$(( $(wc -l <"$log") + 1 ))

suite_status=0
step "pg_regress (sql/)"
make -C "$build" -s with_llvm=no installcheck ISOLATION= || {
    suite_status=1; head -200 "$build/regression.diffs" 2>/dev/null || true; }
wait_ready
step "isolation (specs/)"
make -C "$build" -s with_llvm=no installcheck REGRESS= || {
    suite_status=1; head -200 "$build/output_iso/regression.diffs" 2>/dev/null || true; }
wait_ready
step "pgTAP (test/pgtap/)"
psql -XAtq -c 'DROP DATABASE IF EXISTS approval_gate_tap' -c 'CREATE DATABASE approval_gate_tap'
psql -XAtq -d approval_gate_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION approval_gate'
pg_prove -d approval_gate_tap "$build"/test/pgtap/*.sql || suite_status=1

step "stop the server"
"${as_server_user[@]}" "$root$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
server_running=0

step "sanitizer reports"
found=0
for f in "$reports"/*; do
    [ -e "$f" ] || continue
    found=1
    echo "---- $f"
    cat "$f"
done
# UBSan reports, reports that did not reach log_path and crashes without a report are in the
# server log: print each with the stack lines that follow it.
if tail -n +"$log_from" "$log" | grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|terminated by signal|was terminated by exception'; then
    found=1
    echo "---- server log: $log"
    tail -n +"$log_from" "$log" | awk '
        /AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|terminated by signal|was terminated by exception/ { show = 1; print; next }
        show && /^ +#[0-9]+ |^SUMMARY|DETAIL:/ { print; next }
        { show = 0 }'
fi

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
