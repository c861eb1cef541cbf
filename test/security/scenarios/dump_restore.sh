#!/usr/bin/env bash
# Issue 11 C2: pg_dump and pg_restore keep every row and every protection. A database holding every
# kind of row is dumped in plain and custom format (and by its owner, who is not a superuser), then
# restored with psql, with pg_restore, and with pg_restore --single-transaction; every extension
# table must come back the same, the protected table must refuse an unapproved DELETE, and the chains
# must verify. Prints PASS/FAIL lines for test/security/run.sh.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT")
D=$WORK/dump
mkdir -p "$D" && chmod 777 "$D"

"${PSQL[@]}" -U postgres -d postgres >/dev/null <<'EOF'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dr_owner') THEN CREATE ROLE dr_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dr_agent') THEN CREATE ROLE dr_agent LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dr_alice') THEN CREATE ROLE dr_alice LOGIN IN ROLE approval_gate_approver; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dr_bob') THEN CREATE ROLE dr_bob LOGIN IN ROLE approval_gate_approver; END IF;
END $$;
CREATE DATABASE dr_source OWNER dr_owner;
EOF

# Every kind of row: policies (a default and a workspace override), a parent link, requests pending,
# approved, consumed, denied, withdrawn and expired, a partial quorum, a protected table, sealed and
# queued events, a pruned chain.
"${PSQL[@]}" -U postgres -d dr_source >/dev/null <<'EOF'
CREATE EXTENSION approval_gate;
SELECT approval_gate_set_policy('delete_workspace', '0d000000-0000-4000-8000-000000000002', required_approvals => 2);
SELECT approval_gate_set_policy('export_data', pending_ttl => '1 hour');
SELECT approval_gate_set_policy('delete_document');
SELECT approval_gate_set_parent('0d000000-0000-4000-8000-000000000003', '0d000000-0000-4000-8000-000000000001');
CREATE TABLE documents (id int PRIMARY KEY, ws uuid NOT NULL, body text);
INSERT INTO documents SELECT g, '0d000000-0000-4000-8000-000000000001', 'doc ' || g FROM generate_series(1, 5) g;
ALTER TABLE documents OWNER TO dr_owner;
GRANT SELECT, DELETE ON documents TO dr_agent;
SELECT approval_gate_protect('documents', 'delete_document', 'ws', gated_roles => '{dr_agent}');
-- A protected table dropped since: its row names a bare OID, which a restore must not bind to
-- whatever relation takes that OID later.
CREATE TABLE gone (id int PRIMARY KEY, ws uuid NOT NULL);
SELECT approval_gate_protect('gone', 'delete_document', 'ws');
DROP TABLE gone;
EOF
as_agent()  { out -U dr_agent -d dr_source -c "$1"; }
as_alice()  { out -U dr_alice -d dr_source -c "$1"; }
as_bob()    { out -U dr_bob -d dr_source -c "$1"; }
W1=0d000000-0000-4000-8000-000000000001
W2=0d000000-0000-4000-8000-000000000002
W3=0d000000-0000-4000-8000-000000000003
req() { as_agent "SELECT request_id FROM approval_gate_require('$1', '$2', '$3')"; }
p1=$(req $W1 delete_workspace '{"k":"pending"}')
a1=$(req $W1 delete_workspace '{"k":"approved"}'); as_alice "SELECT approval_gate_approve('$a1')" >/dev/null
c1=$(req $W1 delete_workspace '{"k":"consumed"}'); as_alice "SELECT approval_gate_approve('$c1')" >/dev/null
as_agent "SELECT approval_gate_consume('$W1', 'delete_workspace', '{\"k\":\"consumed\"}')" >/dev/null
d1=$(req $W1 delete_workspace '{"k":"denied"}'); as_bob "SELECT approval_gate_deny('$d1', 'no')" >/dev/null
w1=$(req $W1 delete_workspace '{"k":"withdrawn"}'); as_agent "SELECT approval_gate_withdraw('$w1')" >/dev/null
e1=$(req $W1 export_data '{"k":"expired"}')
q1=$(req $W2 delete_workspace '{"k":"quorum"}'); as_alice "SELECT approval_gate_approve('$q1')" >/dev/null
x1=$(req $W3 delete_workspace '{"k":"escalated"}')
r1=$(as_agent "SELECT request_id FROM approval_gate_require('$W1', 'delete_document', approval_gate_row_context('documents', '{\"id\": 1}'))")
as_alice "SELECT approval_gate_approve('$r1')" >/dev/null
out -U postgres -d dr_source -c "UPDATE approval_gate_requests SET expires_at = now() - interval '1 minute' WHERE id = '$e1'" >/dev/null
out -U postgres -d dr_source -c "SELECT approval_gate_expire()" >/dev/null
out -U postgres -d dr_source -c "SELECT approval_gate_seal_events()" >/dev/null
out -U postgres -d dr_source -c "SELECT approval_gate_prune_events('$W1', 2)" >/dev/null
# A few events left queued (not sealed yet), as a dump taken while callers work would hold.
req $W1 delete_workspace '{"k":"queued"}' >/dev/null
kinds=$(out -U postgres -d dr_source -c "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM approval_gate_requests")
check dump_source_has_every_status "$kinds" "approved,consumed,denied,expired,pending,withdrawn"
check dump_source_has_dropped_table_row \
    "$(out -U postgres -d dr_source -c "SELECT count(*) FROM approval_gate_protected p WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = p.target)")" 1

