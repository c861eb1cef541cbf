#!/usr/bin/env bash
# Runs the client examples (examples/node, examples/python) against a running cluster where the
# approval_gate extension is already installed: PGHOST, PGPORT, PGUSER (a superuser) and PGPASSWORD
# come from the environment, as pg_virtualenv sets them:
#
#   PGPORT=$(./scripts/free-port.sh) pg_virtualenv -t -v 15 bash test/clients/run.sh
#
# (pg_virtualenv takes the new cluster's port from PGPORT; its -p option names a package, not a port.)
#
# It creates its own database and roles (dropped first if they exist, and again at the end), and
# for each language runs short scenarios: an agent waits in the background, an approver decides,
# and the database is checked afterwards. Every wait is a bounded poll. Prints one line per
# scenario (PASS name / FAIL name: reason) and last `clients: N passed, M failed`; exits non-zero
# when anything failed.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD

: "${PGHOST:?PGHOST must name the running cluster (run under pg_virtualenv)}"
: "${PGPORT:?PGPORT must name the running cluster (run under pg_virtualenv)}"
: "${PGUSER:?PGUSER must be a superuser of the running cluster}"

PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's interpreter, where python3-psycopg2 installs
DB=approval_gate_clients
ADMIN_DB=${PGDATABASE:-postgres}
[ "$ADMIN_DB" != "$DB" ] || ADMIN_DB=postgres
AGENT_LOGIN=clients_agent        # an agent: LOGIN, not an approver
ALICE_LOGIN=clients_alice        # an approver
POOL_LOGIN=clients_pool          # a shared pool login: proxy and approver, acts for approval_gate.actor
ROLES=("$AGENT_LOGIN" "$ALICE_LOGIN" "$POOL_LOGIN")
CLIENT_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
WAIT_SECONDS=20                  # the most any one wait lasts
AGENT_TIMEOUT=30                 # the agents' own deadline: longer than any wait here
export PGCONNECT_TIMEOUT=10

WORK=$(mktemp -d -t approval_gate_clients.XXXXXX)
PASSED=0
FAILED=0
REASON=

pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: ${2//$'\n'/ }"; FAILED=$((FAILED + 1)); }

# psql as the superuser: on the maintenance database, or on ours.
admin() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$ADMIN_DB" "$@"; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# Stops the agents still running: this shell's own background jobs, nothing else.
kill_agents() {
    local pid
    for pid in $(jobs -pr); do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

drop_everything() {
    admin -v db="$DB" <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
SQL
    local role
    for role in "${ROLES[@]}"; do
        admin -v role="$role" <<'SQL'
SET client_min_messages = warning;
DROP ROLE IF EXISTS :"role";
SQL
    done
}

on_exit() {
    local rc=$?
    set +e
    kill_agents
    if [ -z "${CLEANED:-}" ]; then drop_everything >/dev/null 2>&1; fi
    rm -rf "$WORK"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Runs a command as one of our logins, optionally acting for an actor (APPROVAL_GATE_ACTOR).
as_login() {
    local login=$1 actor=$2
    shift 2
    env PGUSER="$login" PGPASSWORD="$CLIENT_PASSWORD" PGDATABASE="$DB" APPROVAL_GATE_ACTOR="$actor" "$@"
}

agent_cmd() {
    case $1 in
        node) echo node "$ROOT/examples/node/agent.js" ;;
        python) echo "$PYTHON" "$ROOT/examples/python/agent.py" ;;
    esac
}
approver_cmd() {
    case $1 in
        node) echo node "$ROOT/examples/node/approver.js" ;;
        python) echo "$PYTHON" "$ROOT/examples/python/approver.py" ;;
    esac
}

# approver LANG LOGIN ACTOR ARGS...: runs the approver console, bounded; stdout and stderr in $OUT.
approver() {
    local lang=$1 login=$2 actor=$3
    shift 3
    local -a cmd
    read -r -a cmd <<<"$(approver_cmd "$lang")"
    OUT=$(as_login "$login" "$actor" timeout "$WAIT_SECONDS" "${cmd[@]}" "$@" 2>&1)
}

# start_agent LANG LOGIN ACTOR LOG ARGS...: the agent in the background; its pid in AGENT_PID.
start_agent() {
    local lang=$1 login=$2 actor=$3 log=$4
    shift 4
    local -a cmd
    read -r -a cmd <<<"$(agent_cmd "$lang")"
    as_login "$login" "$actor" "${cmd[@]}" "$@" >"$log" 2>&1 &
    AGENT_PID=$!
}

