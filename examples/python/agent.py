#!/usr/bin/python3
"""An agent that asks approval_gate before a destructive operation, waits for a human, and then
consumes the approval and deletes in one transaction.

    python3 agent.py <workspace-uuid> [--action delete_workspace] [--context '{"k":"v"}']
                     [--reason TEXT] [--timeout SECONDS] [--consume]

Connection: the usual PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE environment variables.
APPROVAL_GATE_ACTOR: the person or bot this agent acts for, when its login is a member of
approval_gate_proxy (a shared pool login). It is set per transaction, never per session.

The destructive operation is `DELETE FROM demo_workspaces WHERE id = <workspace>`: replace
destroy() with yours. It runs in the same transaction as the call that consumes the approval, so
if it fails and rolls back, the approval is not used.

Exit codes: 0 done (approved and consumed, or not gated), 1 error, 2 usage, 3 denied,
            4 timed out, 5 the request was withdrawn.

Needs Debian's python3-psycopg2.
"""
import argparse
import contextlib
import json
import os
import random
import select
import signal
import sys
import time

import psycopg2

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DENIED, EXIT_TIMEOUT, EXIT_WITHDRAWN = 0, 1, 2, 3, 4, 5
CHANNEL = "approval_gate"
POLL_SECONDS = 2.0          # re-read on a timer too, in case a wake-up was missed
MAX_TX_ATTEMPTS = 5         # serialization failures retried per transaction
RETRY_SQLSTATES = {"40001", "40P01"}   # serialization failure, deadlock

# The SQLSTATEs a caller of approval_gate meets, by code: never match on message text.
MEANING = {
    "AG001": "nothing to consume",
    "42501": "not allowed",
    "55000": "not pending",
    "P0002": "unknown request id",
    "22023": "bad argument",
    "22004": "NULL argument",
    "25006": "read-only transaction",
    "40001": "serialization failure",
}


def describe(err):
    code = getattr(err, "pgcode", None)
    if not code:
        return str(err).strip()
    meaning = f" ({MEANING[code]})" if code in MEANING else ""
    return f"SQLSTATE {code}{meaning}: {err.diag.message_primary or str(err).strip()}"


def log(line):
    print(f"agent: {line}", flush=True)


def parse_command_line():
    parser = argparse.ArgumentParser(prog="agent.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace")
    parser.add_argument("--action", default="delete_workspace")
    parser.add_argument("--context", default="{}")
    parser.add_argument("--reason")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--consume", action="store_true")
    args = parser.parse_args()   # exits with 2 on a usage error
    try:
        context = json.loads(args.context)
    except ValueError as err:
        parser.error(f"--context is not JSON: {err}")
    if not isinstance(context, dict):
        parser.error("--context must be a JSON object")
    if not args.timeout > 0:
        parser.error("--timeout must be a positive number of seconds")
    args.context = json.dumps(context)
    args.actor = os.environ.get("APPROVAL_GATE_ACTOR") or None
    return args


