/**
 * A gate on a Redis Cluster, in a real Node-RED process: the store URL field lists the three seed nodes. 220 requests
 * (100 new keys, the same 100 again, 20 of them with another body) give exactly 100 new, 100 duplicate and 20 conflict.
 * The master holding the gate's namespace is then killed and restarted: while it is down each request fails closed
 * (503 from the Catch path, nothing passes), and afterwards the same 120 repeats give the same 100 duplicate and
 * 20 conflict: the claims came back from the shard's append-only file.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { RedisCluster, requireRedisServer, startCluster } from '../support/redis-topologies';
import { NodeRedProcess, prepareUserDir, startNodeRed } from './launcher';
import { pool, request } from './support';

describe('fg-idempotency-gate on a 3-shard Redis Cluster in a Node-RED process', function () {
  this.timeout(180_000);
  let cluster: RedisCluster;
  let red: NodeRedProcess;
  let dir: string;

  before(async function () {
    requireRedisServer(this);
    this.timeout(120_000);
    cluster = await startCluster(3);
    const answer = (id: string, text: string, status = '200') => [
      { id, type: 'change', z: 'tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: text, tot: 'str' }], wires: [[`${id}-out`]] },
      { id: `${id}-out`, type: 'http response', z: 'tab', statusCode: status, wires: [] },
    ];
    const flow = [
      { id: 'tab', type: 'tab', label: 'cluster gate' },
      { id: 'store', type: 'fg-store-config', backend: 'redis', redisUrl: cluster.url, redisPrefix: 'cg:' },
      { id: 'in', type: 'http in', z: 'tab', url: '/gate', method: 'post', wires: [['gate']] },
      { id: 'gate', type: 'fg-idempotency-gate', z: 'tab', store: 'store', namespace: 'orders', keyType: 'jsonata', key: 'payload.key', fingerprintProps: 'payload', wires: [['a-new'], ['a-dup'], ['a-conflict']] },
      ...answer('a-new', 'new'), ...answer('a-dup', 'duplicate'), ...answer('a-conflict', 'conflict'),
      // (an id equal to a type name, e.g. 'catch', makes Node-RED refuse the flow as a circular config reference)
      { id: 'on-error', type: 'catch', z: 'tab', scope: ['gate'], uncaught: false, wires: [['a-error']] },
      ...answer('a-error', 'error', '503'),
    ];
    dir = prepareUserDir(['fg-store-config', 'fg-idempotency-gate'], flow);
    red = await startNodeRed(dir, undefined, 'warn');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().split('\n').slice(-30).join('\n'));
    await red?.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  });

  const send = async (bodies: object[]): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    await pool(bodies.length, 20, async (i) => {
      // A request the flow never answers would hang the test: it counts as "no answer".
      const reply = await Promise.race([
        request(`${red.url}/gate`, 'POST', { 'content-type': 'application/json' }, JSON.stringify(bodies[i])),
        new Promise<{ status: number; body: string }>((r) => setTimeout(() => r({ status: 0, body: 'no answer' }), 20_000).unref()),
      ]);
      const kind = `${reply.status} ${reply.body}`;
      counts[kind] = (counts[kind] ?? 0) + 1;
    });
    return counts;
  };
  const orders = Array.from({ length: 100 }, (_, i) => ({ key: `order-${i}`, amount: 100 + i }));
  const repeats = [...orders, ...orders.slice(0, 20).map((o) => ({ ...o, amount: o.amount + 1 }))];

  it('answers 220 requests with exactly 100 new, 100 duplicate and 20 conflict', async () => {
    assert.deepStrictEqual(await send(orders), { '200 new': 100 });
    assert.deepStrictEqual(await send(repeats), { '200 duplicate': 100, '200 conflict': 20 });
  });

  it('fails closed while the namespace\'s master is down, and has the same claims back after it restarts', async () => {
    const port = await cluster.masterFor('cg:{orders}:claim:order-0');
    await cluster.restartMaster(port, async () => {
      const during = await send(orders.slice(0, 5).map((o) => ({ ...o, key: `${o.key}-during` })));
      assert.deepStrictEqual(during, { '503 error': 5 }, 'nothing passes while the shard is down');
    });
    // The client reconnects to the restarted master by itself; the first answers may still be errors.
    const end = Date.now() + 30_000;
    while ((await send([orders[0]]))['200 duplicate'] !== 1) {
      assert.ok(Date.now() < end, 'the gate answers again within 30 s of the restart');
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepStrictEqual(await send(repeats), { '200 duplicate': 100, '200 conflict': 20 });
    assert.deepStrictEqual(await send(orders.slice(0, 5).map((o) => ({ ...o, key: `${o.key}-during` }))), { '200 new': 5 }, 'the refused keys were never claimed');
  });
});
