#!/usr/bin/env bash
# Issue 11 F1 and G: the audit chain's HMAC key comes from a file only the server reads, never from a
# setting (a placeholder setting is readable with SHOW by any login until the library loads). A key
# set the old way makes sealing refuse rather than chain with the wrong key.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"

KPORT=$(new_cluster keyed) || { fail keyed_cluster_started "$(tail -3 "$WORK"/keyed*.log)"; exit 0; }
K=$WORK/keyed
kq() { "$PGBIN/psql" -X -A -t -q -h "$WORK" -p "$KPORT" "$@"; }
printf 'k3y-%s\n' "$RANDOM$RANDOM" | as_pg tee "$K/ag_audit.key" >/dev/null
as_pg chmod 600 "$K/ag_audit.key"
echo "approval_gate.audit_key_file = 'ag_audit.key'" | as_pg tee -a "$K/postgresql.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$K" -l "$WORK/keyed.log" -w restart >/dev/null
kq -U postgres -d postgres >/dev/null <<'EOF2'
CREATE EXTENSION approval_gate;
CREATE ROLE k_agent LOGIN;
EOF2
W=0a000000-0000-4000-8000-000000000001
kq -U k_agent -d postgres -c "SELECT approval_gate_require('$W', 'delete_workspace', '{\"k\":1}')" >/dev/null
# Sealed by the sealer worker or by this call, whichever comes first: the queue is empty after it.
check keyed_sealed "$(kq -U postgres -d postgres -c "SELECT approval_gate_seal_events() >= 0" -c "SELECT count(*) FROM approval_gate_event_queue" | tr '\n' ' ')" "t 0 "
check keyed_chain_verifies "$(kq -U postgres -d postgres -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
# The link is an HMAC under the file's key: plain SHA-256 of the same material does not match it.
sha_match=$(kq -U postgres -d postgres -c "SELECT e.hash = encode(sha256(convert_to(approval_gate_canonical_json(jsonb_build_object(
    'action', e.action, 'actor', e.actor, 'actor_role', e.actor_role::text,
    'at', ((extract(epoch FROM e.at) - extract(epoch FROM timestamptz '2000-01-01 00:00:00+00')) * 1000000)::bigint::text,
    'event', e.event::text, 'prev_hash', e.prev_hash, 'principal', e.principal, 'request_id', e.request_id::text,
    'seq', e.seq::text, 'status', e.status, 'to_workspace_id', e.to_workspace_id::text,
    'workspace_id', e.workspace_id::text)), 'UTF8')), 'hex') FROM approval_gate_events e")
check keyed_link_is_hmac "$sha_match" f
# Another key no longer verifies the chain; the right one does again.
saved_key=$(as_pg cat "$K/ag_audit.key")
echo "another key" | as_pg tee "$K/ag_audit.key" >/dev/null
check keyed_wrong_key_breaks "$(kq -U postgres -d postgres -c "SELECT problem FROM approval_gate_verify_events()")" "hash does not match the event's content"
echo "$saved_key" | as_pg tee "$K/ag_audit.key" >/dev/null
check keyed_right_key_verifies "$(kq -U postgres -d postgres -c "SELECT count(*) FROM approval_gate_verify_events()")" 0
# A key file others may read is refused.
as_pg chmod 644 "$K/ag_audit.key"
check_error keyed_open_key_file_refused F0000 kq -U postgres -d postgres -v ON_ERROR_STOP=1 -c "SELECT approval_gate_seal_events()"
as_pg chmod 600 "$K/ag_audit.key"
# A key longer than the 1024 bytes read is refused, not cut to them.
head -c 2000 /dev/zero | tr '\0' k | as_pg tee "$K/ag_audit.key" >/dev/null
check_error keyed_long_key_file_refused F0000 kq -U postgres -d postgres -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM approval_gate_verify_events()"
echo "$saved_key" | as_pg tee "$K/ag_audit.key" >/dev/null
# What a login can see, in a backend where the library was never loaded: the file's name at most,
# never the key; the file itself it cannot read.
key=$(as_pg cat "$K/ag_audit.key")
visible=$(kq -U k_agent -d postgres -c "SELECT string_agg(name || '=' || setting, ' ') FROM pg_settings WHERE name LIKE 'approval_gate%'" 2>&1)
check keyed_key_not_in_settings "$(echo "$visible" | grep -c -- "$key")" 0
check_error keyed_login_reads_key_file 42501 kq -U k_agent -d postgres -v ON_ERROR_STOP=1 -c "SELECT pg_read_file('ag_audit.key')"
# The old setting that held the key itself: sealing refuses, whatever it holds.
echo "approval_gate.audit_key = 'old-key'" | as_pg tee -a "$K/postgresql.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$K" -l "$WORK/keyed.log" -w restart >/dev/null
kq -U k_agent -d postgres -c "SELECT approval_gate_require('$W', 'delete_workspace', '{\"k\":2}')" >/dev/null
check_error keyed_old_setting_refused F0000 kq -U postgres -d postgres -v ON_ERROR_STOP=1 -c "SELECT approval_gate_seal_events()"
check keyed_old_setting_leaves_queue "$(kq -U postgres -d postgres -c "SELECT count(*) FROM approval_gate_event_queue")" 1
# Its sealer worker fails the same way, logs it, and still retires once idle (it would otherwise hold
# off DROP DATABASE for as long as the key stays wrong).
sealers() { kq -U postgres -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'approval_gate sealer'"; }
for _ in $(seq 200); do [ "$(sealers)" = 0 ] && break; sleep 0.1; done
check keyed_failing_sealer_retires "$(sealers)" 0
check keyed_failing_sealer_logged "$(grep -c 'approval_gate.audit_key is set, and is no longer read' "$WORK/keyed.log" | awk '{print ($1 > 0)}')" 1
as_pg "$PGBIN/pg_ctl" -D "$K" -m fast stop >/dev/null
