/**
 * R3 crash with pending retries: a Node-RED process schedules 1,000 retries (FG_RELIABILITY_SCALE=ci: 300) in
 * fg-retry, is killed with SIGKILL before they fall due, and is started again on the same store (SQLite file, then
 * Redis). Every retry must reach the downstream server exactly once and the schedule must end empty.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { openStore, Store, StoreConfig } from '../../lib/store';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';
import { freePort, NodeRedProcess, prepareUserDir, startNodeRed } from './launcher';
import { size } from './support';

const PENDING = size(1000, 300);
const DUE_MS = 6000;

for (const backend of ['sqlite', 'redis'] as const) {
  describe(`R3 kill -9 with ${PENDING} pending retries (${backend})`, function () {
    this.timeout(120_000);
    const delivered: number[] = [];
    let downstream: http.Server;
    let red: NodeRedProcess | undefined;
    let userDir: string | undefined;
    let store: Store | undefined;
    const prefix = `${RUN_PREFIX}r3:`;

    before(async function () {
      if (backend === 'redis') await requireRedis(this);
      downstream = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          delivered.push(JSON.parse(body).n);
          res.end('ok');
        });
      });
      await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', () => r()));
    });

    after(async () => {
      await red?.kill('SIGKILL');
      await store?.close();
      await new Promise((r) => downstream?.close(r));
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
      if (backend === 'redis') await cleanRedis(prefix);
    });

    it('delivers every pending retry exactly once after the restart', async () => {
      const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/deliver`;
      const storeNode = backend === 'redis' ? { backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix } : { backend: 'sqlite', sqlitePath: 'r3.sqlite' };
      // POST /fail with an array: split into one msg per item, each fails (503) and is scheduled in fg-retry.
      const flow = [
        { id: 'tab', type: 'tab', label: 'r3' },
        { id: 'store', type: 'fg-store-config', ...storeNode },
        { id: 'in', type: 'http in', z: 'tab', url: '/fail', method: 'post', wires: [['splitter', 'ok']] },
        { id: 'splitter', type: 'split', z: 'tab', wires: [['fail']] },
        { id: 'fail', type: 'change', z: 'tab', rules: [{ t: 'delete', p: 'parts', pt: 'msg' }, { t: 'set', p: 'error', pt: 'msg', to: '{"message":"down","code":"api_error","service":"acme","status":503,"retryable":true}', tot: 'json' }], wires: [['retry']] },
        { id: 'retry', type: 'fg-retry', z: 'tab', store: 'store', maxAttempts: 3, baseMs: DUE_MS, jitter: 'none', circuit: false, pollMs: 100, wires: [['deliver'], []] },
        { id: 'deliver', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url, wires: [[]] },
        { id: 'ok', type: 'http response', z: 'tab', statusCode: '202', wires: [] },
      ];
      userDir = prepareUserDir(['fg-store-config', 'fg-retry'], flow);
      const config: StoreConfig = backend === 'redis' ? { backend: 'redis', url: REDIS_URL, prefix } : { backend: 'sqlite', file: path.join(userDir, 'r3.sqlite') };
      const port = await freePort();
      red = await startNodeRed(userDir, port, 'warn');
      store = await openStore(config);
      const reply = await fetch(`${red.url}/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: PENDING }, (_, n) => ({ n }))) });
      assert.strictEqual(reply.status, 202);
      const end = Date.now() + 30_000;
      while ((await store.scheduledCount('retry:retry')) < PENDING) {
        if (Date.now() > end) throw new Error(`only ${await store.scheduledCount('retry:retry')} retries scheduled: ${red.output().slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await red.kill('SIGKILL');
      assert.strictEqual(delivered.length, 0, 'killed before any retry fell due');
      assert.strictEqual(await store.scheduledCount('retry:retry'), PENDING, 'all pending retries survived the crash');

      red = await startNodeRed(userDir, port, 'warn');
      const until = Date.now() + 60_000;
      while (delivered.length < PENDING && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      const distinct = new Set(delivered);
      console.log(`      ${PENDING} pending at the kill → ${delivered.length} deliveries after the restart, ${distinct.size} distinct`);
      assert.strictEqual(distinct.size, PENDING, 'none lost');
      assert.strictEqual(delivered.length, PENDING, 'none delivered twice');
      assert.strictEqual(await store.scheduledCount('retry:retry'), 0);
    });
  });
}
