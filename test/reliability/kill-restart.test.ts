/**
 * A real crash: a separate Node-RED process with pending retries and dead letters is killed with SIGKILL and
 * started again on the same store. Every retry must reach the downstream server exactly once; the DLQ must be intact.
 * Runs against the compiled nodes in this build folder (html copied beside them) with a temporary user dir.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { openStore, Store, StoreConfig } from '../../lib/store';
import { eventually } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';
import { freePort, NodeRedProcess, prepareUserDir, startNodeRed } from './launcher';

const NODE_TYPES = ['fg-store-config', 'fg-retry', 'fg-dead-letter'];
const TOKENS = { 'reader-token': { user: 'reader', permissions: 'read' }, 'admin-token': { user: 'admin', permissions: '*' } };
const asAdmin = { authorization: 'Bearer admin-token' };

function killFlow(store: Record<string, unknown>, downstream: string): any[] {
  const failWith = (error: object) => ({ t: 'set', p: 'error', pt: 'msg', to: JSON.stringify(error), tot: 'json' });
  return [
    { id: 'tab', type: 'tab', label: 'kill test' },
    // A relative SQLite path lands in the user dir.
    { id: 'store', type: 'fg-store-config', backend: 'sqlite', sqlitePath: 'fg.sqlite', ...store },
    { id: 'in-fail', type: 'http in', z: 'tab', url: '/fail', method: 'post', wires: [['to-retry', 'ok']] },
    { id: 'to-retry', type: 'change', z: 'tab', rules: [failWith({ message: 'down', code: 'api_error', service: 'acme', status: 503, retryable: true })], wires: [['retry']] },
    { id: 'retry', type: 'fg-retry', z: 'tab', store: 'store', maxAttempts: 1, baseMs: 4000, jitter: 'none', circuit: false, pollMs: 50, wires: [['deliver'], []] },
    { id: 'deliver', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url: downstream, wires: [[]] },
    { id: 'in-park', type: 'http in', z: 'tab', url: '/park', method: 'post', wires: [['to-dlq', 'ok']] },
    { id: 'to-dlq', type: 'change', z: 'tab', rules: [failWith({ message: 'bad', code: 'parameter_invalid', service: 'acme', status: 400, retryable: false })], wires: [['dlq']] },
    { id: 'dlq', type: 'fg-dead-letter', z: 'tab', store: 'store', wires: [[], []] },
    { id: 'ok', type: 'http response', z: 'tab', statusCode: '202', wires: [] },
  ];
}

for (const backend of ['sqlite', 'redis']) {
  describe(`kill -9 with pending retries and dead letters (${backend})`, function () {
    this.timeout(90_000);
    const delivered: string[] = [];
    let downstream: http.Server;
    let red: NodeRedProcess | undefined;
    let userDir: string;
    let store: Store;
    let config: StoreConfig;

    before(async function () {
      if (backend === 'redis') await requireRedis(this);
      downstream = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          delivered.push(body);
          res.end('ok');
        });
      });
      await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/deliver`;
      const prefix = `${RUN_PREFIX}kill:`;
      userDir = prepareUserDir(NODE_TYPES, killFlow(backend === 'redis' ? { backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix } : {}, url));
      config = backend === 'redis' ? { backend: 'redis', url: REDIS_URL, prefix } : { backend: 'sqlite', file: path.join(userDir, 'fg.sqlite') };
    });

    after(async () => {
      await red?.kill('SIGKILL');
      await store?.close();
      await new Promise((r) => downstream?.close(r));
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
      if (backend === 'redis') await cleanRedis();
    });

    it('re-emits every pending retry exactly once and keeps the DLQ', async () => {
      const port = await freePort();
      red = await startNodeRed(userDir, port, 'warn', TOKENS);
      // Opened after the first start so Node-RED creates the SQLite file itself.
      store = await openStore(config);
      for (let i = 0; i < 5; i++) {
        await fetch(`http://127.0.0.1:${port}/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) });
      }
      for (let i = 0; i < 3; i++) {
        await fetch(`http://127.0.0.1:${port}/park`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ p: i }) });
      }
      await eventually(async () => (await store.scheduledCount('retry:retry')) === 5 && (await store.queueCount('dlq:dlq')) === 3, '5 scheduled, 3 parked', 15_000);
      await red.kill('SIGKILL');

      red = await startNodeRed(userDir, port, 'warn', TOKENS);
      await eventually(() => delivered.length >= 5, 'five deliveries', 15_000);
      await new Promise((r) => setTimeout(r, 1000));
      // Counts deliveries of both runs: none may be missing or doubled.
      assert.deepStrictEqual(delivered.map((b) => JSON.parse(b).n).sort(), [0, 1, 2, 3, 4]);
      assert.strictEqual(await store.scheduledCount('retry:retry'), 0);
      const dlq = await (await fetch(`http://127.0.0.1:${port}/flowguard/dlq/dlq`, { headers: asAdmin })).json() as any;
      assert.strictEqual(dlq.depth, 3);
      assert.deepStrictEqual(dlq.entries.map((e: any) => e.item.msg.payload.p), [0, 1, 2]);

      // The admin API is behind Node-RED's permissions: nobody → 401, read-only → may read, may not replay.
      const base = `http://127.0.0.1:${port}/flowguard/dlq/dlq`;
      assert.strictEqual((await fetch(base)).status, 401);
      assert.strictEqual((await fetch(base, { headers: { authorization: 'Bearer reader-token' } })).status, 200);
      const replay = (headers: Record<string, string>) => fetch(`${base}/replay`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ all: true }) });
      assert.strictEqual((await replay({ authorization: 'Bearer reader-token' })).status, 401);
      assert.strictEqual(await store.queueCount('dlq:dlq'), 3);
      assert.strictEqual((await replay(asAdmin)).status, 200);
      assert.strictEqual(await store.queueCount('dlq:dlq'), 0);
      await red.kill('SIGKILL');
    });
  });
}
