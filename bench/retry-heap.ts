// P7: heap growth with 100,000 pending retries in fg-retry (SQLite store, the durable default; Redis as well when
// available) against the core delay node holding the same messages. Goal: <= 50 MB of retained heap growth.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { eventually, getNode, unload } from '../test/harness';
import { cleanRedis, REDIS_URL, redisAvailable, RUN_PREFIX } from '../test/support/redis';
import { SMALL, loadForBench, report, runMain } from './lib';

const PENDING = SMALL ? 10_000 : 100_000;
const MB = 2 ** 20;
const WINDOW = 100;

// A full GC before each sample, so growth measures what is retained, not garbage waiting for collection.
v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');
const retainedHeap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const failed = (n: number) => ({
  _msgid: `m${n}`,
  payload: { order: n, customer: `cus_${n}`, amount: 1000 + n, lines: [{ sku: 'A', qty: 1 }] },
  error: { message: 'service unavailable', code: 'api_error', service: 'acme', status: 503, retryable: true },
});

/** Schedules PENDING retries (one hour ahead) and returns the retained heap growth in bytes. */
async function retryGrowth(store: Record<string, unknown>): Promise<number> {
  await loadForBench(['fg-store-config', 'fg-retry'], [
    { id: 'tab', type: 'tab', label: 'p7' },
    { id: 'store', type: 'fg-store-config', ...store },
    { id: 'retry', z: 'tab', type: 'fg-retry', store: 'store', maxAttempts: 5, baseMs: 3_600_000, capMs: 3_600_000, jitter: 'none', circuit: false, pollMs: 1000, wires: [['retried'], ['exhausted']] },
    { id: 'retried', z: 'tab', type: 'helper' },
    { id: 'exhausted', z: 'tab', type: 'helper' },
  ]);
  try {
    const storeNode = getNode('store');
    const s = await storeNode.getStore();
    const before = retainedHeap();
    // fg-retry emits nothing when it schedules, so progress is read from the store, 100 messages at a time.
    // (A Complete node would tell too, but Node-RED's complete path itself retains memory and would be measured.)
    const retry = getNode('retry');
    for (let n = 0; n < PENDING; n += WINDOW) {
      for (let i = n; i < Math.min(n + WINDOW, PENDING); i++) retry.receive(failed(i));
      const expected = Math.min(n + WINDOW, PENDING);
      await eventually(async () => (await s.scheduledCount('retry:retry')) === expected, `${expected} retries scheduled`, 60_000);
    }
    const pending = await s.scheduledCount('retry:retry');
    if (pending !== PENDING) throw new Error(`expected ${PENDING} pending retries, found ${pending}`);
    return retainedHeap() - before;
  } finally {
    await unload();
  }
}

async function delayGrowth(): Promise<number> {
  await loadForBench(['delay'], [
    { id: 'tab', type: 'tab', label: 'p7' },
    { id: 'holder', z: 'tab', type: 'delay', pauseType: 'delay', timeout: '1', timeoutUnits: 'hours', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, wires: [[]] },
  ]);
  try {
    const before = retainedHeap();
    const node = getNode('holder');
    for (let n = 0; n < PENDING; n++) node.receive(failed(n));
    await eventually(() => node.idList.length === PENDING, `${PENDING} messages held by the delay node`, 120_000);
    return retainedHeap() - before;
  } finally {
    await unload();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-p7-'));
  try {
    const sqlite = await retryGrowth({ backend: 'sqlite', sqlitePath: path.join(dir, 'p7.sqlite') });
    let redis: number | undefined;
    if (await redisAvailable()) {
      const prefix = `${RUN_PREFIX}p7:`;
      try {
        redis = await retryGrowth({ backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix });
      } finally {
        await cleanRedis(prefix);
      }
    }
    const delay = await delayGrowth();
    return report({
      name: 'p7-retry-heap',
      title: `P7 retained heap growth with ${PENDING} pending retries: fg-retry (SQLite) vs core delay node holding them`,
      unit: 'MB',
      candidate: Number((sqlite / MB).toFixed(1)),
      baseline: Number((delay / MB).toFixed(1)),
      better: 'lower',
      goal: '<= 50 MB',
      met: sqlite / MB <= 50 && (!redis || redis / MB <= 50),
      details: { redisGrowthMb: redis && Number((redis / MB).toFixed(1)) },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(run);
