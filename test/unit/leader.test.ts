// The leader lease (lib/reliability/leader.ts) and durable values (lib/salesforce/durable.ts) on each backend:
// one leader at a time, renewal, takeover after expiry, release, and compare-and-set saves.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { Leader } from '../../lib/reliability/leader';
import { durableValue } from '../../lib/salesforce/durable';
import { MemoryStore, PostgresStore, RedisStore, SqliteStore, Store } from '../../lib/store';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';
import { dropSchemas, PG_URL, requirePostgres, runSchema } from '../support/postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-leader-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pgSchema = runSchema('leader');

interface Backend {
  name: string;
  before?: (ctx: Mocha.Context) => Promise<void>;
  /** two handles on the same data, as two Node-RED instances would have */
  open(): Promise<[Store, Store]>;
  after?: () => Promise<void>;
}

const backends: Backend[] = [
  { name: 'memory', open: async () => { const s = new MemoryStore(); return [s, s]; } },
  { name: 'sqlite', open: async () => [new SqliteStore(path.join(tmp, 'l.sqlite')), new SqliteStore(path.join(tmp, 'l.sqlite'))] },
  {
    name: 'redis',
    before: requireRedis,
    open: async () => Promise.all([RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX }), RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX })]),
    after: () => cleanRedis(),
  },
  {
    name: 'postgres',
    before: requirePostgres,
    open: async () => Promise.all([PostgresStore.connect({ url: PG_URL, schema: pgSchema }), PostgresStore.connect({ url: PG_URL, schema: pgSchema })]),
    after: () => dropSchemas(pgSchema),
  },
];

for (const backend of backends) {
  describe(`leader lease and durable values (${backend.name})`, function () {
    let a: Store;
    let b: Store;
    let ns: string;
    before(async function () {
      await backend.before?.(this);
      [a, b] = await backend.open();
    });
    beforeEach(() => { ns = `leader-${randomUUID().slice(0, 8)}`; });
    after(async () => {
      await a?.close();
      if (b !== a) await b?.close();
      await backend.after?.();
    });

    it('lets one of two instances lead; the other stays standby while it renews', async () => {
      const one = new Leader(a, { ns, key: 'job', ttlMs: 5000, owner: 'one' });
      const two = new Leader(b, { ns, key: 'job', ttlMs: 5000, owner: 'two' });
      assert.strictEqual(await one.acquire(), true);
      assert.strictEqual(await two.acquire(), false);
      assert.strictEqual(one.isLeader, true);
      assert.strictEqual(two.isLeader, false);
      const before = (await one.holder())!;
      assert.strictEqual(before.value, 'one');
      await sleep(20);
      assert.strictEqual(await one.acquire(), true, 'a renewal keeps the lease');
      const after = (await one.holder())!;
      assert.strictEqual(after.token, before.token, 'renewed, not claimed anew');
      assert.ok(after.expiresAt > before.expiresAt, 'the renewal moved the expiry on');
      assert.strictEqual(await two.acquire(), false);
    });

    it('hands over when the leader stops renewing: takeover after expiry, and the old leader knows it lost', async () => {
      const one = new Leader(a, { ns, key: 'job', ttlMs: 300, owner: 'one' });
      const two = new Leader(b, { ns, key: 'job', ttlMs: 300, owner: 'two' });
      assert.strictEqual(await one.acquire(), true);
      assert.strictEqual(await two.acquire(), false);
      assert.ok(two.heldByOtherUntil! > Date.now() - 1000 && two.heldByOtherUntil! <= Date.now() + 1300, 'the standby learns when the lease ends');
      await sleep(450); // one "dies": no renewal past the TTL
      assert.strictEqual(one.isLeader, false, 'its own view ended with the TTL');
      assert.strictEqual(await two.acquire(), true, 'the standby takes over');
      assert.strictEqual((await two.holder())!.value, 'two');
      assert.strictEqual(await one.acquire(), false, 'the old leader cannot renew a lease now held by another');
      assert.strictEqual(one.isLeader, false);
      assert.strictEqual(two.isLeader, true);
    });

    it('hands over at once on release; releasing a lease not held changes nothing', async () => {
      const one = new Leader(a, { ns, key: 'job', ttlMs: 60_000, owner: 'one' });
      const two = new Leader(b, { ns, key: 'job', ttlMs: 60_000, owner: 'two' });
      assert.strictEqual(await one.acquire(), true);
      await two.release();
      assert.strictEqual((await one.holder())!.value, 'one');
      await one.release();
      assert.strictEqual(one.isLeader, false);
      assert.strictEqual(await one.holder(), undefined);
      assert.strictEqual(await two.acquire(), true);
    });

    it('ends its own view of the lease at TTL after the renewal was sent, before the store expires it', async () => {
      let now = Date.now();
      const one = new Leader(a, { ns, key: 'job', ttlMs: 60_000, now: () => now });
      assert.strictEqual(await one.acquire(), true);
      const stored = (await one.holder())!.expiresAt;
      now += 60_000;
      assert.strictEqual(one.isLeader, false);
      assert.ok(now <= stored + 5, 'local view ends no later than the stored expiry');
    });

    it('saves a durable value with compare-and-set: a writer that did not see the latest value is refused', async () => {
      const mine = durableValue<{ n: number }>(a, ns, 'wm');
      const theirs = durableValue<{ n: number }>(b, ns, 'wm');
      assert.strictEqual(await mine.load(), undefined);
      await mine.save({ n: 1 });
      assert.deepStrictEqual(await theirs.load(), { n: 1 });
      await theirs.save({ n: 2 });
      await assert.rejects(mine.save({ n: 3 }), (err: any) => err.code === 'DURABLE_VALUE_MOVED');
      assert.deepStrictEqual(await mine.load(), { n: 2 }, 'the newer value stayed');
      await mine.save({ n: 3 });
      assert.deepStrictEqual((await a.kvGet(ns, 'wm'))?.value, { n: 3 });
    });

    it('reads a value stored by an earlier version as a claim, moves it to kv and releases the claim', async () => {
      await a.claim(ns, 'wm', { stamp: '2026-01-01T00:00:00.000Z', lastId: '001' }, 10 * 365 * 24 * 3600_000);
      const wm = durableValue<{ stamp: string; lastId: string }>(b, ns, 'wm');
      assert.deepStrictEqual(await wm.load(), { stamp: '2026-01-01T00:00:00.000Z', lastId: '001' });
      assert.strictEqual(await a.get(ns, 'wm'), undefined, 'the old claim is gone');
      await wm.save({ stamp: '2026-01-02T00:00:00.000Z', lastId: '002' });
      assert.deepStrictEqual((await a.kvGet(ns, 'wm'))?.value, { stamp: '2026-01-02T00:00:00.000Z', lastId: '002' });
    });
  });
}
