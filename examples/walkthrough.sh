#!/usr/bin/env bash
# Runs examples/walkthrough.sql against a throwaway PostgreSQL 15 cluster, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -s -j2
if [ "$(id -u)" -eq 0 ]; then make -s install; else sudo make -s install; fi
PGPORT="$(./scripts/free-port.sh)" pg_virtualenv -t -v 15 -o shared_preload_libraries=approval_gate psql -X -f examples/walkthrough.sql
