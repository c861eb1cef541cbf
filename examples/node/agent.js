#!/usr/bin/env node
// An agent that asks approval_gate before a destructive operation, waits for a human, and then
// consumes the approval and deletes in one transaction.
//
//   node agent.js <workspace-uuid> [--action delete_workspace] [--context '{"k":"v"}']
//                 [--reason TEXT] [--timeout SECONDS] [--consume]
//
// Connection: the usual PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE environment variables.
// APPROVAL_GATE_ACTOR: the person or bot this agent acts for, when its login is a member of
// approval_gate_proxy (a shared pool login). It is set per transaction, never per session.
//
// The destructive operation is `DELETE FROM demo_workspaces WHERE id = <workspace>`: replace
// destroy() with yours. It runs in the same transaction as the call that consumes the approval, so
// if it fails and rolls back, the approval is not used.
//
// Exit codes: 0 done (approved and consumed, or not gated), 1 error, 2 usage, 3 denied,
//             4 timed out, 5 the request was withdrawn.
'use strict';

const { Client } = require('pg');
const { parseArgs } = require('node:util');

const EXIT = { OK: 0, ERROR: 1, USAGE: 2, DENIED: 3, TIMEOUT: 4, WITHDRAWN: 5 };
const CHANNEL = 'approval_gate';
const POLL_MS = 2000;          // re-read on a timer too, in case a wake-up was missed
const MAX_TX_ATTEMPTS = 5;     // serialization failures retried per transaction
const RETRY_SQLSTATES = new Set(['40001', '40P01']);   // serialization failure, deadlock

function usage(message) {
  if (message) console.error(`agent: ${message}`);
  console.error('usage: node agent.js <workspace-uuid> [--action A] [--context JSON] [--reason TEXT] '
    + '[--timeout SECONDS] [--consume]');
  process.exit(EXIT.USAGE);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        action: { type: 'string', default: 'delete_workspace' },
        context: { type: 'string', default: '{}' },
        reason: { type: 'string' },
        timeout: { type: 'string', default: '60' },
        consume: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    usage(err.message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage('one workspace id expected');
  let context;
  try {
    context = JSON.parse(values.context);
  } catch (err) {
    usage(`--context is not JSON: ${err.message}`);
  }
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    usage('--context must be a JSON object');
  }
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) usage('--timeout must be a positive number of seconds');
  return {
    workspace: positionals[0],
    action: values.action,
    context: JSON.stringify(context),
    reason: values.reason ?? null,
    timeoutMs: timeout * 1000,
    consumeMode: values.consume,
    actor: process.env.APPROVAL_GATE_ACTOR || null,
  };
}

const opts = parseCommandLine();
const deadline = Date.now() + opts.timeoutMs;
const log = (line) => console.log(`agent: ${line}`);

// The SQLSTATEs a caller of approval_gate meets, by code: never match on message text.
function describe(err) {
  const meaning = {
    AG001: 'nothing to consume',
    '42501': 'not allowed',
    '55000': 'not pending',
    P0002: 'unknown request id',
    '22023': 'bad argument',
    '22004': 'NULL argument',
    '25006': 'read-only transaction',
    '40001': 'serialization failure',
  }[err.code];
  return err.code ? `SQLSTATE ${err.code}${meaning ? ` (${meaning})` : ''}: ${err.message}` : String(err);
}

const client = new Client({ application_name: 'approval_gate agent (node)' });

// Wake-ups: a notification only says "something changed, look again". Its payload is empty, and
// anyone may NOTIFY this channel, so nothing in it is ever trusted or used.
let woken = false;
let wake = null;
client.on('notification', (msg) => {
  if (msg.channel !== CHANNEL) return;
  woken = true;
  if (wake) wake();
});
client.on('error', (err) => {
  console.error(`agent: connection lost: ${describe(err)}`);
  process.exit(EXIT.ERROR);
});

// Sleeps until a wake-up, the poll interval or the deadline, whichever comes first.
function waitForWakeUp() {
  const ms = Math.min(POLL_MS, deadline - Date.now());
  if (woken || ms <= 0) {
    woken = false;
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      woken = false;
      resolve();
    }
    wake = done;
  });
}

// Runs fn(client) in one REPEATABLE READ transaction, with the actor set for this transaction only
// (set_config(..., true) is SET LOCAL: it ends with the transaction, so a pooled connection never
// carries one person's identity into the next one's work). Serialization failures are retried.
async function inTransaction(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      if (opts.actor) {
        await client.query("SELECT set_config('approval_gate.actor', $1, true)", [opts.actor]);
      }
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (RETRY_SQLSTATES.has(err.code) && attempt < MAX_TX_ATTEMPTS && Date.now() < deadline) {
        log(`retrying the transaction after ${describe(err)}`);
        await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 50));
        continue;
      }
      throw err;
    }
  }
}