# await_exit PID SECONDS: waits for the process to end, at most SECONDS; its status in EXIT_RC
# (124 when it had to be killed).
await_exit() {
    local pid=$1 end=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$end" ]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            EXIT_RC=124
            return
        fi
        sleep 0.05
    done
    EXIT_RC=0
    wait "$pid" || EXIT_RC=$?
}

# await_pending WORKSPACE PID: polls approval_gate_pending until the agent's request for the
# workspace shows, at most WAIT_SECONDS, giving up early if the agent exits; the id in REQUEST_ID.
await_pending() {
    local ws=$1 pid=$2 end=$((SECONDS + WAIT_SECONDS))
    REQUEST_ID=
    while [ "$SECONDS" -lt "$end" ]; do
        REQUEST_ID=$(sql -v ws="$ws" <<<"SELECT id FROM approval_gate_pending WHERE workspace_id = :'ws';")
        [ -z "$REQUEST_ID" ] || return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# A demo row to delete, in a fresh workspace; its id on stdout.
new_workspace() {
    local ws
    ws=$(cat /proc/sys/kernel/random/uuid)
    sql -v ws="$ws" -v name="$1" <<<"INSERT INTO demo_workspaces (id, name) VALUES (:'ws', :'name');" || return 1
    echo "$ws"
}

row_count() { sql -v ws="$1" <<<"SELECT count(*) FROM demo_workspaces WHERE id = :'ws';"; }
# request_field ID COLUMN: one column of a request, read by the superuser from the table itself.
request_field() { sql -v id="$1" -v col="$2" <<<"SELECT :\"col\" FROM approval_gate_requests WHERE id = :'id';"; }

agent_tail() { tr '\n' '|' <"$1" | tail -c 400; }

# ---------------------------------------------------------------------------------------------
# Scenarios. Each returns non-zero with REASON set when it fails.
# ---------------------------------------------------------------------------------------------

# An agent asks, an approver sees the request in its list and approves, the agent consumes the
# approval and deletes in one transaction. With a pool login both sides act for named actors, and
# the agent consumes through approval_gate_consume (--consume).
scenario_approve() {
    local lang=$1 name=$2 agent_login=$3 agent_actor=$4 approver_login=$5 approver_actor=$6
    shift 6
    local log="$WORK/$name.log" ws
    ws=$(new_workspace "$name") || { REASON="could not insert the demo row"; return 1; }
    start_agent "$lang" "$agent_login" "$agent_actor" "$log" "$ws" --context "{\"name\": \"$name\"}" \
        --reason "run.sh $name" --timeout "$AGENT_TIMEOUT" "$@"
    if ! await_pending "$ws" "$AGENT_PID"; then
        REASON="no pending request showed (agent: $(agent_tail "$log"))"
        return 1
    fi
    local id=$REQUEST_ID
    approver "$lang" "$approver_login" "$approver_actor" list || { REASON="list failed: $OUT"; return 1; }
    case $OUT in
        *"$id"*) ;;
        *) REASON="the approver's list does not show $id: $OUT"; return 1 ;;
    esac
    approver "$lang" "$approver_login" "$approver_actor" approve "$id" "checked by run.sh" \
        || { REASON="approve failed: $OUT"; return 1; }
    [ "$OUT" = "$id approved" ] || { REASON="approve printed '$OUT'"; return 1; }
    await_exit "$AGENT_PID" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 0 ] || { REASON="agent exited $EXIT_RC (agent: $(agent_tail "$log"))"; return 1; }
    [ "$(row_count "$ws")" = 0 ] || { REASON="the demo row is still there"; return 1; }
    local status
    status=$(request_field "$id" status)
    [ "$status" = consumed ] || { REASON="request $id is '$status', not consumed"; return 1; }
    local requested_by decided_by
    requested_by=$(request_field "$id" requested_by)
    decided_by=$(request_field "$id" decided_by)
    [ "$requested_by" = "${agent_actor:-$agent_login}" ] \
        || { REASON="requested_by is '$requested_by'"; return 1; }
    [ "$decided_by" = "${approver_actor:-$approver_login}" ] \
        || { REASON="decided_by is '$decided_by'"; return 1; }
}

