#!/usr/bin/env bash
# Every suite, in order: unit tests and a short fuzz run of the pure C++ (CMake/CTest), then
# pg_regress (sql/, expected/), isolation specs (specs/) and pgTAP (test/pgtap/) against a
# throwaway PostgreSQL 15 cluster, then the stress and crash-recovery run (test/stress/).
# AG_FUZZ_SECONDS (default 60) and STRESS_SECONDS tune the two bounded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

echo "== unit tests and fuzz smoke (CMake/CTest)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build/ctest -DAG_FUZZ=ON -DAG_FUZZ_SECONDS="${AG_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build/ctest -j2 --target jcs_test request_hash_test jcs_fuzz approval_gate_module >/dev/null
ctest --test-dir build/ctest --output-on-failure -R 'jcs_test|request_hash_test|jcs_fuzz_smoke'

echo "== build and install the extension"
make -s -j2
if [ "$(id -u)" -eq 0 ]; then make -s install; else sudo make -s install; fi

echo "== pg_regress, isolation, pgTAP"
# pg_virtualenv creates and drops the cluster (as root it runs the server as postgres); -t keeps
# it in a private directory so concurrent runs do not collide.
PGPORT="$(./scripts/free-port.sh)" pg_virtualenv -t -v 15 bash -c '
    set -euo pipefail
    status=0
    make -s installcheck || { cat regression.diffs output_iso/regression.diffs 2>/dev/null | head -300; status=1; }
    createdb approval_gate_tap
    psql -X -q -d approval_gate_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION approval_gate;"
    pg_prove -d approval_gate_tap test/pgtap/*.sql || status=1
    exit $status
'

if [ -x test/stress/run.sh ]; then
    echo "== stress and crash recovery"
    ./test/stress/run.sh
fi
