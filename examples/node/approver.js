#!/usr/bin/env node
// An approver console for approval_gate.
//
//   node approver.js list                 the pending requests this approver may see
//   node approver.js approve <id> [note]  approve one; prints the status afterwards
//   node approver.js deny <id> [note]     deny one; prints the status afterwards
//
// Connection: the usual PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE environment variables. The
// login must be a member of the policy's approver role (approval_gate_approver by default).
// APPROVAL_GATE_ACTOR: the person deciding, when the login is a member of approval_gate_proxy (a
// shared pool login); it is set per transaction, never per session.
//
// Exit codes: 0 done, 1 refused or failed (the SQLSTATE is printed), 2 usage.
'use strict';

const { Client } = require('pg');

const EXIT = { OK: 0, ERROR: 1, USAGE: 2 };

// What each SQLSTATE means to an approver, by code (never by message text).
const MEANING = {
  '42501': 'not allowed to decide this request',
  '55000': 'not pending (already decided, expired, or you already voted)',
  P0002: 'unknown request id',
  '22P02': 'not a valid request id',
  '22023': 'bad argument',
  '22004': 'NULL argument',
  '22001': 'note too long',
  '25006': 'read-only transaction',
};

function usage(message) {
  if (message) console.error(`approver: ${message}`);
  console.error('usage: node approver.js list | approve <id> [note] | deny <id> [note]');
  process.exit(EXIT.USAGE);
}

const [command, requestId, ...noteWords] = process.argv.slice(2);
const note = noteWords.length ? noteWords.join(' ') : null;
if (command === 'list') {
  if (requestId !== undefined) usage('list takes no arguments');
} else if (command === 'approve' || command === 'deny') {
  if (!requestId) usage(`${command} needs a request id`);
} else {
  usage(command ? `unknown command ${command}` : null);
}
const actor = process.env.APPROVAL_GATE_ACTOR || null;

const client = new Client({ application_name: 'approval_gate approver (node)' });

async function inTransaction(fn) {
  await client.query('BEGIN');
  try {
    if (actor) await client.query("SELECT set_config('approval_gate.actor', $1, true)", [actor]);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function list() {
  const { rows } = await inTransaction((db) => db.query(
    `SELECT id, workspace_id, action, context, requested_by, approvals, required_approvals
       FROM approval_gate_pending ORDER BY created_at`));
  if (rows.length === 0) {
    console.log('no pending requests');
    return;
  }
  for (const r of rows) {
    console.log(`${r.id}  ${r.action}  workspace ${r.workspace_id}  by ${r.requested_by}  `
      + `${r.approvals}/${r.required_approvals} approvals  context ${JSON.stringify(r.context)}`);
  }
}

async function decide(fnName) {
  // fnName is one of two fixed names, never user input.
  const { rows } = await inTransaction((db) => db.query(
    `SELECT ${fnName}($1::uuid, $2::text) AS status`, [requestId, note]));
  console.log(`${requestId} ${rows[0].status}`);
}

async function main() {
  await client.connect();
  if (command === 'list') await list();
  else await decide(command === 'approve' ? 'approval_gate_approve' : 'approval_gate_deny');
}

main()
  .then(async () => {
    await client.end();
    process.exit(EXIT.OK);
  })
  .catch(async (err) => {
    if (err.code) {
      const meaning = MEANING[err.code] ? ` (${MEANING[err.code]})` : '';
      console.error(`approver: ERROR ${err.code}${meaning}: ${err.message}`);
    } else {
      console.error(`approver: ${err.message || err}`);
    }
    await client.end().catch(() => {});
    process.exit(EXIT.ERROR);
  });