async function requireApproval(db) {
  const { rows } = await db.query(
    'SELECT outcome, request_id, request_hash FROM approval_gate_require($1::uuid, $2::text, $3::jsonb, $4::text)',
    [opts.workspace, opts.action, opts.context, opts.reason]);
  return rows[0];   // request_id and request_hash are NULL when the outcome is not_gated
}

// The destructive operation. Replace with yours; keep it in the transaction that consumed.
async function destroy(db) {
  const { rowCount } = await db.query('DELETE FROM demo_workspaces WHERE id = $1::uuid', [opts.workspace]);
  return rowCount;
}

// One transaction: ask the gate, and if it lets us (approved: consumed now, or not gated) destroy.
// A pending or denied answer commits nothing but the request itself.
function askAndMaybeDestroy() {
  return inTransaction(async (db) => {
    const decision = await requireApproval(db);
    if (decision.outcome === 'approved' || decision.outcome === 'not_gated') {
      decision.deleted = await destroy(db);
    }
    return decision;
  });
}

// The strict variant (--consume): consume or fail with AG001, then destroy. AG001 means the approval
// is not there any more (expired, or used by another process of ours): ask again.
async function consumeAndDestroy() {
  try {
    return await inTransaction(async (db) => {
      const { rows } = await db.query(
        'SELECT approval_gate_consume($1::uuid, $2::text, $3::jsonb) AS request_id',
        [opts.workspace, opts.action, opts.context]);
      // NULL: the action is not gated (any more); a consumed approval returns its request id.
      const outcome = rows[0].request_id === null ? 'not_gated' : 'approved';
      return { outcome, request_id: rows[0].request_id, deleted: await destroy(db) };
    });
  } catch (err) {
    if (err.code !== 'AG001') throw err;
    log(`${describe(err)}; asking again`);
    return askAndMaybeDestroy();
  }
}

// The state of our own request, read through the view that shows the caller its own requests.
function readStatus(requestId) {
  return inTransaction(async (db) => {
    const { rows } = await db.query(
      'SELECT status FROM approval_gate_visible_requests WHERE id = $1::uuid', [requestId]);
    return rows.length ? rows[0].status : null;
  });
}

async function main() {
  await client.connect();
  // LISTEN before the first request, so a decision made right after it cannot be missed.
  await client.query(`LISTEN ${CHANNEL}`);

  let decision = await askAndMaybeDestroy();
  for (;;) {
    switch (decision.outcome) {
      case 'not_gated':
        log(`${opts.action} is not gated here; deleted ${decision.deleted} row(s)`);
        return EXIT.OK;
      case 'approved':
        log(`approval ${decision.request_id} consumed; deleted ${decision.deleted} row(s)`);
        return EXIT.OK;
      case 'denied':
        log(`request ${decision.request_id} was denied; stopping`);
        return EXIT.DENIED;
      case 'pending':
        break;
      default:
        throw new Error(`unexpected outcome ${decision.outcome}`);
    }

    const requestId = decision.request_id;
    log(`request ${requestId} is pending; waiting for a human (hash ${decision.request_hash.slice(0, 16)}...)`);
    let next = null;
    while (next === null) {
      if (Date.now() >= deadline) {
        log(`gave up waiting for request ${requestId}`);
        return EXIT.TIMEOUT;
      }
      await waitForWakeUp();
      const status = await readStatus(requestId);
      switch (status) {
        case 'pending':
          continue;
        case 'approved':
          log(`request ${requestId} approved; consuming it and deleting in one transaction`);
          next = opts.consumeMode ? await consumeAndDestroy() : await askAndMaybeDestroy();
          break;
        case 'denied':
          log(`request ${requestId} was denied; stopping`);
          return EXIT.DENIED;
        case 'withdrawn':
          log(`request ${requestId} was withdrawn; stopping`);
          return EXIT.WITHDRAWN;
        case 'expired':
        case 'consumed':
          // Expired before anyone decided, or consumed by another process of the same principal:
          // ask again, which creates a new request (or finds the one already pending).
          log(`request ${requestId} is ${status}; asking again`);
          next = await askAndMaybeDestroy();
          break;
        case null:
          throw new Error(`request ${requestId} is not visible to this session`);
        default:
          throw new Error(`request ${requestId} has unknown status ${status}`);
      }
    }
    decision = next;
  }
}

// A hard stop a little after the deadline, whatever the database is doing.
setTimeout(() => {
  console.error('agent: timed out');
  process.exit(EXIT.TIMEOUT);
}, opts.timeoutMs + 5000).unref();

main()
  .then(async (code) => {
    await client.end().catch(() => {});
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`agent: ${describe(err)}`);
    await client.end().catch(() => {});
    process.exit(EXIT.ERROR);
  });
