#!/usr/bin/env bash
# The upgrade from 1.0 (issue 14): a database populated by the released 1.0 library is updated to 1.1
# in a backend that has the 1.0 library loaded; its objects must then be identical to a fresh 1.1
# install's, its data intact and usable under 1.1's rules. A database still on 1.0's objects, served
# by the 1.1 library, must refuse cleanly, never crash.
#
#   ./test/upgrade/run.sh        # needs 1.1 installed (make install); builds 1.0 from the vendored source
#
# The 1.0 source is test/upgrade/approval_gate-1.0-src.tar.gz, made from the 1.0 release with
#   git archive --format=tar 9c6c082 src Makefile approval_gate.control extension/approval_gate--1.0.sql | gzip -9
# Prints one line per check, and last `upgrade: N passed, M failed`.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PGBIN/pg_config
LIBDIR=$("$PG_CONFIG" --pkglibdir)
WORK=$(mktemp -d /tmp/approval_gate_upgrade.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
PASSED=0
FAILED=0
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
report() { if [ "$2" = t ]; then PASSED=$((PASSED + 1)); echo "PASS  $1 $3"; else FAILED=$((FAILED + 1)); echo "FAIL  $1 $3"; fi; }
check() { if [ "$2" = "$3" ]; then report "$1" t "$3"; else report "$1" f "expected '$3', got '$2'"; fi; }
restore_library() {
    # What make install leaves: the version-less name points at the 1.1 library.
    ln -sf approval_gate-1.1.so "$LIBDIR/approval_gate.so"
}
cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1
    restore_library
    if [ "${UPGRADE_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
finish() { echo "upgrade: $PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; exit $?; }

# The released 1.0 library, built from its source, installed under its own name.
mkdir -p "$WORK/v1.0" && tar xzf "$HERE/approval_gate-1.0-src.tar.gz" -C "$WORK/v1.0"
if (cd "$WORK/v1.0" && make -s -j2 PG_CONFIG="$PG_CONFIG" with_llvm=no approval_gate.so) >"$WORK/build-1.0.log" 2>&1; then
    report build_1.0_library t ""
else
    report build_1.0_library f "$(tail -5 "$WORK/build-1.0.log")"; finish
fi
rm -f "$LIBDIR/approval_gate.so"
install -m 755 "$WORK/v1.0/approval_gate.so" "$LIBDIR/approval_gate.so"

PORT=$((6000 + RANDOM % 3000))
as_pg "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >"$WORK/initdb.log" 2>&1
cat >>"$WORK/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $PORT
fsync = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null || { report server_started f ""; finish; }
q() { "$PGBIN/psql" -X -A -t -q -h "$WORK" -p "$PORT" "$@"; }
q -U postgres -d postgres -c "CREATE DATABASE upgraded" -c "CREATE DATABASE fresh" >/dev/null

# 1. Populate through 1.0, update in the same backend.
q -U postgres -d upgraded -v ON_ERROR_STOP=1 -f "$HERE/populate-1.0.sql" >"$WORK/populate.out" 2>&1
status=$?
check populate_and_update_in_one_backend "$status" 0
[ "$status" = 0 ] || { tail -20 "$WORK/populate.out"; }
check statuses_before_update "$(sed -n '/^statuses/{n;p}' "$WORK/populate.out"; grep -m1 -o 'approved,consumed,denied,expired,pending,withdrawn' "$WORK/populate.out")" \
      "approved,consumed,denied,expired,pending,withdrawn"
check version_after_update "$(q -U postgres -d upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'approval_gate'")" 1.1
check no_backend_crashed "$(grep -c 'terminated by signal' "$WORK/server.log")" 0
read -r _ pending approved consumed denied withdrawn expired partial two_roles escalated row head_seq head_hash \
    < <(grep '^upgrade-ids' "$WORK/populate.out")

# 2. The objects are identical to a fresh 1.1 install's.
q -U postgres -d fresh -c "CREATE EXTENSION approval_gate" >/dev/null
q -U postgres -d fresh -f "$HERE/catalog.sql" >"$WORK/catalog-fresh.txt"
q -U postgres -d upgraded -f "$HERE/catalog.sql" >"$WORK/catalog-upgraded.txt"
if diff -u "$WORK/catalog-fresh.txt" "$WORK/catalog-upgraded.txt" >"$WORK/catalog.diff"; then
    report objects_identical_to_fresh_install t "$(wc -l <"$WORK/catalog-fresh.txt") catalog lines"
else
    report objects_identical_to_fresh_install f "see the diff below"; head -60 "$WORK/catalog.diff"
fi

# 3. The data under 1.1's rules.
u() { q -d upgraded "$@"; }
check statuses_kept "$(u -U postgres -c "SELECT string_agg(status || '=' || n, ',' ORDER BY status) FROM (SELECT status, count(*) n FROM approval_gate_requests GROUP BY 1) s")" \
      "approved=2,consumed=1,denied=1,expired=1,pending=5,withdrawn=1"
check identities_as_principals "$(u -U postgres -c "SELECT string_agg(DISTINCT requested_by, ',') FROM approval_gate_requests WHERE id <> ALL (SELECT id FROM approval_gate_requests WHERE context = '{\"k\": \"after update\"}')")" "up_agent"
check partial_quorum_kept "$(u -U postgres -c "SELECT approvals || '/' || required_approvals FROM approval_gate_pending WHERE id = '$partial'")" "1/2"
check double_vote_counted_once "$(u -U postgres -c "SELECT approvals FROM approval_gate_pending WHERE id = '$two_roles'")" 1
check double_vote_no_third "$(u -U up_alice -c "SELECT approval_gate_approve('$two_roles')" 2>&1 | grep -o '55000\|already voted' | head -1)" "already voted"
check escalation_kept "$(u -U postgres -c "SELECT escalated_to FROM approval_gate_requests WHERE id = '$escalated'")" "0c000000-0000-4000-8000-000000000001"
check policies_kept "$(u -U postgres -c "SELECT string_agg(action || coalesce('@' || right(workspace_id::text, 1), ''), ',' ORDER BY action, workspace_id) FROM approval_gate_policies")" \
      "delete_document,delete_workspace@2,export_data,triple_op"
check builtin_defaults_answer "$(u -U postgres -c "SELECT approval_gate_is_gated('0c000000-0000-4000-8000-000000000009', 'secret_write')")" t
# The chains: intact, and new events chain onto the 1.0 heads.
u -U postgres -c "SELECT approval_gate_seal_events()" >/dev/null
check verify_clean "$(u -U postgres -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
check new_events_chain_on \
    "$(u -U postgres -c "SELECT seq = $head_seq + 1 AND prev_hash = '$head_hash' AND principal IS NOT NULL FROM approval_gate_events WHERE workspace_id = '0c000000-0000-4000-8000-000000000001' AND seq = $head_seq + 1")" t
check old_events_without_principal "$(u -U postgres -c "SELECT count(*) FILTER (WHERE principal IS NULL) > 0 FROM approval_gate_events")" t
# A 1.0 approval is consumed exactly once under 1.1, by the principal that asked for it.
check approval_from_1_0_not_for_others "$(u -U up_alice -c "SELECT approval_gate_consume('0c000000-0000-4000-8000-000000000001', 'delete_workspace', '{\"k\": \"approved\"}', missing_ok => true) IS NULL")" t
check approval_from_1_0_consumed "$(u -U up_agent -c "SELECT approval_gate_consume('0c000000-0000-4000-8000-000000000001', 'delete_workspace', '{\"k\": \"approved\"}')")" "$approved"
check approval_from_1_0_once "$(u -U up_agent -c "SELECT approval_gate_consume('0c000000-0000-4000-8000-000000000001', 'delete_workspace', '{\"k\": \"approved\"}')" 2>&1 | grep -c 'approval required')" 1
# The protected table: an unapproved DELETE refused; the row approved under 1.0 deleted.
check protected_refuses_unapproved "$(u -U up_agent -c "DELETE FROM docs WHERE id = 2" 2>&1 | grep -c 'approval required')" 1
check protected_row_approved_under_1_0 "$(u -U up_agent -c "DELETE FROM docs WHERE id = 1 RETURNING id")" 1
check protect_trigger_gets_when "$(u -U postgres -c "SELECT pg_get_triggerdef(oid) LIKE '%WHEN (approval_gate_caller_gated%' FROM pg_trigger WHERE tgname = 'approval_gate_protect_row'")" t
# The triggers the update made are the ones approval_gate_protect() makes in 1.1, to the letter.
triggers_sql="SELECT string_agg(pg_get_triggerdef(t.oid), E'\n' ORDER BY t.tgname) FROM pg_trigger t JOIN approval_gate_protected p ON p.target = t.tgrelid WHERE t.tgname LIKE 'approval_gate_protect_%'"
upgraded_triggers=$(u -U postgres -c "$triggers_sql")
u -U postgres -c "SELECT approval_gate_protect(target, action, workspace_column, key_columns, operations, gated_roles) FROM approval_gate_protected" >/dev/null
check protect_triggers_as_fresh "$(u -U postgres -c "$triggers_sql")" "$upgraded_triggers"
u -U postgres -c "SELECT approval_gate_seal_events()" >/dev/null
check verify_clean_after_use "$(u -U postgres -c "SELECT count(*) FROM approval_gate_verify_events()")" 0

# 4. A database still on 1.0's objects, once the library on disk is 1.1 (as a package upgrade does):
#    every call refuses with a clear message, the protected table fails closed, nothing crashes.
q -U postgres -d postgres -c "CREATE DATABASE still_old" >/dev/null
q -U postgres -d still_old >/dev/null <<'SQL'
CREATE EXTENSION approval_gate VERSION '1.0';
CREATE TABLE docs (id int PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO docs VALUES (1, '0c000000-0000-4000-8000-000000000001');
GRANT SELECT, DELETE ON docs TO up_agent;
SELECT approval_gate_protect('docs', 'delete_document', 'ws', gated_roles => '{up_agent}');
-- 1.0 let TRUNCATE be protected on a partitioned table, which 1.1 cannot enforce on its partitions.
CREATE TABLE parts (id int, ws uuid NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (100);
SELECT approval_gate_protect('parts', 'delete_document', 'ws', key_columns => '{id}', operations => '{DELETE,TRUNCATE}');
-- A protected table dropped under 1.0 leaves a row naming a bare OID.
CREATE TABLE gone (id int PRIMARY KEY, ws uuid NOT NULL);
SELECT approval_gate_protect('gone', 'delete_document', 'ws');
DROP TABLE gone;
SQL
restore_library
s() { q -d still_old -v VERBOSITY=verbose "$@" 2>&1; }
check old_schema_require_refused "$(s -U up_agent -c "SELECT approval_gate_require('0c000000-0000-4000-8000-000000000001', 'delete_workspace')" | grep -c '55000.*run ALTER EXTENSION\|HINT:  run ALTER EXTENSION approval_gate UPDATE')" 1
check old_schema_set_policy_refused "$(s -U postgres -c "SELECT approval_gate_set_policy('x')" | grep -c '55000')" 1
check old_schema_protected_fails_closed "$(s -U up_agent -c "DELETE FROM docs WHERE id = 1" | grep -c 'ERROR')" 1
check old_schema_row_kept "$(q -d still_old -U postgres -c "SELECT count(*) FROM docs")" 1
check old_schema_no_crash "$(grep -c 'terminated by signal' "$WORK/server.log")" 0
check old_schema_update_refuses_partitioned_truncate \
    "$(s -U postgres -c "ALTER EXTENSION approval_gate UPDATE" | grep -c '0A000: TRUNCATE is protected on partitioned table(s) parts')" 1
check old_schema_still_1.0_after_refusal "$(q -d still_old -U postgres -c "SELECT extversion FROM pg_extension WHERE extname = 'approval_gate'")" 1.0
# What the refusal's hint says to do.
q -d still_old -U postgres >/dev/null <<'SQL'
DROP TRIGGER approval_gate_protect_truncate ON parts;
UPDATE approval_gate_protected SET operations = array_remove(operations, 'TRUNCATE') WHERE target = 'parts'::regclass;
SQL
check old_schema_then_updated "$(q -d still_old -U postgres -c "ALTER EXTENSION approval_gate UPDATE" -c "SELECT extversion FROM pg_extension WHERE extname = 'approval_gate'")" 1.1
check old_schema_dropped_table_row_removed \
    "$(q -d still_old -U postgres -c "SELECT string_agg(target::text, ',' ORDER BY target::text) FROM approval_gate_protected")" "docs,parts"
check old_schema_updated_refuses_unapproved "$(q -d still_old -U up_agent -c "DELETE FROM docs WHERE id = 1" 2>&1 | grep -c 'approval required')" 1

finish