# An approver denies: the agent stops with exit 3 and deletes nothing.
scenario_deny() {
    local lang=$1 name=$2
    local log="$WORK/$name.log" ws
    ws=$(new_workspace "$name") || { REASON="could not insert the demo row"; return 1; }
    start_agent "$lang" "$AGENT_LOGIN" "" "$log" "$ws" --context "{\"name\": \"$name\"}" \
        --timeout "$AGENT_TIMEOUT"
    if ! await_pending "$ws" "$AGENT_PID"; then
        REASON="no pending request showed (agent: $(agent_tail "$log"))"
        return 1
    fi
    local id=$REQUEST_ID
    approver "$lang" "$ALICE_LOGIN" "" deny "$id" "not this one" || { REASON="deny failed: $OUT"; return 1; }
    [ "$OUT" = "$id denied" ] || { REASON="deny printed '$OUT'"; return 1; }
    await_exit "$AGENT_PID" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 3 ] || { REASON="agent exited $EXIT_RC, not 3 (agent: $(agent_tail "$log"))"; return 1; }
    [ "$(row_count "$ws")" = 1 ] || { REASON="the demo row was deleted"; return 1; }
    local status note
    status=$(request_field "$id" status)
    note=$(request_field "$id" decision_note)
    [ "$status" = denied ] || { REASON="request $id is '$status', not denied"; return 1; }
    [ "$note" = "not this one" ] || { REASON="decision_note is '$note'"; return 1; }
}

# An action that is not gated: the agent deletes at once, and no request is written.
scenario_not_gated() {
    local lang=$1 name=$2
    local log="$WORK/$name.log" ws
    ws=$(new_workspace "$name") || { REASON="could not insert the demo row"; return 1; }
    start_agent "$lang" "$AGENT_LOGIN" "" "$log" "$ws" --action clients_demo_not_gated --timeout "$AGENT_TIMEOUT"
    await_exit "$AGENT_PID" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 0 ] || { REASON="agent exited $EXIT_RC (agent: $(agent_tail "$log"))"; return 1; }
    [ "$(row_count "$ws")" = 0 ] || { REASON="the demo row is still there"; return 1; }
    local n
    n=$(sql -v ws="$ws" <<<"SELECT count(*) FROM approval_gate_requests WHERE workspace_id = :'ws';")
    [ "$n" = 0 ] || { REASON="$n request(s) written for an ungated action"; return 1; }
}

# Nobody decides: the agent gives up at its deadline with exit 4, deleting nothing.
scenario_timeout() {
    local lang=$1 name=$2
    local log="$WORK/$name.log" ws
    ws=$(new_workspace "$name") || { REASON="could not insert the demo row"; return 1; }
    start_agent "$lang" "$AGENT_LOGIN" "" "$log" "$ws" --context "{\"name\": \"$name\"}" --timeout 1
    await_exit "$AGENT_PID" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 4 ] || { REASON="agent exited $EXIT_RC, not 4 (agent: $(agent_tail "$log"))"; return 1; }
    [ "$(row_count "$ws")" = 1 ] || { REASON="the demo row was deleted"; return 1; }
    local status
    status=$(sql -v ws="$ws" <<<"SELECT string_agg(status, ',') FROM approval_gate_requests WHERE workspace_id = :'ws';")
    [ "$status" = pending ] || { REASON="requests of the workspace: '$status', not one pending"; return 1; }
}

# await_log FILE TEXT PID: polls until FILE contains TEXT, at most WAIT_SECONDS, giving up early if
# the process PID exits.
await_log() {
    local end=$((SECONDS + WAIT_SECONDS))
    until grep -qF "$2" "$1" 2>/dev/null; do
        [ "$SECONDS" -lt "$end" ] && kill -0 "$3" 2>/dev/null || return 1
        sleep 0.05
    done
}