# The tables' contents as text, one digest per table, comparable across databases.
digest() {
    out -U postgres -d "$1" <<'EOF'
SELECT string_agg(format('%s=%s', t, md5(coalesce(rows, ''))), ' ' ORDER BY t) FROM (
  SELECT 'policies' AS t, string_agg(x::text, '|' ORDER BY x::text) AS rows FROM approval_gate_policies x UNION ALL
  SELECT 'workspaces', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_workspaces x UNION ALL
  SELECT 'requests', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_requests x UNION ALL
  SELECT 'votes', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_votes x UNION ALL
  SELECT 'events', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_events x UNION ALL
  SELECT 'queue', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_event_queue x UNION ALL
  SELECT 'heads', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_event_heads x UNION ALL
  SELECT 'prunes', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_event_prunes x UNION ALL
  SELECT 'protected', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_protected x
                      WHERE EXISTS (SELECT FROM pg_class c WHERE c.oid = x.target) UNION ALL
  SELECT 'builtin', string_agg(x::text, '|' ORDER BY x::text) FROM approval_gate_builtin_policies x UNION ALL
  SELECT 'queue_seq', (SELECT last_value::text FROM approval_gate_event_queue_id_seq) UNION ALL
  SELECT 'documents', string_agg(x::text, '|' ORDER BY x::text) FROM documents x) s
EOF
}
source_digest=$(digest dr_source)

# Dumps: plain and custom by the superuser; plain by the database owner, who is not one.
as_pg "$PGBIN/pg_dump" -h "$PGHOST" -p "$PGPORT" -U postgres -Fp -f "$D/plain.sql" dr_source 2>"$D/dump1.err" &&
    pass pg_dump_plain || fail pg_dump_plain "$(head -3 "$D/dump1.err")"
as_pg "$PGBIN/pg_dump" -h "$PGHOST" -p "$PGPORT" -U postgres -Fc -f "$D/custom.dump" dr_source 2>"$D/dump2.err" &&
    pass pg_dump_custom || fail pg_dump_custom "$(head -3 "$D/dump2.err")"
as_pg "$PGBIN/pg_dump" -h "$PGHOST" -p "$PGPORT" -U dr_owner -Fp -f "$D/owner.sql" dr_source 2>"$D/dump3.err" &&
    pass pg_dump_by_database_owner "a database owner who is not a superuser" ||
    fail pg_dump_by_database_owner "$(head -3 "$D/dump3.err")"

restored() {  # name: the checks every restored database must pass
    local db=$1
    check "restore[$db]_tables_identical" "$(digest "$db")" "$source_digest"
    check "restore[$db]_only_existing_tables_protected" \
        "$(out -U postgres -d "$db" -c "SELECT string_agg(target::text, ',') FROM approval_gate_protected")" "documents"
    local refused
    refused=$(out -U dr_agent -d "$db" -c "DELETE FROM documents WHERE id = 2" 2>&1 | grep -c "approval required")
    check "restore[$db]_protection_enforced" "$refused" "1"
    local consumed
    consumed=$(out -U dr_agent -d "$db" -c "BEGIN; DELETE FROM documents WHERE id = 1 RETURNING id; ROLLBACK;" 2>&1)
    check "restore[$db]_approval_still_usable" "$consumed" "1"
    check "restore[$db]_policies_kept" \
        "$(out -U postgres -d "$db" -c "SELECT approval_gate_is_gated('$W2', 'delete_workspace') AND approval_gate_is_gated('$W1', 'export_data') AND (SELECT required_approvals FROM approval_gate_policies WHERE workspace_id = '$W2') = 2")" "t"
    out -U postgres -d "$db" -c "SELECT approval_gate_seal_events()" >/dev/null
    check "restore[$db]_verify_events_clean" "$(out -U postgres -d "$db" -c "SELECT count(*) FROM approval_gate_verify_events()")" "0"
}

# Plain format, through psql, stopping at the first error.
out -U postgres -d postgres -c "CREATE DATABASE dr_plain"
if out -U postgres -d dr_plain -v ON_ERROR_STOP=1 -f "$D/plain.sql" >"$D/plain.out" 2>&1; then
    pass restore_plain_no_error; restored dr_plain
else fail restore_plain_no_error "$(grep -m3 ERROR "$D/plain.out")"; fi
# Custom format, with pg_restore.
out -U postgres -d postgres -c "CREATE DATABASE dr_custom"
if as_pg "$PGBIN/pg_restore" -h "$PGHOST" -p "$PGPORT" -U postgres -d dr_custom --exit-on-error "$D/custom.dump" \
        >"$D/custom.out" 2>&1; then
    pass restore_custom_no_error; restored dr_custom
else fail restore_custom_no_error "$(grep -m3 -i error "$D/custom.out")"; fi
# Custom format, as one transaction: all or nothing.
out -U postgres -d postgres -c "CREATE DATABASE dr_single"
if as_pg "$PGBIN/pg_restore" -h "$PGHOST" -p "$PGPORT" -U postgres -d dr_single --single-transaction \
        --exit-on-error "$D/custom.dump" >"$D/single.out" 2>&1; then
    pass restore_single_transaction_no_error; restored dr_single
else fail restore_single_transaction_no_error "$(grep -m3 -i error "$D/single.out")"; fi
# The owner's own dump, restored by a superuser (CREATE EXTENSION needs one).
out -U postgres -d postgres -c "CREATE DATABASE dr_owner_copy OWNER dr_owner"
if out -U postgres -d dr_owner_copy -v ON_ERROR_STOP=1 -f "$D/owner.sql" >"$D/owner.out" 2>&1; then
    pass restore_owner_dump_no_error; restored dr_owner_copy
else fail restore_owner_dump_no_error "$(grep -m3 ERROR "$D/owner.out")"; fi

for db in dr_plain dr_custom dr_single dr_owner_copy dr_source; do out -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; done
