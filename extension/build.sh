#!/usr/bin/env bash
# Writes the install script and the 1.0 -> 1.1 upgrade script from the fragments in sql/, so that
# every function, view and privilege is defined once. With --check, writes nothing and fails when a
# committed script differs from what the fragments give (the test command runs it).
set -euo pipefail
cd "$(dirname "$0")"

generate() {  # out title echo-command fragment...
    local out=$1 title=$2 command=$3
    shift 3
    {
        sed -e "s|@VERSION_LINE@|$title|" -e "s|@ECHO_COMMAND@|$command|" sql/header.sql
        for fragment in "$@"; do cat "sql/$fragment"; done
    } > "$out"
}

dir=.
if [ "${1:-}" = --check ]; then dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
generate "$dir/approval_gate--1.1.sql" "1.1, fresh install" "CREATE EXTENSION approval_gate" \
    schema-1.1.sql new-in-1.1.sql objects.sql
generate "$dir/approval_gate--1.0--1.1.sql" "1.0 to 1.1 upgrade" "ALTER EXTENSION approval_gate UPDATE TO '1.1'" \
    from-1.0.sql new-in-1.1.sql objects.sql from-1.0-after.sql
if [ "$dir" != . ]; then
    for f in approval_gate--1.1.sql approval_gate--1.0--1.1.sql; do
        diff -q "$f" "$dir/$f" >/dev/null || { echo "extension/$f is stale: run extension/build.sh" >&2; exit 1; }
    done
    echo "extension scripts: up to date"
fi
