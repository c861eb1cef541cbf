#!/usr/bin/env bash
# Issue 11 C5: in a LATIN1 database, protected rows with non-ASCII keys are deleted with an approval
# like any other; every hash is computed over UTF-8, so it equals the one a UTF-8 database (and any
# client) computes; no JSON text ever fails as XX000.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
export PGCLIENTENCODING=UTF8

out -U postgres -d postgres -c "CREATE DATABASE l1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
out -U postgres -d postgres -c "CREATE DATABASE u8 ENCODING 'UTF8' TEMPLATE template0" >/dev/null
for db in l1 u8; do
    out -U postgres -d $db >/dev/null <<'EOF2'
CREATE EXTENSION approval_gate;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'l1_agent') THEN CREATE ROLE l1_agent LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'l1_alice') THEN CREATE ROLE l1_alice LOGIN IN ROLE approval_gate_approver; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'l1_pool') THEN CREATE ROLE l1_pool LOGIN IN ROLE approval_gate_proxy; END IF;
END $$;
CREATE TABLE docs (name text PRIMARY KEY, ws uuid NOT NULL);
INSERT INTO docs VALUES ('café', '01000000-0000-4000-8000-000000000001'), ('naïve', '01000000-0000-4000-8000-000000000001');
GRANT SELECT, DELETE ON docs TO l1_agent;
SELECT approval_gate_protect('docs', 'delete_workspace', 'ws', gated_roles => '{l1_agent}');
EOF2
done
W=01000000-0000-4000-8000-000000000001
check latin1_database "$(out -U postgres -d l1 -c "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'l1'")" LATIN1

# The refused DELETE: AG001 with a hint that names the key as the client reads it.
hint=$(out -U l1_agent -d l1 -c "DELETE FROM docs WHERE name = 'café'" 2>&1)
check latin1_unapproved_delete_refused "$(echo "$hint" | grep -c 'approval required')" 1
check latin1_hint_names_key "$(echo "$hint" | grep -c '"name":"café"')" 1
check latin1_no_internal_error "$(echo "$hint" | grep -c 'XX000\|invalid byte sequence\|invalid UTF-8')" 0
# The context and the hash are the same as a UTF-8 database's.
ctx_l1=$(out -U l1_agent -d l1 -c "SELECT approval_gate_row_context('docs', '{\"name\": \"café\"}')")
ctx_u8=$(out -U l1_agent -d u8 -c "SELECT approval_gate_row_context('docs', '{\"name\": \"café\"}')")
check latin1_row_context "$ctx_l1" "$ctx_u8"
h_l1=$(out -U l1_agent -d l1 -c "SELECT approval_gate_request_hash('$W', 'delete_workspace', '{\"name\": \"crème brûlée\"}')")
h_u8=$(out -U l1_agent -d u8 -c "SELECT approval_gate_request_hash('$W', 'delete_workspace', '{\"name\": \"crème brûlée\"}')")
check latin1_request_hash_equals_utf8 "$h_l1" "$h_u8"
# The whole cycle: request with the row's context, approve, delete.
req=$(out -U l1_agent -d l1 -c "SELECT request_id FROM approval_gate_require('$W', 'delete_workspace', approval_gate_row_context('docs', '{\"name\": \"café\"}'))")
out -U l1_alice -d l1 -c "SELECT approval_gate_approve('$req')" >/dev/null
check latin1_approved_delete "$(out -U l1_agent -d l1 -c "DELETE FROM docs WHERE name = 'café' RETURNING name")" "café"
check latin1_other_row_still_refused "$(out -U l1_agent -d l1 -c "DELETE FROM docs WHERE name = 'naïve'" 2>&1 | grep -c 'approval required')" 1
# A proxy's non-ASCII principal is stored, hashed as UTF-8 and verifies.
out -U l1_pool -d l1 -c "BEGIN; SELECT set_config('approval_gate.actor', 'Zoë', true); SELECT approval_gate_require('$W', 'delete_workspace', '{\"who\": \"Zoë\"}'); COMMIT;" >/dev/null
check latin1_principal "$(out -U postgres -d l1 -c "SELECT requested_by FROM approval_gate_requests WHERE context = '{\"who\": \"Zoë\"}'")" "Zoë"
out -U postgres -d l1 -c "SELECT approval_gate_seal_events()" >/dev/null
check latin1_chain_verifies "$(out -U postgres -d l1 -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
check latin1_digest "$(out -U postgres -d l1 -c "SELECT count(*) FROM approval_gate_verify_events(approval_gate_digest())")" 0

# In a SQL_ASCII database any bytes pass, so a principal (a proxy's approval_gate.actor) or a role name
# can have no UTF-8 form. The call that would queue its event refuses, and writes nothing: queued, the
# event could never be hashed, and would stop every later one behind it.
out -U postgres -d postgres -c "CREATE DATABASE sa ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
out -U postgres -d sa -c "SET client_min_messages = warning" -c "CREATE EXTENSION approval_gate" >/dev/null
check_error sql_ascii_principal_without_utf8_refused 22021 out -U l1_pool -d sa -v ON_ERROR_STOP=1 \
    -c "SELECT set_config('approval_gate.actor', convert_from('\\xff'::bytea, 'SQL_ASCII'), false)" \
    -c "SELECT approval_gate_require('$W', 'delete_workspace', '{}')"
check sql_ascii_nothing_written "$(out -U postgres -d sa -c "SELECT count(*) FROM approval_gate_requests")" 0
out -U l1_agent -d sa -c "SELECT approval_gate_require('$W', 'delete_workspace', '{}')" >/dev/null
out -U postgres -d sa -c "SELECT approval_gate_seal_events()" >/dev/null
check sql_ascii_queue_sealed "$(out -U postgres -d sa -c "SELECT count(*) FROM approval_gate_event_queue")" 0
check sql_ascii_chain_verifies "$(out -U postgres -d sa -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
for db in l1 u8 sa; do out -U postgres -d postgres -c "DROP DATABASE $db" >/dev/null; done
