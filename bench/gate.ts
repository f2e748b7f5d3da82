// P1: fg-idempotency-gate msgs/s on the memory and SQLite stores vs the core change node in the same runtime
// (goal >= 0.8x for memory). P2: the gate on Redis vs raw `SET NX PX` through a node-redis client at the same
// concurrency (goal >= 0.7x). P1b: the gate on SQLite vs a raw `INSERT … ON CONFLICT DO NOTHING` through the same
// driver at the same durability (WAL, synchronous = NORMAL) and concurrency (goal >= 0.7x). Every message has a new
// key, so every message is a claim (the expensive path).
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createClient } from 'redis';
import { openStore, SqliteStore } from '../lib/store';
import { openSqlite } from '../lib/store/sqlite-driver';
import { unload } from '../test/harness';
import { cleanRedis, REDIS_URL, redisAvailable, RUN_PREFIX } from '../test/support/redis';
import { fingerprint } from '../lib/reliability/canonical';
import { SMALL, alternate, concurrentOps, loadForBench, ratio, report, runMain, windowedThroughput } from './lib';

const MESSAGES = SMALL ? 2000 : 10000;
const ROUNDS = SMALL ? 2 : 5;
const CONCURRENCY = 50;

/** The result names a complete run writes (bench/run.ts checks them in smoke runs). */
export const RESULTS = ['p1-gate-memory', 'p1-gate-sqlite', 'p1b-gate-sqlite-vs-insert', 'p2-gate-redis', 'p2-gate-redis-500'];

let round = 0;
const message = (n: number) => ({ _msgid: `m${n}`, payload: { order: n, amount: 1000 + n }, idempotencyKey: `r${round}-k${n}` });

/**
 * The ceiling for any gate that fingerprints payloads and remembers keys in the JS heap: the same fingerprint, one
 * `Map` insert, synchronous, no store, no error handling. Not a product node: it shows how close P1 can get.
 */
function minimalGate(RED: any): void {
  const claims = new Map<string, { fingerprint: string; token: string }>();
  let seq = 0;
  RED.nodes.registerType('bench-minimal-gate', function (this: any, def: any) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg: any, send: (m: any) => void, done: () => void) => {
      const fp = fingerprint([msg.payload]);
      if (!claims.has(msg.idempotencyKey)) claims.set(msg.idempotencyKey, { fingerprint: fp, token: `t${++seq}` });
      msg.idempotency = { key: msg.idempotencyKey, fingerprint: fp };
      send(msg);
      done();
    });
  });
}

function flow(store: Record<string, unknown>): any[] {
  return [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'store', type: 'fg-store-config', ...store },
    { id: 'gate', z: 'tab', type: 'fg-idempotency-gate', store: 'store', wires: [['gateOut'], ['gateOut'], ['gateOut']] },
    { id: 'gateOut', z: 'tab', type: 'helper' },
    // The baseline does one property write per message, like the gate adds msg.idempotency.
    { id: 'changeNode', z: 'tab', type: 'change', rules: [{ t: 'set', p: 'idempotency', pt: 'msg', to: 'idempotencyKey', tot: 'msg' }], wires: [['changeOut']] },
    { id: 'changeOut', z: 'tab', type: 'helper' },
    { id: 'minimal', z: 'tab', type: 'bench-minimal-gate', wires: [['minimalOut']] },
    { id: 'minimalOut', z: 'tab', type: 'helper' },
  ];
}

async function gateVsChange(label: string, store: Record<string, unknown>): Promise<Record<string, unknown>> {
  await loadForBench(['fg-store-config', 'fg-idempotency-gate', 'change', minimalGate], flow(store));
  try {
    const m = await alternate(ROUNDS,
      () => { round++; return windowedThroughput('gate', ['gateOut'], MESSAGES, CONCURRENCY, message); },
      () => windowedThroughput('changeNode', ['changeOut'], MESSAGES, CONCURRENCY, message));
    const ceiling = await alternate(ROUNDS,
      () => { round++; return windowedThroughput('minimal', ['minimalOut'], MESSAGES, CONCURRENCY, message); },
      () => windowedThroughput('changeNode', ['changeOut'], MESSAGES, CONCURRENCY, message));
    return report({
      name: `p1-gate-${label}`,
      title: `P1 fg-idempotency-gate (${label} store) vs core change node`,
      unit: 'msgs/s',
      candidate: Math.round(m.candidate),
      baseline: Math.round(m.baseline),
      better: 'higher',
      goal: label === 'memory' ? 'ratio >= 0.8' : 'reported (durable store: a disk transaction per event-loop turn; P1b is its goal)',
      met: label === 'memory' ? m.candidate / m.baseline >= 0.8 : true,
      details: {
        messagesPerRound: MESSAGES, rounds: ROUNDS, concurrency: CONCURRENCY, samples: m.samples,
        minimalSynchronousGate: { msgsPerSec: Math.round(ceiling.candidate), changeNode: Math.round(ceiling.baseline), ratio: ratio(ceiling.candidate, ceiling.baseline) },
      },
    });
  } finally {
    await unload();
  }
}

/**
 * P1b: what SQLite itself allows for a claim-if-absent at the store's durability, through the driver the store chose:
 * one autocommit `INSERT … ON CONFLICT DO NOTHING` per key into a table shaped like the claims table.
 */
