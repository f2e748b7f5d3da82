import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { MemoryStore, PostgresStore, RedisStore, SqliteStore, Store, StoreError, openStore } from '../../lib/store';
import { ExpiryHeap } from '../../lib/store/expiry-heap';
import { openSqlite } from '../../lib/store/sqlite-driver';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX, startRedis, stopRedis } from '../support/redis';
import { freePort } from '../support/net';
import { dropSchemas, PG_URL, requirePostgres, runSchema } from '../support/postgres';
import { RedisCluster, redisCli, requireRedisServer, SentinelSet, startCluster, startSentinelSet, startTlsRedis, TlsRedis } from '../support/redis-topologies';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backend {
  name: string;
  before?: (ctx: Mocha.Context) => Promise<void>;
  open(): Promise<Store>;
  /** a second, independent handle / connection on the same data */
  openSecond(): Promise<Store>;
  durable: boolean;
  after?: () => Promise<void>;
  /** tests of this backend's own, run between the claims and the schedule tests (a fail-over mid-run) */
  midRun?: (store: () => Store, ns: () => string) => void;
}

let cluster: RedisCluster | undefined;
let sentinels: SentinelSet | undefined;
let tlsRedis: TlsRedis | undefined;
const TOPOLOGY_START_MS = 90_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-store-'));
const sqliteFile = path.join(tmp, 'contract.sqlite');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pgSchema = runSchema('contract');

const backends: Backend[] = [
  { name: 'memory', durable: false, open: async () => new MemoryStore(), openSecond: async () => { throw new Error('n/a'); } },
  {
    name: 'sqlite',
    durable: true,
    open: async () => new SqliteStore(sqliteFile),
    openSecond: async () => new SqliteStore(sqliteFile),
  },
  {
    name: 'redis',
    durable: true,
    before: requireRedis,
    open: () => RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX }),
    openSecond: () => RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX }),
    after: () => cleanRedis(),
  },
  {
    name: 'postgres',
    durable: true,
    before: requirePostgres,
    open: () => PostgresStore.connect({ url: PG_URL, schema: pgSchema }),
    openSecond: () => PostgresStore.connect({ url: PG_URL, schema: pgSchema }),
    after: () => dropSchemas(pgSchema),
  },
  {
    name: 'redis cluster',
    durable: true,
    before: async (ctx) => {
      requireRedisServer(ctx);
      ctx.timeout(TOPOLOGY_START_MS);
      cluster = await startCluster(3);
    },
    open: () => RedisStore.connect({ url: cluster!.url, prefix: 'fg:' }),
    openSecond: () => RedisStore.connect({ url: cluster!.url, prefix: 'fg:' }),
    after: async () => cluster?.stop(),
    midRun: clusterTests,
  },
  {
    name: 'redis sentinel',
    durable: true,
    before: async (ctx) => {
      requireRedisServer(ctx);
      ctx.timeout(TOPOLOGY_START_MS);
      sentinels = await startSentinelSet();
    },
    // Every claim write waits for the replica: a claim that succeeded is on both before the fail-over below.
    open: () => RedisStore.connect({ url: sentinels!.url, mode: 'sentinel', sentinelName: sentinels!.name, sentinelPassword: sentinels!.sentinelPassword, prefix: 'fg:', waitReplicas: 1, waitTimeoutMs: 2000 }),
    openSecond: () => RedisStore.connect({ url: sentinels!.url, mode: 'sentinel', sentinelName: sentinels!.name, sentinelPassword: sentinels!.sentinelPassword, prefix: 'fg:', waitReplicas: 1, waitTimeoutMs: 2000 }),
    after: async () => sentinels?.stop(),
    midRun: sentinelTests,
  },
  {
    name: 'redis TLS + ACL user',
    durable: true,
    before: async (ctx) => {
      requireRedisServer(ctx);
      ctx.timeout(TOPOLOGY_START_MS);
      tlsRedis = await startTlsRedis();
    },
    open: () => RedisStore.connect({ url: tlsRedis!.url, username: tlsRedis!.username, password: tlsRedis!.password, tls: { ca: tlsRedis!.ca, cert: tlsRedis!.cert, key: tlsRedis!.key }, prefix: 'fg:' }),
    openSecond: () => RedisStore.connect({ url: tlsRedis!.url, username: tlsRedis!.username, password: tlsRedis!.password, tls: { ca: tlsRedis!.ca, cert: tlsRedis!.cert, key: tlsRedis!.key }, prefix: 'fg:' }),
    after: async () => tlsRedis?.stop(),
    midRun: tlsTests,
  },
];

