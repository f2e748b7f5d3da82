import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, getNode, load, unload } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

describe('fg-store-config', () => {
  afterEach(() => unload());

  it('opens a memory store', async () => {
    await load(['fg-store-config'], [{ id: 's1', type: 'fg-store-config', backend: 'memory' }]);
    const store = await getNode('s1').getStore();
    assert.strictEqual(store.backend, 'memory');
    assert.strictEqual(getNode('s1').state, 'connected');
  });

  it('opens a SQLite file relative to the user dir and keeps data across a redeploy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-cfg-'));
    const flow = [{ id: 's1', type: 'fg-store-config', backend: 'sqlite', sqlitePath: path.join(dir, 'a.sqlite') }];
    await load(['fg-store-config'], flow);
    await (await getNode('s1').getStore()).enqueue('t', { kept: true });
    await unload();
    await load(['fg-store-config'], flow);
    assert.strictEqual(await (await getNode('s1').getStore()).queueCount('t'), 1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes the Redis password from credentials and closes the connection on redeploy', async function () {
    await requireRedis(this);
    await load(['fg-store-config'], [{ id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: REDIS_URL, redisPrefix: RUN_PREFIX }], {
      s1: { username: '', password: '' },
    });
    const store = await getNode('s1').getStore();
    assert.strictEqual(store.backend, 'redis');
    assert.ok(store.isReady());
    await unload();
    assert.strictEqual(store.isReady(), false);
    await cleanRedis();
  });

  it('reports a store that cannot open: state failed, an error naming the backend, no secret logged', async () => {
    await load(['fg-store-config'], [{ id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: 'redis://127.0.0.1:1' }], {
      s1: { username: 'u', password: 'p4ssw0rd-secret' },
    });
    const node = getNode('s1');
    await assert.rejects(node.getStore(), /redis store: cannot connect to redis:\/\/127\.0\.0\.1:1/);
    await eventually(() => node.state === 'failed', 'state failed');
    const logged = node.error.getCalls().map((c: any) => String(c.args[0])).join('\n');
    assert.match(logged, /store not available: redis store: cannot connect/);
    assert.ok(!logged.includes('p4ssw0rd-secret'));
  });
});

// Cleans keys of the Redis test above even if it failed half way.
after(() => cleanRedis());
