#!/usr/bin/env bash
# Every suite, in order. Each suite's output goes to a log under build/test-logs/; the screen shows
# one summary line per suite (and the log's tail when it fails), then a table of every suite, and
# last the plain line `N passed, M failed` over all of them.
#
#   ./test/run-tests.sh                  # everything (about 10 minutes on 2 cores)
#   AG_FUZZ_SECONDS=600 ./test/run-tests.sh          # a longer fuzz run
#   STRESS_SECONDS=300 CRASHES=10 ./test/run-tests.sh # a longer stress run
#   SUITES="regress isolation" ./test/run-tests.sh   # some suites only (after a first full run)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=$ROOT/build/test-logs
mkdir -p "$LOGS"
ALL_SUITES="scripts unit fuzz build regress isolation pgtap clients security upgrade stress package"
SUITES=${SUITES:-$ALL_SUITES}
TOTAL_PASSED=0
TOTAL_FAILED=0
TABLE=()

./scripts/install-deps.sh >"$LOGS/install-deps.log" 2>&1 || { tail -20 "$LOGS/install-deps.log"; echo "0 passed, 1 failed"; exit 1; }

# record SUITE PASSED FAILED LOG: counts one suite, prints its line, and its log's tail on failure.
record() {
    local suite=$1 passed=$2 failed=$3 log=$4
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    TABLE+=("$(printf '%-16s %5d passed %5d failed' "$suite" "$passed" "$failed")")
    printf '== %-16s %d passed, %d failed   (log: %s)\n' "$suite" "$passed" "$failed" "${log#"$ROOT"/}"
    if [ "$failed" -gt 0 ]; then
        grep -E '^(FAIL|not ok|#   Failed)|FAILED|failed \(' "$log" | head -40
        [ -f "$LOGS/$suite.diffs" ] && head -80 "$LOGS/$suite.diffs"
        tail -15 "$log"
    fi
}
# counts LOG: "N passed, M failed" from a suite's own summary line.
counts() { sed -n 's/^.*[^0-9]\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\1 \2/p' "$1" | tail -1; }
wanted() { case " $SUITES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
sudo_cmd() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if wanted scripts; then
    log=$LOGS/scripts.log
    if extension/build.sh --check >"$log" 2>&1; then record scripts 1 0 "$log"; else record scripts 0 1 "$log"; fi
fi

# Unit tests and the fuzzer build the pure C++ only (no server headers, so no server warnings).
if wanted unit || wanted fuzz; then
    log=$LOGS/cmake.log
    CC=clang-14 CXX=clang++-14 cmake -S . -B build/ctest -DAG_FUZZ=ON -DAG_FUZZ_SECONDS="${AG_FUZZ_SECONDS:-60}" \
        >"$log" 2>&1 &&
        cmake --build build/ctest -j2 --target jcs_test request_hash_test rules_test audit_chain_test jcs_fuzz >>"$log" 2>&1
    built=$?
    if wanted unit; then
        log=$LOGS/unit.log
        if [ $built -eq 0 ]; then
            ctest --test-dir build/ctest --output-on-failure -E jcs_fuzz_smoke >"$log" 2>&1
            # Each GoogleTest case counts: "[  PASSED  ] N tests." per binary.
            p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' build/ctest/Testing/Temporary/LastTest.log | awk '{s += $1} END {print s + 0}')
            f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' build/ctest/Testing/Temporary/LastTest.log | awk '{s += $1} END {print s + 0}')
            grep -q "100% tests passed" "$log" || f=$(( ${f:-0} > 0 ? f : 1 ))
            record unit "${p:-0}" "${f:-0}" "$log"
        else
            cp "$LOGS/cmake.log" "$log"; record unit 0 1 "$log"
        fi
    fi
    if wanted fuzz; then
        log=$LOGS/fuzz.log
        if [ $built -eq 0 ] && ctest --test-dir build/ctest --output-on-failure -R jcs_fuzz_smoke >"$log" 2>&1; then
            record fuzz 1 0 "$log"
        else
            record fuzz 0 1 "$log"
        fi
    fi
fi

if wanted build; then
    log=$LOGS/build.log
    if make -s -j2 >"$log" 2>&1 && sudo_cmd make -s install >>"$log" 2>&1; then
        warnings=$(grep -c 'warning:' "$log")
        if [ "$warnings" -eq 0 ]; then record build 1 0 "$log"; else record build 0 1 "$log"; fi
    else
        record build 0 1 "$log"
    fi
fi

# pg_regress and the isolation specs run twice: on a throwaway cluster without shared_preload_libraries
# (transitions notify in their own transactions, events wait for approval_gate_seal_events()), and on
# one with it, as installed (the sealer worker seals and notifies), with the same expected output.
# pgTAP and the clients run on the second. pg_virtualenv takes its port from PGPORT (its -p option
# names a package, not a port).
if wanted regress || wanted isolation; then
    rm -rf results output_iso regression.diffs regression.out "$LOGS"/*.diffs
    PGPORT=$(./scripts/free-port.sh) pg_virtualenv -t -v 15 bash -c '
        logs=$1; suites=$2
        case " $suites " in *" regress "*)
            make -s installcheck ISOLATION= >"$logs/regress.log" 2>&1
            cp regression.diffs "$logs/regress.diffs" 2>/dev/null ;; esac
        case " $suites " in *" isolation "*)
            make -s installcheck REGRESS= >"$logs/isolation.log" 2>&1
            cp output_iso/regression.diffs "$logs/isolation.diffs" 2>/dev/null ;; esac
        true' _ "$LOGS" "$SUITES" >"$LOGS/virtualenv.log" 2>&1
fi
if wanted regress || wanted isolation || wanted pgtap || wanted clients; then
    PGPORT=$(./scripts/free-port.sh) pg_virtualenv -t -v 15 -o shared_preload_libraries=approval_gate bash -c '
        logs=$1; suites=$2
        case " $suites " in *" regress "*)
            make -s installcheck ISOLATION= >"$logs/regress-preload.log" 2>&1
            cp regression.diffs "$logs/regress+sealer.diffs" 2>/dev/null ;; esac
        case " $suites " in *" isolation "*)
            make -s installcheck REGRESS= >"$logs/isolation-preload.log" 2>&1
            cp output_iso/regression.diffs "$logs/isolation+sealer.diffs" 2>/dev/null ;; esac
        case " $suites " in *" pgtap "*)
            createdb approval_gate_tap &&
            psql -X -q -d approval_gate_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION approval_gate;" &&
            pg_prove -d approval_gate_tap test/pgtap/*.sql >"$logs/pgtap.log" 2>&1 ;; esac
        case " $suites " in *" clients "*) bash test/clients/run.sh >"$logs/clients.log" 2>&1 ;; esac
        true' _ "$LOGS" "$SUITES" >"$LOGS/virtualenv-preload.log" 2>&1
fi
if wanted regress; then
    log=$LOGS/regress.log
    record regress "$(grep -c '^test .* \.\.\. ok' "$log")" "$(grep -c '^test .* \.\.\. FAILED' "$log")" "$log"
fi
if wanted isolation; then
    log=$LOGS/isolation.log
    record isolation "$(grep -c '^test .* \.\.\. ok' "$log")" "$(grep -c '^test .* \.\.\. FAILED' "$log")" "$log"
fi
for suite in regress isolation; do
    wanted $suite || continue
    log=$LOGS/$suite-preload.log
    record $suite+sealer "$(grep -c '^test .* \.\.\. ok' "$log")" "$(grep -c '^test .* \.\.\. FAILED' "$log")" "$log"
done
if wanted pgtap; then
    log=$LOGS/pgtap.log
    total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$log")
    failed=$(sed -n 's/.*Tests: [0-9]* Failed: \([0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    grep -q '^Result: PASS' "$log" || failed=$(( ${failed:-0} > 0 ? failed : 1 ))
    record pgtap "$(( ${total:-0} - ${failed:-0} ))" "${failed:-0}" "$log"
fi
if wanted clients; then
    log=$LOGS/clients.log
    read -r p f < <(counts "$log"); record clients "${p:-0}" "${f:-1}" "$log"
fi

for suite in security upgrade stress; do
    wanted $suite || continue
    log=$LOGS/$suite.log
    ./test/$suite/run.sh >"$log" 2>&1
    read -r p f < <(counts "$log"); record $suite "${p:-0}" "${f:-1}" "$log"
done

# Last: the Debian package, built, checked, installed, and tested (it installs over make install).
if wanted package; then
    log=$LOGS/package.log
    bash test/package/run.sh >"$log" 2>&1
    read -r p f < <(counts "$log"); record package "${p:-0}" "${f:-1}" "$log"
fi

echo
echo "== summary"
printf '%s\n' "${TABLE[@]}"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ]