/** Redis Cluster: keys spread over the shards, a resharding followed, a shard's master down and back. */
function clusterTests(store: () => Store, ns: () => string): void {
  describe('cluster', function () {
    this.timeout(60_000);
    const claimKey = (space: string) => `fg:{${space}}:claim:k`;

    it('claims 30 keys in 30 namespaces, spread over all three shards', async () => {
      const spaces = Array.from({ length: 30 }, (_, i) => `${ns()}-${i}`);
      for (const space of spaces) assert.ok((await store().claim(space, 'k', { space }, 60_000)).claimed, space);
      for (const port of cluster!.ports) {
        const keys = await redisCli(['-p', String(port), '--scan', '--pattern', `fg:{${ns()}-*`]);
        assert.ok(keys.trim().length > 0, `shard ${port} holds some of the namespaces`);
      }
      for (const space of spaces) assert.deepStrictEqual((await store().get(space, 'k'))?.value, { space });
    });

    it('given one seed node (automatic mode), finds it is a cluster node and follows the cluster; mode single is refused', async () => {
      const oneSeed = `redis://127.0.0.1:${cluster!.ports[0]}`;
      const store1 = await RedisStore.connect({ url: oneSeed, prefix: 'fg:' });
      try {
        const spaces = Array.from({ length: 30 }, (_, i) => `${ns()}-seed-${i}`);
        for (const space of spaces) assert.ok((await store1.claim(space, 'k', 1, 60_000)).claimed, space);
        for (const space of spaces) assert.strictEqual((await store().claim(space, 'k', 2, 60_000)).claimed, false, `${space} seen by the other handle`);
      } finally {
        await store1.close();
      }
      await assert.rejects(RedisStore.connect({ url: oneSeed, mode: 'single' }), (err: StoreError) => {
        assert.strictEqual(err.code, 'BAD_CONFIG');
        assert.match(err.message, /redis store: redis:\/\/127\.0\.0\.1:\d+ is a Redis Cluster node; choose the mode Redis Cluster \(or automatic\)/);
        return true;
      });
    });

    it('follows a resharding: ASK while a namespace\'s slot moves, MOVED after; a script whose keys are split mid-move fails closed (TRYAGAIN)', async () => {
      const space = ns();
      const held = await store().claim(space, 'before', 1, 60_000);
      await store().enqueue(space, { n: 1 });
      await store().schedule(space, 'due', { n: 1 }, Date.now());
      const slot = await cluster!.slotOf(claimKey(space));
      const from = await cluster!.masterFor(slot);
      const to = cluster!.ports.find((p) => p !== from)!;
      await cluster!.moveSlot(slot, to, async () => {
        // Half moved: a new key of this slot is created on the importing node (ASK), an old one is read where it is.
        assert.ok((await store().claim(space, 'midway', 1, 60_000)).claimed);
        assert.strictEqual((await store().get(space, 'before'))?.token, held.claimed ? held.token : undefined);
        // A script whose keys are split between the two nodes (one moved ahead of the others) is answered TRYAGAIN:
        // the call fails closed and writes nothing (the queue below still holds only its first item).
        await redisCli(['-p', String(from), 'migrate', '127.0.0.1', String(to), '', '0', '5000', 'keys', `fg:{${space}}:entries`]);
        await assert.rejects(store().enqueue(space, { n: 'midway' }), (err: StoreError) => {
          assert.ok(err instanceof StoreError, String(err));
          assert.strictEqual(err.code, 'UNAVAILABLE');
          assert.match(err.message, /TRYAGAIN/);
          return true;
        });
      });
      assert.strictEqual(await cluster!.masterFor(slot), to);
      // The client's slot map is stale now: every call is redirected (MOVED), none fails.
      assert.strictEqual((await store().get(space, 'before'))?.token, held.claimed ? held.token : undefined);
      assert.strictEqual((await store().claim(space, 'midway', 2, 60_000)).claimed, false);
      assert.strictEqual(await store().queueCount(space), 1);
      await store().enqueue(space, { n: 2 });
      assert.deepStrictEqual((await store().queuePage(space, { limit: 10 })).entries.map((e) => e.item), [{ n: 1 }, { n: 2 }]);
      assert.deepStrictEqual((await store().takeDue(space, Date.now(), 10, 60_000)).map((t) => t.id), ['due']);
    });

    it('fails closed while a shard\'s master is down (offline, then CLUSTERDOWN), and has the same claims back after it restarts', async () => {
      const space = ns();
      const tokens = new Map<string, string>();
      for (let i = 0; i < 20; i++) {
        const c = await store().claim(space, `k${i}`, i, 600_000);
        assert.ok(c.claimed);
        tokens.set(`k${i}`, c.token);
      }
      const port = await cluster!.masterFor(claimKey(space));
      await cluster!.restartMaster(port, async () => {
        // No Redis answers for this slot: the call fails with the store's error (the gate fails closed), it does not hang.
        await assert.rejects(store().claim(space, 'while-down', 1, 60_000), (err: StoreError) => {
          assert.ok(err instanceof StoreError, String(err));
          assert.strictEqual(err.code, 'UNAVAILABLE');
          return true;
        });
        // Once the others mark it failed (cluster-node-timeout), the whole cluster answers CLUSTERDOWN (full coverage is
        // required by default), also for a namespace on a healthy shard: that fails closed too.
        const healthy = cluster!.ports.find((p) => p !== port)!;
        await eventuallyOk(async () => assert.match(await redisCli(['-p', String(healthy), 'cluster', 'info']), /cluster_state:fail/));
        let other = `${space}-other`;
        while ((await cluster!.masterFor(`fg:{${other}}:claim:k`, healthy)) === port) other += 'x';
        await assert.rejects(store().claim(other, 'k', 1, 60_000), (err: StoreError) => {
          assert.strictEqual(err.code, 'UNAVAILABLE');
          assert.match(err.message, /CLUSTERDOWN/);
          return true;
        });
      });
      await eventuallyOk(() => store().get(space, 'k0'));
      for (const [key, token] of tokens) assert.strictEqual((await store().get(space, key))?.token, token, key);
      assert.strictEqual((await store().claim(space, 'k0', 'again', 60_000)).claimed, false, 'still held after the restart');
      assert.strictEqual(await store().get(space, 'while-down'), undefined, 'the failed claim left nothing');
    });
  });
}