# Two agents of one principal wait on the same request, in --consume mode; one approval is given.
# Exactly one consumes it and deletes; the other finds it gone (AG001, or 40001 retried, depending
# on the timing), asks again, and stops when that new request is denied.
scenario_race() {
    local lang=$1 name=$2
    local log1="$WORK/$name.1.log" log2="$WORK/$name.2.log" ws pid1 pid2
    ws=$(new_workspace "$name") || { REASON="could not insert the demo row"; return 1; }
    start_agent "$lang" "$AGENT_LOGIN" "" "$log1" "$ws" --timeout "$AGENT_TIMEOUT" --consume
    pid1=$AGENT_PID
    start_agent "$lang" "$AGENT_LOGIN" "" "$log2" "$ws" --timeout "$AGENT_TIMEOUT" --consume
    pid2=$AGENT_PID
    if ! { await_log "$log1" "is pending" "$pid1" && await_log "$log2" "is pending" "$pid2"; }; then
        REASON="both agents did not wait ($(agent_tail "$log1") / $(agent_tail "$log2"))"
        return 1
    fi
    await_pending "$ws" "$pid1" || { REASON="no pending request showed"; return 1; }
    local first=$REQUEST_ID
    grep -qF "request $first is pending" "$log2" || { REASON="the agents wait on different requests"; return 1; }
    approver "$lang" "$ALICE_LOGIN" "" approve "$first" || { REASON="approve failed: $OUT"; return 1; }
    # The winner exits 0; then the loser's new request shows, is denied, and the loser exits 3.
    local end=$((SECONDS + WAIT_SECONDS)) winner loser
    while kill -0 "$pid1" 2>/dev/null && kill -0 "$pid2" 2>/dev/null; do
        [ "$SECONDS" -lt "$end" ] || { REASON="neither agent finished"; return 1; }
        sleep 0.05
    done
    if kill -0 "$pid1" 2>/dev/null; then winner=$pid2 loser=$pid1; else winner=$pid1 loser=$pid2; fi
    await_exit "$winner" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 0 ] || { REASON="the first agent to finish exited $EXIT_RC ($(agent_tail "$log1") / $(agent_tail "$log2"))"; return 1; }
    local second="" i
    end=$((SECONDS + WAIT_SECONDS))
    while [ -z "$second" ] || [ "$second" = "$first" ]; do
        if [ "$SECONDS" -ge "$end" ] || ! kill -0 "$loser" 2>/dev/null; then
            REASON="the loser asked no new request ($(agent_tail "$log1") / $(agent_tail "$log2"))"
            return 1
        fi
        second=$(sql -v ws="$ws" <<<"SELECT id FROM approval_gate_pending WHERE workspace_id = :'ws';")
        [ -n "$second" ] || sleep 0.05
    done
    approver "$lang" "$ALICE_LOGIN" "" deny "$second" "one is enough" || { REASON="deny failed: $OUT"; return 1; }
    await_exit "$loser" "$WAIT_SECONDS"
    [ "$EXIT_RC" -eq 3 ] || { REASON="the loser exited $EXIT_RC, not 3 ($(agent_tail "$log1") / $(agent_tail "$log2"))"; return 1; }
    [ "$(row_count "$ws")" = 0 ] || { REASON="the demo row is still there"; return 1; }
    i=$(sql -v ws="$ws" <<<"SELECT string_agg(status, ',' ORDER BY created_at) FROM approval_gate_requests WHERE workspace_id = :'ws';")
    [ "$i" = "consumed,denied" ] || { REASON="requests of the workspace: '$i', not consumed,denied"; return 1; }
}

# expect_error CODE ARGS...: the approver fails (exit 1) and prints SQLSTATE CODE.
expect_error() {
    local code=$1
    shift
    if approver "$@"; then
        REASON="'${*:4}' succeeded: $OUT"
        return 1
    fi
    case $OUT in
        *"ERROR $code"*) ;;
        *) REASON="'${*:4}' did not report $code: $OUT"; return 1 ;;
    esac
}

# The approver's refusals, each reported with its SQLSTATE.
scenario_approver_errors() {
    local lang=$1 name=$2 ws id
    ws=$(cat /proc/sys/kernel/random/uuid)
    # A pending request made by the pool for one actor.
    id=$(as_login "$POOL_LOGIN" "" psql -X -q -At -v ON_ERROR_STOP=1 -v ws="$ws" <<'SQL'
BEGIN;
SELECT set_config('approval_gate.actor', 'agent:errors-bot', true) \g /dev/null
SELECT request_id FROM approval_gate_require(:'ws', 'delete_workspace', '{}');
COMMIT;
SQL
    ) || { REASON="could not create a pending request"; return 1; }
    [ -n "$id" ] || { REASON="no request id"; return 1; }
    expect_error 42501 "$lang" "$AGENT_LOGIN" "" approve "$id" || return 1                # not an approver
    expect_error 42501 "$lang" "$POOL_LOGIN" "agent:errors-bot" approve "$id" || return 1  # its own request
    expect_error P0002 "$lang" "$ALICE_LOGIN" "" approve 00000000-0000-0000-0000-0000000000ff || return 1
    approver "$lang" "$ALICE_LOGIN" "" deny "$id" || { REASON="deny failed: $OUT"; return 1; }
    [ "$OUT" = "$id denied" ] || { REASON="deny printed '$OUT'"; return 1; }
    expect_error 55000 "$lang" "$ALICE_LOGIN" "" approve "$id" || return 1                # not pending
    # Usage errors exit 2.
    local rc=0
    approver "$lang" "$ALICE_LOGIN" "" frobnicate || rc=$?
    [ "$rc" -eq 2 ] || { REASON="an unknown command exited $rc, not 2"; return 1; }
}