async function gateVsSqliteInsert(dir: string): Promise<Record<string, unknown>> {
  const file = path.join(dir, `${randomUUID()}.sqlite`);
  await loadForBench(['fg-store-config', 'fg-idempotency-gate', 'change', minimalGate], flow({ backend: 'sqlite', sqlitePath: file }));
  const rawFile = path.join(dir, `${randomUUID()}-raw.sqlite`);
  const db = openSqlite(rawFile);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  db.exec('CREATE TABLE claims (ns TEXT NOT NULL, key TEXT NOT NULL, token TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO claims (ns, key, token, value, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const value = JSON.stringify({ status: 'in-progress', fingerprint: 'x'.repeat(43), claimedAt: Date.now() });
  try {
    const m = await alternate(ROUNDS,
      () => { round++; return windowedThroughput('gate', ['gateOut'], MESSAGES, CONCURRENCY, message); },
      () => { round++; return concurrentOps(MESSAGES, CONCURRENCY, async (n) => insert.run('bench', `r${round}-k${n}`, randomUUID(), value, Date.now() + 60_000)); });
    // Where the time goes: the store's claim without Node-RED, at the same concurrency.
    const store = new SqliteStore(path.join(dir, `${randomUUID()}-claims.sqlite`));
    round++;
    const claimOnly = await concurrentOps(MESSAGES, CONCURRENCY, (n) => store.claim('bench', `c${round}-${n}`, { status: 'in-progress' }, 60_000));
    await store.close();
    return report({
      name: 'p1b-gate-sqlite-vs-insert',
      title: 'P1b fg-idempotency-gate (SQLite store) vs raw INSERT … ON CONFLICT DO NOTHING, same driver, WAL, synchronous = NORMAL, same concurrency',
      unit: 'msgs/s',
      candidate: Math.round(m.candidate),
      baseline: Math.round(m.baseline),
      better: 'higher',
      goal: 'ratio >= 0.7',
      met: m.candidate / m.baseline >= 0.7,
      details: { messagesPerRound: MESSAGES, rounds: ROUNDS, concurrency: CONCURRENCY, storeClaimWithoutNodeRedPerSec: Math.round(claimOnly), samples: m.samples },
    });
  } finally {
    db.close();
    await unload();
  }
}

/** P2 at these numbers of messages in flight (and raw SETs in flight on the baseline side). */
const REDIS_CONCURRENCY = [50, 500];

async function gateVsRedis(): Promise<Record<string, unknown>[]> {
  const prefix = `${RUN_PREFIX}bench:`;
  await loadForBench(['fg-store-config', 'fg-idempotency-gate', 'change', minimalGate], flow({ backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix }));
  // The baseline client is configured as the store's (no per-command timer: the store has one watchdog instead).
  const client = createClient({ url: REDIS_URL, commandOptions: { timeout: 0 } });
  client.on('error', () => undefined);
  await client.connect();
  // For reference: node-redis with its default per-command 5 s timeout, as most applications run it.
  const defaultClient = createClient({ url: REDIS_URL });
  defaultClient.on('error', () => undefined);
  await defaultClient.connect();
  const store = await openStore({ backend: 'redis', url: REDIS_URL, prefix });
  try {
    const results = [];
    for (const concurrency of REDIS_CONCURRENCY) {
      const m = await alternate(ROUNDS,
        () => { round++; return windowedThroughput('gate', ['gateOut'], MESSAGES, concurrency, message); },
        () => { round++; return concurrentOps(MESSAGES, concurrency, (n) => client.set(`${prefix}raw:${round}:${n}`, 'x', { condition: 'NX', expiration: { type: 'PX', value: 60_000 } })); });
      // Where the time goes: the store's claim without Node-RED, at the same concurrency.
      round++;
      const claimOnly = await concurrentOps(MESSAGES, concurrency, (n) => store.claim('bench', `c${round}-${n}`, { status: 'in-progress' }, 60_000));
      round++;
      const defaultClientSet = await concurrentOps(MESSAGES, concurrency, (n) => defaultClient.set(`${prefix}def:${round}:${n}`, 'x', { condition: 'NX', expiration: { type: 'PX', value: 60_000 } }));
      results.push(report({
        name: concurrency === 50 ? 'p2-gate-redis' : `p2-gate-redis-${concurrency}`,
        title: `P2 fg-idempotency-gate (Redis store) vs raw SET NX PX, ${concurrency} in flight on both sides`,
        unit: 'msgs/s',
        candidate: Math.round(m.candidate),
        baseline: Math.round(m.baseline),
        better: 'higher',
        goal: 'ratio >= 0.7',
        met: m.candidate / m.baseline >= 0.7,
        details: { messagesPerRound: MESSAGES, rounds: ROUNDS, concurrency, storeClaimWithoutNodeRedPerSec: Math.round(claimOnly), rawSetDefaultClientPerSec: Math.round(defaultClientSet), samples: m.samples },
      }));
    }
    return results;
  } finally {
    await store.close();
    await client.close();
    await defaultClient.close();
    await unload();
    await cleanRedis(prefix);
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  const results = [await gateVsChange('memory', { backend: 'memory' })];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-bench-'));
  try {
    results.push(await gateVsChange('sqlite', { backend: 'sqlite', sqlitePath: path.join(dir, `${randomUUID()}.sqlite`) }));
    results.push(await gateVsSqliteInsert(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (await redisAvailable()) results.push(...(await gateVsRedis()));
  else console.warn(`P2 skipped: no Redis at ${REDIS_URL}`);
  return results;
}

if (require.main === module) runMain(run);
