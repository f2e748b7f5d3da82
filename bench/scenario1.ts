// P10: the product's real job. Scenario 1's path (signed Stripe webhook -> idempotency gate (SQLite) -> field mapper ->
// Salesforce upsert of an Opportunity -> completion) in a real Node-RED process against the Salesforce sandbox, with
// fg-salesforce micro-batching (100 ms window) and without, against a hand-written Node.js script with the same SDKs
// (stripe's webhooks.constructEvent, jsforce's upsert) doing one upsert per event. Every event is new; a duplicate
// storm is R1's job. Figures: events/s (all events sent at 50 concurrent deliveries until the last is written) and
// the Salesforce API calls counted by the sandbox (logins excluded).
// Goal: >= 20x fewer API calls than the script, and higher events/s.
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { signatureHeader } from '../lib/stripe/signature';
import { startSalesforceSandbox, SalesforceSandbox } from '../sandbox/salesforce';
import { sandboxCalls } from '../sandbox/salesforce/control-client';
import { SANDBOX_TEST_KEY } from '../sandbox/stripe';
import { prepareUserDir, startNodeRed } from '../test/reliability/launcher';
import { pool, request } from '../test/reliability/support';
import { SMALL, ratio, report, runMain, seconds } from './lib';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const EVENTS = SMALL ? 400 : 2000;
const CONCURRENCY = 50;
/** The batching window: long enough to fill calls at the rates this shared machine reaches (see docs/PERFORMANCE.md). */
const WINDOW_MS = 100;
const SECRET = 'whsec_bench_p10_only';
const USER = 'integration@flowguard.test';
const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: USER, password: 'password', securityToken: 'TOKEN' };

export const RESULTS = ['p10-scenario1-calls', 'p10-scenario1-throughput'];

let run = 0;
function event(n: number): string {
  const id = `pi_p10_${process.pid}_${run}_${n}`;
  return JSON.stringify({
    id: `evt_p10_${process.pid}_${run}_${n}`, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false,
    data: { object: { id, object: 'payment_intent', amount: 1000 + n, currency: 'usd', status: 'succeeded', created: Math.floor(Date.now() / 1000) } },
  });
}