/** Sentinel: a fail-over mid-run, followed; claims acknowledged by the replica survive it. */
function sentinelTests(store: () => Store, ns: () => string): void {
  describe('sentinel', function () {
    this.timeout(90_000);

    it('follows a fail-over: the claims made before it are held by the new primary, new claims go there', async () => {
      const space = ns();
      const tokens = new Map<string, string>();
      for (let i = 0; i < 20; i++) {
        const c = await store().claim(space, `k${i}`, i, 600_000);
        assert.ok(c.claimed);
        tokens.set(`k${i}`, c.token);
      }
      const before = await sentinels!.primaryPort();
      const after = await sentinels!.failover();
      assert.notStrictEqual(after, before);
      await eventuallyOk(() => store().claim(space, 'after-failover', 1, 60_000));
      for (const [key, token] of tokens) assert.strictEqual((await store().get(space, key))?.token, token, key);
      assert.strictEqual((await store().claim(space, 'k0', 'again', 60_000)).claimed, false);
    });

    it('sentinels with a password of their own: the store connects with the sentinel password, and without it is refused', async () => {
      // The servers have no password here, so a refusal can only come from the sentinels.
      await assert.rejects(RedisStore.connect({ url: sentinels!.url, mode: 'sentinel', sentinelName: sentinels!.name, connectTimeoutMs: 2000 }), (err: StoreError) => {
        assert.match(err.message, /^redis store: cannot connect to sentinel redis:\/\/127\.0\.0\.1:\d+.*(NOAUTH|Authentication|None of the sentinels)/);
        return true;
      });
    });

    it('fails a claim its replicas did not acknowledge (WAIT), naming how many did', async () => {
      const strict = await RedisStore.connect({ url: sentinels!.url, mode: 'sentinel', sentinelName: sentinels!.name, sentinelPassword: sentinels!.sentinelPassword, prefix: 'fg:', waitReplicas: 2, waitTimeoutMs: 200 });
      try {
        await assert.rejects(strict.claim(ns(), 'k', 1, 60_000), (err: StoreError) => {
          assert.strictEqual(err.code, 'NOT_REPLICATED');
          assert.match(err.message, /claim acknowledged by 1 of 2 replicas within 200 ms; it may not survive a fail-over/);
          return true;
        });
      } finally {
        await strict.close();
      }
    });
  });
}

/** TLS + ACL: the client certificate and the user are required, and a wrong one is refused without echoing secrets. */
function tlsTests(): void {
  describe('TLS and ACL', () => {
    it('refuses a connection without the client certificate, and a wrong password without echoing it', async () => {
      const t = tlsRedis!;
      await assert.rejects(RedisStore.connect({ url: t.url, username: t.username, password: t.password, tls: { ca: t.ca }, connectTimeoutMs: 2000 }), /redis store: cannot connect to rediss:\/\/127\.0\.0\.1:\d+: .*certificate required/);
      await assert.rejects(RedisStore.connect({ url: t.url, username: t.username, password: 'wrong-pass-42', tls: { ca: t.ca, cert: t.cert, key: t.key } }), (err: Error) => {
        assert.match(err.message, /WRONGPASS|invalid username-password/);
        assert.ok(!err.message.includes('wrong-pass-42'));
        return true;
      });
      await assert.rejects(RedisStore.connect({ url: t.url, tls: { ca: t.ca, cert: t.cert, key: t.key } }), /cannot connect/, 'the default user is off');
    });

    it('goes over TLS when it is switched on for a redis:// URL (the TLS box, or certificates in the credentials)', async () => {
      const t = tlsRedis!;
      const plainUrl = t.url.replace('rediss://', 'redis://');
      const store = await RedisStore.connect({ url: plainUrl, username: t.username, password: t.password, tls: { ca: t.ca, cert: t.cert, key: t.key } });
      try {
        assert.ok((await store.claim('tls-box', 'k', 1, 60_000)).claimed);
      } finally {
        await store.close();
      }
      // Switched on without certificates: TLS is tried (and this server's own CA is not trusted), not plain text.
      await assert.rejects(RedisStore.connect({ url: plainUrl, username: t.username, password: t.password, tls: true, connectTimeoutMs: 2000 }),
        (err: Error) => {
          assert.ok(err instanceof StoreError, String(err));
          assert.match(err.message, /redis store: cannot connect to rediss:\/\/127\.0\.0\.1:\d+: .*certificate/);
          return true;
        });
    });
  });
}