# run NAME SCENARIO LANG ARGS...: runs SCENARIO LANG NAME ARGS... and prints its line.
run() {
    local name=$1 scenario=$2 lang=$3
    shift 3
    REASON=
    if "$scenario" "$lang" "$name" "$@"; then
        pass "$name"
    else
        fail "$name" "${REASON:-failed}"
    fi
    kill_agents
}

# ---------------------------------------------------------------------------------------------
# Setup: client dependencies, then the database, roles and demo table.
# ---------------------------------------------------------------------------------------------
setup() {
    if ! "$PYTHON" -c 'import psycopg2' 2>/dev/null; then
        local sudo=
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get install -y -qq python3-psycopg2 >/dev/null \
            || { $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-psycopg2 >/dev/null; } \
            || { REASON="could not install python3-psycopg2"; return 1; }
    fi
    command -v node >/dev/null || { REASON="node is not installed"; return 1; }
    (
        cd "$ROOT/examples/node"
        if [ -f package-lock.json ]; then
            npm ci --silent --no-audit --no-fund
        else
            npm install --silent --no-audit --no-fund
        fi
    ) >"$WORK/npm.log" 2>&1 || { REASON="npm failed: $(tail -c 400 "$WORK/npm.log")"; return 1; }

    drop_everything >"$WORK/setup.log" 2>&1 || { REASON="$(cat "$WORK/setup.log")"; return 1; }
    admin -v db="$DB" <<<'CREATE DATABASE :"db";' >>"$WORK/setup.log" 2>&1 \
        || { REASON="$(cat "$WORK/setup.log")"; return 1; }
    # The extension first: it creates approval_gate_approver and approval_gate_proxy if need be.
    sql -v pw="$CLIENT_PASSWORD" -v agent="$AGENT_LOGIN" -v alice="$ALICE_LOGIN" -v pool="$POOL_LOGIN" \
        >>"$WORK/setup.log" 2>&1 <<'SQL' || { REASON="$(tail -c 600 "$WORK/setup.log")"; return 1; }
SET client_min_messages = warning;
CREATE EXTENSION approval_gate;
CREATE ROLE :"agent" LOGIN PASSWORD :'pw';
CREATE ROLE :"alice" LOGIN PASSWORD :'pw' IN ROLE approval_gate_approver;
CREATE ROLE :"pool" LOGIN PASSWORD :'pw' IN ROLE approval_gate_proxy, approval_gate_approver;
-- The demo table the agents delete from. Not protected: the agents consume the approval
-- themselves, in the transaction that deletes.
CREATE TABLE demo_workspaces (id uuid PRIMARY KEY, name text NOT NULL);
GRANT SELECT, DELETE ON demo_workspaces TO :"agent", :"pool";
SQL
}

REASON=
if ! setup; then
    fail setup "$REASON"
    echo "clients: $PASSED passed, $FAILED failed"
    exit 1
fi

for lang in node python; do
    run "$lang-approve" scenario_approve "$lang" "$AGENT_LOGIN" "" "$ALICE_LOGIN" ""
    run "$lang-deny" scenario_deny "$lang"
    run "$lang-pool-consume" scenario_approve "$lang" "$POOL_LOGIN" "agent:$lang-bot" \
        "$POOL_LOGIN" "carol@example.com" --consume
    run "$lang-not-gated" scenario_not_gated "$lang"
    run "$lang-timeout" scenario_timeout "$lang"
    run "$lang-race" scenario_race "$lang"
    run "$lang-approver-errors" scenario_approver_errors "$lang"
done

# Teardown: the database and roles go, whatever happened above.
kill_agents
if drop_everything >"$WORK/teardown.log" 2>&1; then
    CLEANED=1
else
    fail teardown "$(tail -c 400 "$WORK/teardown.log" | tr '\n' ' ')"
fi

echo "clients: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
