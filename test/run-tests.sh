#!/usr/bin/env bash
# Builds and installs approval_gate, then runs every suite against a throwaway PostgreSQL 15 cluster:
# pg_regress (sql/, expected/), isolation specs (specs/), pgTAP (test/pgtap/*.sql via pg_prove).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -s -j2
if [ "$(id -u)" -eq 0 ]; then make -s install; else sudo make -s install; fi
# The cluster is created and dropped by pg_virtualenv (it runs the server as postgres when we are root).
pg_virtualenv -t -v 15 bash -c '
    set -euo pipefail
    status=0
    make -s installcheck || { cat regression.diffs output_iso/regression.diffs 2>/dev/null | head -200; status=1; }
    createdb approval_gate_tap
    psql -X -q -d approval_gate_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION approval_gate;"
    pg_prove -d approval_gate_tap test/pgtap/*.sql || status=1
    exit $status
'