class Agent:
    def __init__(self, opts):
        self.opts = opts
        self.deadline = time.monotonic() + opts.timeout
        self.conn = psycopg2.connect("", application_name="approval_gate agent (python)")
        # Autocommit, with explicit transactions below: LISTEN takes effect at once, and every
        # transaction is visibly bounded.
        self.conn.autocommit = True

    @contextlib.contextmanager
    def _transaction(self):
        cur = self.conn.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try:
            if self.opts.actor:
                # set_config(..., true) is SET LOCAL: it ends with the transaction, so a pooled
                # connection never carries one person's identity into the next one's work.
                cur.execute("SELECT set_config('approval_gate.actor', %s, true)", (self.opts.actor,))
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            if not self.conn.closed:
                with contextlib.suppress(psycopg2.Error):
                    cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def in_transaction(self, fn):
        """Runs fn(cursor) in one REPEATABLE READ transaction, retrying serialization failures."""
        attempt = 1
        while True:
            try:
                with self._transaction() as cur:
                    return fn(cur)
            except psycopg2.Error as err:
                if (err.pgcode in RETRY_SQLSTATES and attempt < MAX_TX_ATTEMPTS
                        and time.monotonic() < self.deadline):
                    log(f"retrying the transaction after {describe(err)}")
                    time.sleep(0.05 * attempt + random.random() * 0.05)
                    attempt += 1
                    continue
                raise

    def require(self, cur):
        o = self.opts
        cur.execute("SELECT outcome, request_id, request_hash"
                    "  FROM approval_gate_require(%s::uuid, %s::text, %s::jsonb, %s::text)",
                    (o.workspace, o.action, o.context, o.reason))
        outcome, request_id, request_hash = cur.fetchone()
        # request_id and request_hash are NULL (None) when the outcome is not_gated
        return {"outcome": outcome, "request_id": request_id, "request_hash": request_hash}

    def destroy(self, cur):
        """The destructive operation. Replace with yours; keep it in the transaction that consumed."""
        cur.execute("DELETE FROM demo_workspaces WHERE id = %s::uuid", (self.opts.workspace,))
        return cur.rowcount

    def ask_and_maybe_destroy(self):
        """One transaction: ask the gate, and if it lets us (approved: consumed now, or not gated)
        destroy. A pending or denied answer commits nothing but the request itself."""
        def body(cur):
            decision = self.require(cur)
            if decision["outcome"] in ("approved", "not_gated"):
                decision["deleted"] = self.destroy(cur)
            return decision
        return self.in_transaction(body)

    def consume_and_destroy(self):
        """The strict variant (--consume): consume or fail with AG001, then destroy. AG001 means the
        approval is not there any more (expired, or used by another process of ours): ask again."""
        o = self.opts

        def body(cur):
            cur.execute("SELECT approval_gate_consume(%s::uuid, %s::text, %s::jsonb)",
                        (o.workspace, o.action, o.context))
            request_id = cur.fetchone()[0]
            # NULL: the action is not gated (any more); a consumed approval returns its request id.
            outcome = "not_gated" if request_id is None else "approved"
            return {"outcome": outcome, "request_id": request_id, "deleted": self.destroy(cur)}
        try:
            return self.in_transaction(body)
        except psycopg2.Error as err:
            if err.pgcode != "AG001":
                raise
            log(f"{describe(err)}; asking again")
            return self.ask_and_maybe_destroy()

    def read_status(self, request_id):
        """The state of our own request, through the view that shows the caller its own requests."""
        def body(cur):
            cur.execute("SELECT status FROM approval_gate_visible_requests WHERE id = %s::uuid",
                        (request_id,))
            row = cur.fetchone()
            return row[0] if row else None
        return self.in_transaction(body)

    def wait_for_wake_up(self):
        """Sleeps until a wake-up, the poll interval or the deadline, whichever comes first.

        A notification only says "something changed, look again". Its payload is empty, and anyone
        may NOTIFY this channel, so nothing in it is ever trusted or used."""
        if self.conn.notifies:   # arrived while we were running queries
            self.conn.notifies.clear()
            return
        timeout = min(POLL_SECONDS, self.deadline - time.monotonic())
        if timeout <= 0:
            return
        readable, _, _ = select.select([self.conn], [], [], timeout)
        if readable:
            self.conn.poll()
            self.conn.notifies.clear()

    def run(self):
        # LISTEN before the first request, so a decision made right after it cannot be missed.
        self.conn.cursor().execute(f"LISTEN {CHANNEL}")

        decision = self.ask_and_maybe_destroy()
        while True:
            outcome = decision["outcome"]
            if outcome == "not_gated":
                log(f"{self.opts.action} is not gated here; deleted {decision['deleted']} row(s)")
                return EXIT_OK
            if outcome == "approved":
                log(f"approval {decision['request_id']} consumed; deleted {decision['deleted']} row(s)")
                return EXIT_OK
            if outcome == "denied":
                log(f"request {decision['request_id']} was denied; stopping")
                return EXIT_DENIED
            if outcome != "pending":
                raise RuntimeError(f"unexpected outcome {outcome}")

            request_id = decision["request_id"]
            log(f"request {request_id} is pending; waiting for a human "
                f"(hash {decision['request_hash'][:16]}...)")
            decision = None
            while decision is None:
                if time.monotonic() >= self.deadline:
                    log(f"gave up waiting for request {request_id}")
                    return EXIT_TIMEOUT
                self.wait_for_wake_up()
                status = self.read_status(request_id)
                if status == "pending":
                    continue
                if status == "approved":
                    log(f"request {request_id} approved; consuming it and deleting in one transaction")
                    decision = (self.consume_and_destroy() if self.opts.consume
                                else self.ask_and_maybe_destroy())
                elif status == "denied":
                    log(f"request {request_id} was denied; stopping")
                    return EXIT_DENIED
                elif status == "withdrawn":
                    log(f"request {request_id} was withdrawn; stopping")
                    return EXIT_WITHDRAWN
                elif status in ("expired", "consumed"):
                    # Expired before anyone decided, or consumed by another process of the same
                    # principal: ask again, which creates a new request (or finds the pending one).
                    log(f"request {request_id} is {status}; asking again")
                    decision = self.ask_and_maybe_destroy()
                elif status is None:
                    raise RuntimeError(f"request {request_id} is not visible to this session")
                else:
                    raise RuntimeError(f"request {request_id} has unknown status {status}")


def main():
    opts = parse_command_line()

    # A hard stop a little after the deadline, whatever the database is doing.
    def hard_stop(_signum, _frame):
        print("agent: timed out", file=sys.stderr, flush=True)
        os._exit(EXIT_TIMEOUT)
    signal.signal(signal.SIGALRM, hard_stop)
    signal.alarm(int(opts.timeout) + 5)

    agent = None
    try:
        agent = Agent(opts)
        return agent.run()
    except psycopg2.Error as err:
        print(f"agent: {describe(err)}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    except RuntimeError as err:
        print(f"agent: {err}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    finally:
        if agent is not None:
            agent.conn.close()


if __name__ == "__main__":
    sys.exit(main())
