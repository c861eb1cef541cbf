#!/usr/bin/env bash
# Issue 11 D2: on a streaming hot standby every call that would write fails with 25006 and says it is
# a standby; what only reads (a pending request's retry, an ungated action, verify) answers.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"

out -U postgres -d postgres -c "CREATE DATABASE sb" >/dev/null
out -U postgres -d sb >/dev/null <<'EOF2'
CREATE EXTENSION approval_gate;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sb_agent') THEN CREATE ROLE sb_agent LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sb_alice') THEN CREATE ROLE sb_alice LOGIN IN ROLE approval_gate_approver; END IF;
END $$;
EOF2
W=0b000000-0000-4000-8000-000000000001
approved=$(out -U sb_agent -d sb -c "SELECT request_id FROM approval_gate_require('$W', 'delete_workspace', '{\"k\":1}')")
out -U sb_alice -d sb -c "SELECT approval_gate_approve('$approved')" >/dev/null
pending=$(out -U sb_agent -d sb -c "SELECT request_id FROM approval_gate_require('$W', 'delete_workspace', '{\"k\":2}')")
out -U postgres -d sb -c "SELECT approval_gate_seal_events()" >/dev/null
lsn=$(out -U postgres -d postgres -c "SELECT pg_current_wal_lsn()")

# The standby: a base backup of the running primary, streaming from it.
S=$WORK/standby
as_pg "$PGBIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$S" -R -X stream >"$WORK/basebackup.log" 2>&1 ||
    { fail standby_started "pg_basebackup: $(tail -2 "$WORK/basebackup.log")"; exit 0; }
SPORT=$((PGPORT + 1))
echo "port = $SPORT" | as_pg tee -a "$S/postgresql.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$S" -l "$WORK/standby.log" -w start >/dev/null ||
    { fail standby_started "$(tail -3 "$WORK/standby.log")"; exit 0; }
sb() { "$PGBIN/psql" -X -A -t -q -h "$PGHOST" -p "$SPORT" -d sb "$@"; }
caught_up=f
for _ in $(seq 1 300); do
    [ "$(sb -U postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)" = t ] && { caught_up=t; break; }
    sleep 0.1   # polling a bounded wait for replay, not ordering a race
done
check standby_caught_up "$caught_up" t
check standby_in_recovery "$(sb -U postgres -c "SELECT pg_is_in_recovery()")" t

check_error standby_require_approved 25006 sb -U sb_agent -v ON_ERROR_STOP=1 -c "SELECT approval_gate_require('$W', 'delete_workspace', '{\"k\":1}')"
check_error standby_consume 25006 sb -U sb_agent -v ON_ERROR_STOP=1 -c "SELECT approval_gate_consume('$W', 'delete_workspace', '{\"k\":1}')"
check_error standby_require_new 25006 sb -U sb_agent -v ON_ERROR_STOP=1 -c "SELECT approval_gate_require('$W', 'delete_workspace', '{\"k\":3}')"
check_error standby_withdraw 25006 sb -U sb_agent -v ON_ERROR_STOP=1 -c "SELECT approval_gate_withdraw('$pending')"
check_error standby_approve 25006 sb -U sb_alice -v ON_ERROR_STOP=1 -c "SELECT approval_gate_approve('$pending')"
check_error standby_deny 25006 sb -U sb_alice -v ON_ERROR_STOP=1 -c "SELECT approval_gate_deny('$pending')"
check_error standby_expire 25006 sb -U sb_alice -v ON_ERROR_STOP=1 -c "SELECT approval_gate_expire()"
check_error standby_seal 25006 sb -U postgres -v ON_ERROR_STOP=1 -c "SELECT approval_gate_seal_events()"
check_error standby_set_policy 25006 sb -U postgres -v ON_ERROR_STOP=1 -c "SELECT approval_gate_set_policy('x')"
message=$(sb -U sb_agent -c "SELECT approval_gate_consume('$W', 'delete_workspace', '{\"k\":1}')" 2>&1 | grep -c "during recovery")
check standby_message_names_recovery "$message" 1
check standby_pending_retry_reads \
    "$(sb -U sb_agent -c "SELECT outcome || ' ' || (request_id = '$pending') FROM approval_gate_require('$W', 'delete_workspace', '{\"k\":2}')")" "pending true"
check standby_ungated_answers "$(sb -U sb_agent -c "SELECT outcome FROM approval_gate_require('$W', 'read_report')")" "not_gated"
check standby_verify_reads "$(sb -U postgres -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
check standby_approval_still_there "$(sb -U postgres -c "SELECT status FROM approval_gate_requests WHERE id = '$approved'")" approved

as_pg "$PGBIN/pg_ctl" -D "$S" -m fast stop >/dev/null
out -U postgres -d postgres -c "DROP DATABASE sb" >/dev/null
