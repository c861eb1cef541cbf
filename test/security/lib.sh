# Helpers for the scenarios: sourced, never run. PGBIN, PGHOST, PGPORT and WORK come from run.sh.
out() { "$PGBIN/psql" -X -A -t -q -h "$PGHOST" -p "$PGPORT" "$@"; }
pass() { echo "PASS $1 ${2:-}"; }
fail() { echo "FAIL $1 ${2:-}"; }
check() {  # name got expected
    if [ "$2" = "$3" ]; then pass "$1" "$( [ ${#3} -gt 60 ] && echo "as expected" || echo "$3")"
    else fail "$1" "expected '$3', got '$2'"; fi
}
# check_error name sqlstate command...: the command fails with that SQLSTATE.
check_error() {
    local name=$1 state=$2 got
    shift 2
    got=$("$@" -v VERBOSITY=verbose 2>&1 >/dev/null | sed -n 's/^.*ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' | head -1)
    check "$name" "${got:-none}" "$state"
}