async function eventuallyOk<T>(work: () => Promise<T>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(200);
    }
  }
}

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, function () {
    let store: Store;
    let nsCounter = 0;
    let ns: string;

    before(async function () {
      if (backend.before) await backend.before(this);
      store = await backend.open();
    });
    after(async () => {
      await store?.close();
      await backend.after?.();
    });
    beforeEach(() => {
      ns = `ns${++nsCounter}-${Date.now()}`;
    });

    describe('claims', () => {
      it('gives the key to the first claim and shows the holder to the next', async () => {
        const first = await store.claim(ns, 'evt_1', { status: 'in-progress' }, 60_000);
        assert.ok(first.claimed);
        const second = await store.claim(ns, 'evt_1', { status: 'other' }, 60_000);
        assert.strictEqual(second.claimed, false);
        if (!second.claimed) {
          assert.deepStrictEqual(second.existing.value, { status: 'in-progress' });
          assert.strictEqual(second.existing.token, first.claimed && first.token);
          assert.ok(second.existing.expiresAt > Date.now());
        }
      });

      it('updates and releases only with the owner token', async () => {
        const c = await store.claim(ns, 'k', 1, 60_000);
        assert.ok(c.claimed);
        const token = c.claimed ? c.token : '';
        assert.strictEqual(await store.update(ns, 'k', 'not-the-token', 2, 60_000), false);
        assert.strictEqual(await store.release(ns, 'k', 'not-the-token'), false);
        assert.strictEqual(await store.update(ns, 'k', token, { done: true }, 60_000), true);
        assert.deepStrictEqual((await store.get(ns, 'k'))?.value, { done: true });
        assert.strictEqual(await store.release(ns, 'k', token), true);
        assert.strictEqual(await store.get(ns, 'k'), undefined);
        assert.ok((await store.claim(ns, 'k', 3, 60_000)).claimed, 'a released key can be claimed again');
      });

      it('expires a claim after its TTL so the key can be claimed again', async () => {
        const c = await store.claim(ns, 'lease', 'x', 80);
        assert.ok(c.claimed);
        await sleep(150);
        assert.strictEqual(await store.get(ns, 'lease'), undefined);
        assert.strictEqual(await store.update(ns, 'lease', c.claimed ? c.token : '', 'y', 1000), false, 'an expired owner cannot complete');
        assert.ok((await store.claim(ns, 'lease', 'z', 60_000)).claimed);
      });

      it('keeps namespaces apart', async () => {
        assert.ok((await store.claim(ns, 'same', 1, 60_000)).claimed);
        assert.ok((await store.claim(`${ns}-other`, 'same', 1, 60_000)).claimed);
      });

      it('gives exactly one of 1,000 concurrent claims of one key the win', async () => {
        const stores = backend.name === 'memory' ? [store] : [store, await backend.openSecond()];
        try {
          const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % stores.length].claim(ns, 'hot', { i }, 60_000)));
          assert.strictEqual(results.filter((r) => r.claimed).length, 1);
        } finally {
          if (stores[1]) await stores[1].close();
        }
      });

      it('answers claims made together each on its own: new keys claimed, a repeat shown the first holder', async () => {
        const made = Array.from({ length: 300 }, (_, i) => store.claim(ns, `t${i % 250}`, { i }, 60_000));
        const other = store.claim(`${ns}-b`, 't0', 'other namespace', 60_000);
        const results = await Promise.all(made);
        results.slice(0, 250).forEach((r, i) => assert.ok(r.claimed, `t${i} claimed`));
        results.slice(250).forEach((r, i) => {
          assert.strictEqual(r.claimed, false, `repeat of t${i}`);
          if (!r.claimed) {
            assert.deepStrictEqual(r.existing.value, { i });
            assert.strictEqual(r.existing.token, (results[i] as { token: string }).token);
          }
        });
        assert.ok((await other).claimed, 'the same key in another namespace is its own claim');
      });
    });

    backend.midRun?.(() => store, () => ns);

    describe('schedule', () => {
      it('leases due items in due order and only once until acked', async () => {
        const now = Date.now();
        await store.schedule(ns, 'b', { n: 'b' }, now - 10);
        await store.schedule(ns, 'a', { n: 'a' }, now - 20);
        await store.schedule(ns, 'later', { n: 'later' }, now + 60_000);
        const taken = await store.takeDue(ns, now, 10, 30_000);
        assert.deepStrictEqual(taken.map((t) => t.id), ['a', 'b']);
        assert.deepStrictEqual(taken[0].item, { n: 'a' });
        assert.deepStrictEqual(await store.takeDue(ns, now, 10, 30_000), [], 'leased items are not due');
        assert.strictEqual(await store.scheduledCount(ns), 3, 'leased items still count until acked');
        assert.strictEqual(await store.ack(ns, 'a', taken[0].lease), true);
        assert.strictEqual(await store.ack(ns, 'a', taken[0].lease), false);
        assert.strictEqual(await store.scheduledCount(ns), 2);
      });

      it('makes an item due again when its lease expires (a crash after take loses nothing)', async () => {
        const now = Date.now();
        await store.schedule(ns, 'x', 'payload', now);
        const [first] = await store.takeDue(ns, now, 1, 1000);
        const [again] = await store.takeDue(ns, now + 1001, 1, 1000);
        assert.strictEqual(again?.id, 'x');
        assert.notStrictEqual(again.lease, first.lease);
        assert.strictEqual(await store.ack(ns, 'x', first.lease), false, 'the stale lease no longer acks');
        assert.strictEqual(await store.ack(ns, 'x', again.lease), true);
      });

      it('takes at most `limit` items; unschedule removes an item', async () => {
        const now = Date.now();
        for (let i = 0; i < 5; i++) await store.schedule(ns, `i${i}`, i, now - 100 + i);
        assert.strictEqual((await store.takeDue(ns, now, 3, 10_000)).length, 3);
        assert.strictEqual(await store.unschedule(ns, 'i4'), true);
        assert.strictEqual(await store.unschedule(ns, 'i4'), false);
        assert.strictEqual(await store.scheduledCount(ns), 4);
      });
    });

    describe('queue', () => {
      it('pages in insertion order, gets, updates, removes and counts', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await store.enqueue(ns, { i }));
        assert.strictEqual(await store.queueCount(ns), 5);
        const seen: unknown[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await store.queuePage(ns, { after, limit: 2 });
          seen.push(...page.entries.map((e) => e.item));
          after = page.next;
          pages++;
        } while (after);
        assert.deepStrictEqual(seen, [0, 1, 2, 3, 4].map((i) => ({ i })));
        assert.strictEqual(pages, 3);
        assert.deepStrictEqual(await store.queueGet(ns, ids[2]), { id: ids[2], item: { i: 2 } });
        assert.strictEqual(await store.queueUpdate(ns, ids[2], { i: 20 }), true);
        assert.deepStrictEqual((await store.queueGet(ns, ids[2]))?.item, { i: 20 });
        assert.strictEqual(await store.queueRemove(ns, ids[2]), true);
        assert.strictEqual(await store.queueCount(ns), 4);
      });

      it('answers unknown ids with undefined / false', async () => {
        assert.strictEqual(await store.queueGet(ns, '999999'), undefined);
        assert.strictEqual(await store.queueUpdate(ns, '999999', 1), false);
        assert.strictEqual(await store.queueRemove(ns, '999999'), false);
      });
    });

    describe('counters', () => {
      it('increments atomically', async () => {
        await Promise.all(Array.from({ length: 50 }, () => store.incr(ns, 'c')));
        assert.strictEqual(await store.incr(ns, 'c', 5), 55);
        assert.strictEqual(await store.counter(ns, 'c'), 55);
        assert.strictEqual(await store.counter(ns, 'never'), 0);
      });

      it('counts within a fixed window when given one, and starts again after it', async () => {
        assert.strictEqual(await store.incr(ns, 'w', 1, 150), 1);
        await sleep(60);
        assert.strictEqual(await store.incr(ns, 'w', 2, 150), 3, 'a later increment adds to the same window');
        assert.strictEqual(await store.counter(ns, 'w'), 3);
        await sleep(120);
        assert.strictEqual(await store.counter(ns, 'w'), 0, 'the window that began with the first increment has passed');
        assert.strictEqual(await store.incr(ns, 'w', 1, 150), 1, 'a new window starts from 0');
        // A counter kept without a window gets one from its next windowed increment.
        await store.incr(ns, 'plain', 4);
        assert.strictEqual(await store.incr(ns, 'plain', 1, 100), 5);
        await sleep(130);
        assert.strictEqual(await store.counter(ns, 'plain'), 0);
        await assert.rejects(store.incr(ns, 'w', 1, 0), /TTL must be a positive number/);
      });
    });

    describe('kv', () => {
      it('gets, puts with versions 1, 2, 3 and deletes', async () => {
        assert.strictEqual(await store.kvGet(ns, 'wm'), undefined);
        assert.strictEqual(await store.kvPut(ns, 'wm', { at: '2024-01-01' }), 1);
        assert.deepStrictEqual(await store.kvGet(ns, 'wm'), { value: { at: '2024-01-01' }, version: 1 });
        assert.strictEqual(await store.kvPut(ns, 'wm', { at: '2024-01-02' }), 2, 'an unconditional put overwrites');
        assert.strictEqual(await store.kvPut(ns, 'wm', 'third', 2), 3);
        assert.deepStrictEqual(await store.kvGet(ns, 'wm'), { value: 'third', version: 3 });
        assert.strictEqual(await store.kvDelete(ns, 'wm'), true);
        assert.strictEqual(await store.kvDelete(ns, 'wm'), false);
        assert.strictEqual(await store.kvGet(ns, 'wm'), undefined);
        assert.strictEqual(await store.kvPut(ns, 'wm', null), 1, 'a deleted key starts again at version 1');
        assert.deepStrictEqual(await store.kvGet(ns, 'wm'), { value: null, version: 1 });
      });

      it('compares the version before writing and leaves the value alone when it differs', async () => {
        assert.strictEqual(await store.kvPut(ns, 'k', 'a', 1), false, 'version 1 expected, but the key is absent');
        assert.strictEqual(await store.kvPut(ns, 'k', 'a', 0), false, 'no key ever has version 0');
        assert.strictEqual(await store.kvGet(ns, 'k'), undefined);
        assert.strictEqual(await store.kvPut(ns, 'k', 'a', null), 1, 'null: create only');
        assert.strictEqual(await store.kvPut(ns, 'k', 'b', null), false, 'null: the key exists now');
        assert.strictEqual(await store.kvPut(ns, 'k', 'b', 2), false, 'a version from the future');
        assert.deepStrictEqual(await store.kvGet(ns, 'k'), { value: 'a', version: 1 });
        assert.strictEqual(await store.kvPut(ns, 'k', 'b', 1), 2);
        assert.strictEqual(await store.kvPut(ns, 'k', 'c', 1), false, 'a stale version');
        assert.deepStrictEqual(await store.kvGet(ns, 'k'), { value: 'b', version: 2 });
        assert.strictEqual(await store.kvGet(`${ns}-other`, 'k'), undefined, 'namespaces are apart');
      });

      it('gives one of many concurrent compare-and-sets of one version the win, from two handles', async () => {
        const stores = backend.name === 'memory' ? [store] : [store, await backend.openSecond()];
        try {
          assert.strictEqual(await store.kvPut(ns, 'hot', 0), 1);
          const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % stores.length].kvPut(ns, 'hot', i + 1, 1)));
          const winners = results.map((r, i) => (r === false ? -1 : i)).filter((i) => i >= 0);
          assert.strictEqual(winners.length, 1);
          assert.strictEqual(results[winners[0]], 2);
          // The winner's value is what every handle reads.
          for (const s of stores) assert.deepStrictEqual(await s.kvGet(ns, 'hot'), { value: winners[0] + 1, version: 2 });
          // Create-only races too: one of both handles creates the key.
          const creates = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % stores.length].kvPut(ns, 'fresh', i, null)));
          assert.strictEqual(creates.filter((r) => r === 1).length, 1);
          assert.strictEqual(creates.filter((r) => r === false).length, 49);
        } finally {
          if (stores[1]) await stores[1].close();
        }
      });

      it('rejects a value that cannot be serialised and an empty key, storing nothing', async () => {
        await assert.rejects(store.kvPut(ns, 'big', { n: BigInt(1) } as any), (err: StoreError) => err instanceof StoreError && err.code === 'NOT_SERIALISABLE');
        await assert.rejects(store.kvPut(ns, 'big', { n: BigInt(1) } as any, 0), /cannot be stored/);
        await assert.rejects(store.kvPut(ns, '', 1), /key must be a non-empty string/);
        assert.strictEqual(await store.kvGet(ns, 'big'), undefined);
      });
    });

    describe('bad input', () => {
      it('rejects a value that cannot be serialised, naming the backend, and stores nothing', async () => {
        const circular: any = { a: 1 };
        circular.self = circular;
        await assert.rejects(store.enqueue(ns, circular), (err: StoreError) => {
          assert.ok(err instanceof StoreError);
          assert.strictEqual(err.code, 'NOT_SERIALISABLE');
          assert.match(err.message, new RegExp(`^${backend.name.split(' ')[0]} store: value cannot be stored`));
          return true;
        });
        await assert.rejects(store.claim(ns, 'big', { n: BigInt(1) } as any, 1000), /cannot be stored/);
        assert.strictEqual(await store.queueCount(ns), 0);
        assert.strictEqual(await store.get(ns, 'big'), undefined);
      });

      it('rejects an empty key and a non-positive TTL', async () => {
        await assert.rejects(store.claim(ns, '', 1, 1000), /key must be a non-empty string/);
        await assert.rejects(store.claim(ns, 'k', 1, 0), /TTL must be a positive number/);
      });
    });

    if (backend.durable) {
      it('keeps claims, schedule, queue, counters and kv values across close and reopen', async () => {
        const c = await store.claim(ns, 'durable', { v: 1 }, 60_000);
        await store.schedule(ns, 'retry-1', { attempt: 1 }, Date.now());
        const qid = await store.enqueue(ns, { parked: true });
        await store.incr(ns, 'n', 7);
        await store.kvPut(ns, 'watermark', { at: 42 });
        await store.close();
        store = await backend.open();
        const held = await store.get(ns, 'durable');
        assert.strictEqual(held?.token, c.claimed ? c.token : undefined);
        assert.deepStrictEqual((await store.takeDue(ns, Date.now(), 10, 1000)).map((t) => t.item), [{ attempt: 1 }]);
        assert.deepStrictEqual((await store.queueGet(ns, qid))?.item, { parked: true });
        assert.strictEqual(await store.counter(ns, 'n'), 7);
        assert.deepStrictEqual(await store.kvGet(ns, 'watermark'), { value: { at: 42 }, version: 1 });
      });
    }
  });
}

