#!/usr/bin/python3
"""An approver console for approval_gate.

    python3 approver.py list                 the pending requests this approver may see
    python3 approver.py approve <id> [note]  approve one; prints the status afterwards
    python3 approver.py deny <id> [note]     deny one; prints the status afterwards

Connection: the usual PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE environment variables. The
login must be a member of the policy's approver role (approval_gate_approver by default).
APPROVAL_GATE_ACTOR: the person deciding, when the login is a member of approval_gate_proxy (a
shared pool login); it is set per transaction, never per session.

Exit codes: 0 done, 1 refused or failed (the SQLSTATE is printed), 2 usage.

Needs Debian's python3-psycopg2.
"""
import json
import os
import sys

import psycopg2

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

# What each SQLSTATE means to an approver, by code (never by message text).
MEANING = {
    "42501": "not allowed to decide this request",
    "55000": "not pending (already decided, expired, or you already voted)",
    "P0002": "unknown request id",
    "22P02": "not a valid request id",
    "22023": "bad argument",
    "22004": "NULL argument",
    "22001": "note too long",
    "25006": "read-only transaction",
}


def usage(message=None):
    if message:
        print(f"approver: {message}", file=sys.stderr)
    print("usage: approver.py list | approve <id> [note] | deny <id> [note]", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def in_transaction(conn, actor, fn):
    # `with conn` commits on success and rolls back on an exception; the actor is set inside the
    # transaction with set_config(..., true), so it ends with it.
    with conn:
        with conn.cursor() as cur:
            if actor:
                cur.execute("SELECT set_config('approval_gate.actor', %s, true)", (actor,))
            return fn(cur)


def list_pending(cur):
    cur.execute("SELECT id, workspace_id, action, context, requested_by, approvals, required_approvals"
                "  FROM approval_gate_pending ORDER BY created_at")
    rows = cur.fetchall()
    if not rows:
        print("no pending requests")
    for rid, workspace, action, context, requested_by, approvals, required in rows:
        print(f"{rid}  {action}  workspace {workspace}  by {requested_by}  "
              f"{approvals}/{required} approvals  context {json.dumps(context, separators=(',', ':'))}")


def main():
    args = sys.argv[1:]
    if not args:
        usage()
    command = args[0]
    if command == "list":
        if len(args) != 1:
            usage("list takes no arguments")
    elif command in ("approve", "deny"):
        if len(args) < 2:
            usage(f"{command} needs a request id")
    else:
        usage(f"unknown command {command}")
    actor = os.environ.get("APPROVAL_GATE_ACTOR") or None

    conn = None
    try:
        conn = psycopg2.connect("", application_name="approval_gate approver (python)")
        if command == "list":
            in_transaction(conn, actor, list_pending)
        else:
            request_id, note = args[1], " ".join(args[2:]) or None
            # One of two fixed function names, never user input.
            fn = "approval_gate_approve" if command == "approve" else "approval_gate_deny"

            def decide(cur):
                cur.execute(f"SELECT {fn}(%s::uuid, %s::text)", (request_id, note))
                return cur.fetchone()[0]
            status = in_transaction(conn, actor, decide)
            print(f"{request_id} {status}")
        return EXIT_OK
    except psycopg2.Error as err:
        if err.pgcode:
            meaning = f" ({MEANING[err.pgcode]})" if err.pgcode in MEANING else ""
            print(f"approver: ERROR {err.pgcode}{meaning}: {err.diag.message_primary}", file=sys.stderr)
        else:
            print(f"approver: {str(err).strip()}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if conn is not None:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
