/**
 * Dead-letter replay is at least once: a real Node-RED process is killed with SIGKILL after it took an entry for
 * replay and sent it, before it acknowledged it. After a restart on the same store the entry is replayed (not lost),
 * then removed. The kill point is exact: with `runtimeSyncDelivery` the replayed msg reaches the next node inside
 * `send`, and that node (a function that never returns) holds the process there until it is killed.
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

const NODE_TYPES = ['fg-store-config', 'fg-dead-letter'];
const TOKENS = { 'admin-token': { user: 'admin', permissions: '*' } };

function replayFlow(store: Record<string, unknown>, next: Record<string, unknown>): any[] {
  return [
    { id: 'tab', type: 'tab', label: 'dlq replay kill test' },
    { id: 'store', type: 'fg-store-config', backend: 'sqlite', sqlitePath: 'fg.sqlite', ...store },
    { id: 'in-park', type: 'http in', z: 'tab', url: '/park', method: 'post', wires: [['to-dlq', 'ok']] },
    { id: 'to-dlq', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'error', pt: 'msg', to: '{"message":"bad","code":"parameter_invalid","service":"acme","status":400,"retryable":false}', tot: 'json' }], wires: [['dlq']] },
    { id: 'dlq', type: 'fg-dead-letter', z: 'tab', store: 'store', replayLeaseSeconds: 2, wires: [['next'], []] },
    { id: 'next', z: 'tab', wires: [[]], ...next },
    { id: 'ok', type: 'http response', z: 'tab', statusCode: '202', wires: [] },
  ];
}

for (const backend of ['sqlite', 'redis']) {
  describe(`kill -9 between taking a dead letter for replay and acknowledging it (${backend})`, function () {
    this.timeout(90_000);
    const delivered: string[] = [];
    let downstream: http.Server;
    let red: NodeRedProcess | undefined;
    let userDir: string;
    let store: Store;
    let config: StoreConfig;
    let storeNode: Record<string, unknown>;

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
      const prefix = `${RUN_PREFIX}dlqkill:`;
      storeNode = backend === 'redis' ? { backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix } : {};
      // First run: the node after the DLQ never returns, so the replay is sent and never acknowledged.
      userDir = prepareUserDir(NODE_TYPES, replayFlow(storeNode, { type: 'function', func: 'while (true) {}\nreturn msg;', outputs: 1 }));
      config = backend === 'redis' ? { backend: 'redis', url: REDIS_URL, prefix } : { backend: 'sqlite', file: path.join(userDir, 'fg.sqlite') };
    });

    after(async () => {
      await red?.kill('SIGKILL');
      await store?.close();
      await new Promise((r) => downstream?.close(r));
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
      if (backend === 'redis') await cleanRedis();
    });

    it('replays the entry after the restart instead of losing it, then removes it', async () => {
      const port = await freePort();
      red = await startNodeRed(userDir, port, 'warn', TOKENS, { runtimeSyncDelivery: true });
      store = await openStore(config);
      for (const p of ['a', 'b']) {
        await fetch(`http://127.0.0.1:${port}/park`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ p }) });
      }
      await eventually(async () => (await store.queueCount('dlq:dlq')) === 2, 'two parked', 15_000);
      const first = (await store.queuePage('dlq:dlq', { limit: 10 })).entries[0];
      // The answer never comes: the process is stuck in the next node, after the take, before the ack.
      void fetch(`http://127.0.0.1:${port}/flowguard/dlq/dlq/replay`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token' }, body: JSON.stringify({ ids: [first.id] }),
      }).catch(() => undefined);
      await eventually(async () => (await store.scheduledCount('dlq:dlq:replaying')) === 1, 'the replay taken (marked in the store)', 15_000);
      await red.kill('SIGKILL');
      assert.strictEqual(await store.queueCount('dlq:dlq'), 2, 'the entry is still parked');

      // Second run: the same store, the DLQ's output now goes to a server that counts deliveries.
      const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/deliver`;
      fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(JSON.parse(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8'))
        .map((n: any) => (n.id === 'next' ? { id: 'next', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url, wires: [[]] } : n))));
      red = await startNodeRed(userDir, port, 'warn', TOKENS);
      await eventually(() => delivered.length >= 1, 'the interrupted replay delivered after the restart', 30_000);
      await eventually(async () => (await store.queueCount('dlq:dlq')) === 1 && (await store.scheduledCount('dlq:dlq:replaying')) === 0, 'acknowledged', 15_000);
      assert.deepStrictEqual(delivered.map((b) => JSON.parse(b).p), ['a']);
      assert.deepStrictEqual((await store.queuePage('dlq:dlq', { limit: 10 })).entries.map((e: any) => e.item.msg.payload.p), ['b'], 'the other entry untouched');
      await red.kill('SIGKILL');
    });
  });
}