describe('store: SQLite across threads', () => {
  it('gives exactly one of 1,000 claims from two threads on one file the win', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fg-store-')), 'threads.sqlite');
    new SqliteStore(file).close();
    const worker = path.join(__dirname, 'store-sqlite-worker.js');
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(worker, { workerData: { file, claims: 500 } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const wins = await Promise.all([run(), run()]);
    assert.strictEqual(wins[0] + wins[1], 1);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});

describe('store: SQLite claims made together share one commit', () => {
  /** WAL frames written since the last checkpoint: one commit writes at least one, whatever it holds. */
  const walFrames = (file: string): number => {
    const db = openSqlite(file);
    try {
      return Number((db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number }).log);
    } finally {
      db.close();
    }
  };
  const truncateWal = (file: string): void => {
    const db = openSqlite(file);
    db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    db.close();
  };

  it('commits 200 claims made in one turn of the event loop in one transaction, each answered on its own', async () => {
    const file = path.join(tmp, 'batch.sqlite');
    const store = new SqliteStore(file);
    try {
      truncateWal(file);
      const claims = Array.from({ length: 200 }, (_, i) => store.claim('batch', `k${i}`, { i }, 60_000));
      const repeat = store.claim('batch', 'k7', { again: true }, 60_000);
      const results = await Promise.all(claims);
      assert.ok(results.every((r) => r.claimed), 'every new key is claimed');
      const again = await repeat;
      assert.strictEqual(again.claimed, false, 'a repeat in the same batch sees the earlier claim');
      if (!again.claimed) assert.deepStrictEqual(again.existing.value, { i: 7 });
      // One commit per claim wrote 200 frames or more; one transaction writes a handful of pages.
      assert.ok(walFrames(file) < 20, `WAL frames: ${walFrames(file)}`);
    } finally {
      await store.close();
    }
  });

  it('keeps call order: an operation called after a claim sees it, even before the claim is answered', async () => {
    const store = new SqliteStore(path.join(tmp, 'order.sqlite'));
    try {
      const claim = store.claim('order', 'k', 'v', 60_000);
      const read = store.get('order', 'k');
      assert.strictEqual((await read)?.value, 'v');
      assert.ok((await claim).claimed);
    } finally {
      await store.close();
    }
  });

  it('commits claims still queued when the store is closed, and refuses claims after', async () => {
    const file = path.join(tmp, 'close.sqlite');
    const store = new SqliteStore(file);
    const queued = store.claim('close', 'k', 'v', 60_000);
    await store.close();
    assert.ok((await queued).claimed);
    await assert.rejects(store.claim('close', 'k2', 'v', 60_000), (err: StoreError) => err.code === 'CLOSED');
    const reopened = new SqliteStore(file);
    try {
      assert.strictEqual((await reopened.get('close', 'k'))?.value, 'v');
    } finally {
      await reopened.close();
    }
  });
});

describe('store: opening fails with the backend and the cause', () => {
  it('sqlite: a path that cannot be created (a file stands where a folder should)', async () => {
    const blocker = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    await assert.rejects(openStore({ backend: 'sqlite', file: path.join(blocker, 'x.sqlite') }), (err: Error) => {
      assert.match(err.message, /^sqlite store: cannot open .*not-a-folder\/x\.sqlite: .*(ENOTDIR|EEXIST)/);
      return true;
    });
  });

  it('redis: connection refused', async () => {
    await assert.rejects(openStore({ backend: 'redis', url: 'redis://127.0.0.1:1' }), (err: Error) => {
      assert.match(err.message, /^redis store: cannot connect to redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
      return true;
    });
  });

  it('redis: wrong password, without echoing the password', async function () {
    await requireRedis(this);
    await assert.rejects(openStore({ backend: 'redis', url: REDIS_URL, username: 'nobody', password: 'wrong-secret-123' }), (err: Error) => {
      assert.match(err.message, /^redis store: cannot connect to .*(WRONGPASS|AUTH)/);
      assert.ok(!err.message.includes('wrong-secret-123'));
      return true;
    });
  });

  it('redis: claims made together go as one script per namespace, not one command each', async function () {
    await requireRedis(this);
    const dir = fs.mkdtempSync(path.join(tmp, 'batch-'));
    const port = await freePort();
    const server = await startRedis(port, dir);
    const store = await RedisStore.connect({ url: `redis://127.0.0.1:${port}`, prefix: 'batch:' });
    const cli = await RedisStore.connect({ url: `redis://127.0.0.1:${port}`, prefix: 'unused:' });
    const calls = async (): Promise<Record<string, number>> => {
      const info = String(await (cli as any).client.info('commandstats'));
      return Object.fromEntries([...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    };
    try {
      // A fresh server loads the script on first use (EVALSHA answers NOSCRIPT, then EVAL): load it before counting.
      await Promise.all([store.claim('warm', 'x', 1, 60_000), store.claim('warm', 'y', 1, 60_000)]);
      const before = await calls();
      const results = await Promise.all([
        ...Array.from({ length: 200 }, (_, i) => store.claim('a', `k${i}`, i, 60_000)),
        ...Array.from({ length: 100 }, (_, i) => store.claim('b', `k${i}`, i, 60_000)),
      ]);
      assert.ok(results.every((r) => r.claimed));
      const after = await calls();
      const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
      assert.strictEqual(delta('set'), 200 + 100, 'every key written (inside the scripts)');
      assert.strictEqual(delta('evalsha'), 2, 'one script call per namespace');
    } finally {
      await cli.close();
      await store.close();
      await stopRedis(server);
    }
  });

  it('redis: a server that holds the connection but stopped answering fails the call, then recovers', async function () {
    await requireRedis(this);
    const dir = fs.mkdtempSync(path.join(tmp, 'paused-'));
    const port = await freePort();
    const server = await startRedis(port, dir);
    const store = await RedisStore.connect({ url: `redis://127.0.0.1:${port}`, prefix: 'paused:', commandTimeoutMs: 300 });
    try {
      assert.ok((await store.claim('ns', 'before', 'v', 60_000)).claimed);
      server.kill('SIGSTOP');
      // Without a timeout this would wait for as long as the server is paused: the gate must fail closed instead.
      await assert.rejects(store.claim('ns', 'during', 'v', 60_000), (err: StoreError) => err.code === 'UNAVAILABLE' && /did not answer within 300 ms/.test(err.message));
      server.kill('SIGCONT');
      assert.ok((await store.claim('ns', 'after', 'v', 60_000)).claimed);
      assert.strictEqual((await store.claim('ns', 'before', 'v', 60_000)).claimed, false);
    } finally {
      await store.close();
      await stopRedis(server);
    }
  });

  it('redis cluster and sentinel: no seed node / sentinel answers, and settings that cannot work', async function () {
    this.timeout(30_000);
    await assert.rejects(openStore({ backend: 'redis', url: 'redis://127.0.0.1:1,redis://127.0.0.1:2', connectTimeoutMs: 1000 }),
      /redis store: cannot connect to cluster redis:\/\/127\.0\.0\.1:1,redis:\/\/127\.0\.0\.1:2: All the root nodes are unavailable/);
    await assert.rejects(openStore({ backend: 'redis', url: 'redis://127.0.0.1:1,127.0.0.1:2', mode: 'sentinel', sentinelName: 'm', connectTimeoutMs: 1000 }),
      /redis store: cannot connect to sentinel redis:\/\/127\.0\.0\.1:1,redis:\/\/127\.0\.0\.1:2: None of the sentinels are available/);
    await assert.rejects(openStore({ backend: 'redis', url: 'redis://a:1,redis://b:2', mode: 'single' }), /2 URLs given for a single Redis; choose the cluster or sentinel mode/);
    await assert.rejects(openStore({ backend: 'redis', url: 'redis://a:26379', mode: 'sentinel' }), /sentinel mode needs the name of the primary/);
  });

  it('postgres: connection refused, without echoing the password', async () => {
    await assert.rejects(openStore({ backend: 'postgres', url: 'postgres://fg:pg-secret-123@127.0.0.1:1/test', connectTimeoutMs: 2000 }), (err: StoreError) => {
      assert.strictEqual(err.code, 'CONNECT_FAILED');
      assert.match(err.message, /^postgres store: cannot open postgres:\/\/127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
      assert.ok(!err.message.includes('pg-secret-123'));
      return true;
    });
  });

  it('postgres: a schema name that is not a plain name', async () => {
    await assert.rejects(openStore({ backend: 'postgres', url: PG_URL, schema: 'x"; DROP TABLE y; --' }), /schema "x"; DROP TABLE y; --" is not a plain name/);
  });

  it('postgres: instances starting together create the schema once', async function () {
    await requirePostgres(this);
    const schema = runSchema('race');
    try {
      const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.connect({ url: PG_URL, schema })));
      assert.ok((await stores[0].claim('ns', 'k', 1, 60_000)).claimed);
      assert.strictEqual((await stores[2].claim('ns', 'k', 1, 60_000)).claimed, false);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await dropSchemas(schema);
    }
  });

  it('an unknown backend', async () => {
    await assert.rejects(openStore({ backend: 'mongo' } as any), /unknown store backend "mongo"/);
  });
});

describe('store: SQLite file of an earlier version', () => {
  it('gains the counter window column and the kv table when opened, and keeps its counters', async () => {
    const file = path.join(tmp, 'v0.sqlite');
    const old = openSqlite(file);
    old.exec('CREATE TABLE fg_counter (ns TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;');
    old.prepare('INSERT INTO fg_counter (ns, key, value) VALUES (?, ?, ?)').run('ns', 'kept', 3);
    old.close();
    const store = new SqliteStore(file);
    try {
      assert.strictEqual(await store.counter('ns', 'kept'), 3);
      assert.strictEqual(await store.incr('ns', 'kept', 1, 60_000), 4);
      assert.strictEqual(await store.incr('ns', 'new', 1, 60_000), 1);
      assert.strictEqual(await store.kvPut('ns', 'added', 'v', null), 1, 'the kv table is created in the older file');
    } finally {
      await store.close();
    }
  });
});

describe('store: memory store drops expired claims', () => {
  it('an expiry heap pops entries earliest first, and only those that are due', () => {
    const heap = new ExpiryHeap();
    let seed = 11;
    const times = Array.from({ length: 500 }, () => (seed = (seed * 48271) % 2147483647) % 1000);
    times.forEach((t, i) => heap.push(`k${i}`, t));
    const popped: number[] = [];
    heap.popExpired(499, (_k, t) => popped.push(t));
    assert.deepStrictEqual(popped, times.filter((t) => t <= 499).sort((a, b) => a - b));
    assert.strictEqual(heap.size, times.filter((t) => t > 499).length);
  });

  it('forgets expired claims as new ones arrive, but keeps a claim whose TTL an update extended', async () => {
    const store = new MemoryStore();
    const held = (s: MemoryStore) => (s as unknown as { claims: Map<string, unknown> }).claims.size;
    const kept = await store.claim('ns', 'kept', 'v', 20);
    assert.ok(kept.claimed);
    assert.ok(await store.update('ns', 'kept', kept.token, 'done', 60_000));
    for (let i = 0; i < 100; i++) await store.claim('ns', `short${i}`, 'v', 20);
    assert.strictEqual(held(store), 101);
    await sleep(40);
    await store.claim('ns', 'later', 'v', 60_000);
    assert.strictEqual(held(store), 2, 'the 100 expired claims are gone, the extended and the new one stay');
    assert.strictEqual((await store.get('ns', 'kept'))?.value, 'done');
  });
});