/** The flow: the Scenario 1 nodes on the path that writes, a counter behind the completion, GET /p10/done to read it. */
function flow(sfUrl: string, batchWindow: number, sqlitePath: string): any[] {
  return [
    { id: 'tab', type: 'tab', label: 'p10' },
    { id: 'p10-store', type: 'fg-store-config', backend: 'sqlite', sqlitePath },
    { id: 'p10-stripe', type: 'fg-stripe-config' },
    { id: 'p10-sf', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sfUrl, authFlow: 'password', apiVersion: '59.0', warnPercent: 0, pausePercent: 0 },
    { id: 'p10-hook', z: 'tab', type: 'fg-stripe-webhook', stripe: 'p10-stripe', path: '/p10/hook', eventTypes: '*', toleranceSeconds: 300, register: false, wires: [['p10-gate']] },
    { id: 'p10-gate', z: 'tab', type: 'fg-idempotency-gate', store: 'p10-store', namespace: 'p10', keyType: 'msg', key: 'idempotencyKey', fingerprintProps: 'payload', leaseSeconds: 600, resultTtlHours: 24, wires: [['p10-pi'], [], []] },
    { id: 'p10-pi', z: 'tab', type: 'change', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.data.object', tot: 'msg' }], wires: [['p10-map']] },
    {
      id: 'p10-map', z: 'tab', type: 'fg-field-mapper', property: 'payload', outputProperty: 'payload', direction: 'forward',
      rules: [
        { target: 'Stripe_Payment_Id__c', source: { type: 'path', value: 'id' }, required: true },
        { target: 'Name', source: { type: 'jsonata', value: "'Stripe payment ' & id" }, required: true },
        { target: 'StageName', source: { type: 'jsonata', value: "status = 'succeeded' ? 'Closed Won' : 'Prospecting'" }, required: true },
        { target: 'CloseDate', source: { type: 'path', value: 'created' }, required: true, transforms: [{ op: 'date', from: 'epochSeconds', to: 'salesforceDate' }] },
        { target: 'Amount', source: { type: 'path', value: 'amount' }, required: true, transforms: [{ op: 'minorToDecimal', currencyPath: 'currency' }] },
      ],
      wires: [['p10-upsert'], []],
    },
    { id: 'p10-upsert', z: 'tab', type: 'fg-salesforce', salesforce: 'p10-sf', operation: 'upsert', object: 'Opportunity', externalIdField: 'Stripe_Payment_Id__c', batchWindow, errorRouting: 'output', wires: [['p10-complete'], ['p10-failed']] },
    { id: 'p10-complete', z: 'tab', type: 'fg-idempotency-complete', gate: 'p10-gate', action: 'complete', resultProperty: 'payload', wires: [['p10-count']] },
    { id: 'p10-count', z: 'tab', type: 'function', func: "global.set('done', (global.get('done') || 0) + 1); return null;", outputs: 1, wires: [[]] },
    { id: 'p10-failed', z: 'tab', type: 'function', func: "global.set('failed', (global.get('failed') || 0) + 1); return null;", outputs: 1, wires: [[]] },
    { id: 'p10-doneIn', z: 'tab', type: 'http in', url: '/p10/done', method: 'get', wires: [['p10-doneRead']] },
    { id: 'p10-doneRead', z: 'tab', type: 'function', func: "msg.payload = { done: global.get('done') || 0, failed: global.get('failed') || 0 }; return msg;", outputs: 1, wires: [['p10-doneOut']] },
    { id: 'p10-doneOut', z: 'tab', type: 'http response', statusCode: '200', wires: [] },
  ];
}

interface Side { eventsPerSec: number; apiCalls: number; written: number; failed: number; seconds: number }

/** Sends EVENTS signed deliveries at CONCURRENCY and waits until `progress()` counts them all written or failed. */
async function drive(sb: SalesforceSandbox, url: string, progress: () => Promise<{ done: number; failed: number }>): Promise<Side> {
  run++;
  const before = (await sandboxCalls(sb.url)).apiUsage;
  const start = process.hrtime.bigint();
  await pool(EVENTS, CONCURRENCY, async (n) => {
    const body = event(n);
    const reply = await request(url, 'POST', { 'content-type': 'application/json', 'stripe-signature': signatureHeader(body, SECRET, Math.floor(Date.now() / 1000)) }, body);
    if (reply.status !== 200) throw new Error(`delivery ${n} answered ${reply.status}: ${reply.body}`);
  });
  let p = await progress();
  const deadline = Date.now() + 300_000;
  while (p.done + p.failed < EVENTS) {
    if (Date.now() > deadline) throw new Error(`only ${p.done} written and ${p.failed} failed of ${EVENTS} after 5 minutes`);
    await new Promise((r) => setTimeout(r, 20));
    p = await progress();
  }
  const elapsed = seconds(start);
  if (p.failed) throw new Error(`${p.failed} of ${EVENTS} events failed`);
  return { eventsPerSec: EVENTS / elapsed, apiCalls: (await sandboxCalls(sb.url)).apiUsage - before, written: p.done, failed: p.failed, seconds: Number(elapsed.toFixed(2)) };
}

async function nodeRedSide(sb: SalesforceSandbox, batchWindow: number): Promise<Side> {
  const dir = prepareUserDir(
    ['fg-store-config', 'fg-stripe-config', 'fg-stripe-webhook', 'fg-idempotency-gate', 'fg-field-mapper', 'fg-salesforce-config', 'fg-salesforce', 'fg-idempotency-complete'],
    [], {},
  );
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify([...flow(sb.url, batchWindow, path.join(dir, 'p10.sqlite')),
    { id: 'ready-in', type: 'http in', z: 'tab', url: '/ready', method: 'get', wires: [['ready-out']] },
    { id: 'ready-out', type: 'http response', z: 'tab', statusCode: '200', wires: [] }]));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify({ 'p10-stripe': { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET }, 'p10-sf': CREDS }));
  const red = await startNodeRed(dir, undefined, 'warn');
  try {
    // Warm-up: one event through the whole path (sign-in, JIT).
    const readDone = async () => JSON.parse((await request(`${red.url}/p10/done`, 'GET', {})).body) as { done: number; failed: number };
    const body = event(-1);
    await request(`${red.url}/p10/hook`, 'POST', { 'content-type': 'application/json', 'stripe-signature': signatureHeader(body, SECRET, Math.floor(Date.now() / 1000)) }, body);
    const warmUpEnd = Date.now() + 30_000;
    let base = await readDone();
    while (base.done + base.failed < 1) {
      if (Date.now() > warmUpEnd) throw new Error(`the warm-up event did not come through: ${red.output()}`);
      await new Promise((r) => setTimeout(r, 20));
      base = await readDone();
    }
    if (base.failed) throw new Error(`the warm-up event failed: ${red.output()}`);
    return await drive(sb, `${red.url}/p10/hook`, async () => { const p = await readDone(); return { done: p.done - base.done, failed: p.failed - base.failed }; });
  } finally {
    await red.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Child process: the hand-written script. Verifies with the Stripe SDK, maps in code, one jsforce upsert per event. */
async function script(sfUrl: string): Promise<void> {
  const Stripe = require('stripe');
  const jsforce = require('jsforce');
  const stripe = new Stripe(SANDBOX_TEST_KEY);
  const conn = new jsforce.Connection({ loginUrl: sfUrl, version: '59.0' });
  await conn.login(USER, `${CREDS.password}${CREDS.securityToken}`);
  let done = 0;
  let failed = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ done, failed }));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let evt: any;
      try {
        evt = stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), SECRET);
      } catch {
        return res.writeHead(400).end();
      }
      res.writeHead(200).end();
      const pi = evt.data.object;
      try {
        const r = await conn.sobject('Opportunity').upsert({
          Stripe_Payment_Id__c: pi.id, Name: `Stripe payment ${pi.id}`, StageName: pi.status === 'succeeded' ? 'Closed Won' : 'Prospecting',
          CloseDate: new Date(pi.created * 1000).toISOString().slice(0, 10), Amount: pi.amount / 100,
        }, 'Stripe_Payment_Id__c');
        if (r.success) done++;
        else failed++;
      } catch {
        failed++;
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

async function scriptSide(sb: SalesforceSandbox): Promise<Side> {
  const child: ChildProcess = fork(__filename, ['--script', sb.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (m: any) => resolve(m));
      child.once('exit', (code) => reject(new Error(`script exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    return await drive(sb, url, async () => JSON.parse((await request(url, 'GET', {})).body));
  } finally {
    child.kill();
  }
}

export async function run_(): Promise<Record<string, unknown>[]> {
  const sb = await startSalesforceSandbox({ config: { apiDailyMax: 10_000_000 } });
  try {
    const script = await scriptSide(sb);
    const batched = await nodeRedSide(sb, WINDOW_MS);
    const unbatched = await nodeRedSide(sb, 0);
    const details = { events: EVENTS, concurrentDeliveries: CONCURRENCY, batchWindowMs: WINDOW_MS, candidate: batched, withoutBatching: unbatched, script, machineNote: os.loadavg() };
    return [
      report({
        name: 'p10-scenario1-calls',
        title: `P10 Scenario 1 (webhook -> gate -> mapper -> Salesforce upsert -> complete): Salesforce API calls for ${EVENTS} events, micro-batched flow vs one upsert per event (script)`,
        unit: 'API calls',
        candidate: batched.apiCalls,
        baseline: script.apiCalls,
        better: 'lower',
        goal: '>= 20x fewer calls (ratio <= 0.05)',
        met: batched.apiCalls * 20 <= script.apiCalls,
        details: { ...details, withoutBatchingCalls: unbatched.apiCalls },
      }),
      report({
        name: 'p10-scenario1-throughput',
        title: `P10 Scenario 1: events/s until the last of ${EVENTS} is written, micro-batched flow vs the per-event script`,
        unit: 'events/s',
        candidate: Math.round(batched.eventsPerSec),
        baseline: Math.round(script.eventsPerSec),
        better: 'higher',
        goal: 'higher than the script (ratio > 1)',
        met: batched.eventsPerSec > script.eventsPerSec,
        details: { ...details, withoutBatchingEventsPerSec: Math.round(unbatched.eventsPerSec), withoutBatchingVsScript: ratio(unbatched.eventsPerSec, script.eventsPerSec) },
      }),
    ];
  } finally {
    await sb.close();
  }
}
export { run_ as run };

if (require.main === module) {
  const at = process.argv.indexOf('--script');
  if (at >= 0) script(process.argv[at + 1]).catch((err) => { console.error(err); process.exit(1); });
  else runMain(run_);
}
