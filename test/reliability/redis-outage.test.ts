/**
 * R4 Redis outage: a Redis started by this test (own port, never the shared one) is stopped for 10 s
 * (FG_RELIABILITY_SCALE=ci: 3 s) under fg-idempotency-gate. During the outage every message is refused to Catch
 * (fails closed) and none passes; after the restart the refused messages are sent again (as Stripe re-delivers)
 * and each key passes exactly once, with the claims made before the outage still in force (append-only file).
 */
import * as assert from 'assert';
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, getNode, load, reportedErrors, unload } from '../harness';
import { startRedis, stopRedis } from '../support/redis';
import { freePort } from './launcher';
import { size } from './support';

const OUTAGE_MS = size(10_000, 3_000);

describe('R4 Redis stopped under the idempotency gate', function () {
  this.timeout(90_000);
  let redis: ChildProcess | undefined;
  let dir: string;
  let port: number;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-r4-'));
    port = await freePort();
    try {
      redis = await startRedis(port, dir);
    } catch (err) {
      if (process.env.CI === 'true') throw err;
      console.warn(`      R4 skipped: ${(err as Error).message}`);
      this.skip();
    }
  });

  after(async () => {
    await unload();
    await stopRedis(redis);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`fails closed for ${OUTAGE_MS / 1000} s, recovers, and every key passes exactly once`, async () => {
    await load(['fg-store-config', 'fg-idempotency-gate'], [
      { id: 'tab', type: 'tab', label: 'r4' },
      { id: 'store', type: 'fg-store-config', backend: 'redis', redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: 'r4:' },
      { id: 'gate', z: 'tab', type: 'fg-idempotency-gate', store: 'store', wires: [['passed'], ['duplicate'], ['conflict']] },
      { id: 'passed', z: 'tab', type: 'helper' },
      { id: 'duplicate', z: 'tab', type: 'helper' },
      { id: 'conflict', z: 'tab', type: 'helper' },
    ]);
    const out: Record<string, string[]> = { passed: [], duplicate: [], conflict: [] };
    for (const id of Object.keys(out)) getNode(id).on('input', (msg: any) => out[id].push(msg.idempotencyKey));
    const gate = getNode('gate');
    const msg = (k: number) => ({ idempotencyKey: `evt_${k}`, payload: { event: k } });
    const handled = () => out.passed.length + out.duplicate.length + out.conflict.length + reportedErrors('gate').length;

    // Before: 50 events pass.
    for (let k = 0; k < 50; k++) gate.receive(msg(k));
    await eventually(() => out.passed.length === 50, '50 events before the outage');

    // Outage: new events and re-deliveries of old ones arrive while Redis is down.
    await stopRedis(redis);
    const during = [...Array.from({ length: 50 }, (_, i) => 50 + i), ...Array.from({ length: 10 }, (_, i) => i)];
    const started = Date.now();
    for (const [i, k] of during.entries()) {
      gate.receive(msg(k));
      await new Promise((r) => setTimeout(r, (OUTAGE_MS * 0.8) / during.length));
      if (i === 0) await eventually(() => handled() === 51, 'the first message during the outage is answered');
    }
    await eventually(() => handled() === 50 + during.length, 'every message during the outage answered', OUTAGE_MS);
    const refused = reportedErrors('gate');
    assert.strictEqual(out.passed.length, 50, 'nothing passed while Redis was down');
    assert.strictEqual(out.duplicate.length + out.conflict.length, 0);
    assert.strictEqual(refused.length, during.length, 'every message during the outage went to Catch');
    assert.ok(refused.every((e) => /idempotency gate closed/.test(e.text)), refused[0]?.text);
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - started))));

    // Recovery: Redis back with its data; the refused messages are delivered again.
    redis = await startRedis(port, dir);
    await eventually(() => getNode('store').state === 'connected', 'store reconnected', 20_000);
    for (const e of refused) gate.receive(e.msg);
    await eventually(() => out.passed.length + out.duplicate.length === 50 + during.length, 'refused messages handled after recovery', 10_000);
    console.log(`      outage ${OUTAGE_MS} ms: ${refused.length} refused to Catch, after recovery ${out.passed.length - 50} new and ${out.duplicate.length} duplicates`);
    assert.deepStrictEqual([...out.passed].sort(), Array.from({ length: 100 }, (_, k) => `evt_${k}`).sort(), 'each event passed exactly once');
    assert.deepStrictEqual([...out.duplicate].sort(), Array.from({ length: 10 }, (_, k) => `evt_${k}`).sort(), 'claims made before the outage survived');
  });
});
