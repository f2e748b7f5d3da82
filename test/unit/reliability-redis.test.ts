import * as assert from 'assert';
import { RetryScheduler } from '../../lib/reliability/retry';
import { IdempotencyGate } from '../../lib/reliability/idempotency';
import { DurableSequencer } from '../../lib/reliability/sequencer';
import { RedisStore } from '../../lib/store';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

describe('reliability on two Redis connections (two instances)', function () {
  const stores: RedisStore[] = [];

  before(async function () {
    await requireRedis(this);
    for (let i = 0; i < 2; i++) stores.push(await RedisStore.connect({ url: REDIS_URL, prefix: `${RUN_PREFIX}multi:` }));
  });
  after(async () => {
    for (const s of stores) await s.close();
    await cleanRedis();
  });

  it('emits each pending retry from exactly one instance', async () => {
    const opts = { maxAttempts: 3, backoff: { baseMs: 1, factor: 1, capMs: 1, jitter: 'none' as const }, classify: {}, leaseMs: 10_000 };
    const [a, b] = stores.map((s) => new RetryScheduler(s, 'retry:shared', opts));
    for (let i = 0; i < 40; i++) await a.onFailure({ payload: i, error: { message: 'x', code: 'ECONNRESET', service: 'acme', retryable: true } }, undefined);
    await new Promise((r) => setTimeout(r, 20));
    const emitted: number[] = [];
    for (let round = 0; round < 10; round++) {
      const [fromA, fromB] = await Promise.all([a.takeDue(7), b.takeDue(7)]);
      emitted.push(...fromA.map((m) => m.payload), ...fromB.map((m) => m.payload));
    }
    assert.strictEqual(emitted.length, 40);
    assert.strictEqual(new Set(emitted).size, 40);
    assert.strictEqual(await a.pending(), 0);
  });

  it('shares the circuit: failures counted on one instance open it for the other', async () => {
    const opts = { maxAttempts: 3, backoff: { baseMs: 1, factor: 1, capMs: 1, jitter: 'none' as const }, classify: {}, leaseMs: 10_000, circuit: { threshold: 2, cooldownMs: 60_000, probeWindowMs: 60_000 } };
    const [a, b] = stores.map((s) => new RetryScheduler(s, 'retry:cb', opts));
    await a.onFailure({ payload: 1, error: { message: 'x', code: 'ECONNRESET', service: 'acme', retryable: true } }, 'acme');
    const out = await b.onFailure({ payload: 2, error: { message: 'x', code: 'ECONNRESET', service: 'acme', retryable: true } }, 'acme');
    assert.ok(out.kind === 'scheduled' && out.circuit === 'open');
    assert.strictEqual(await a.breaker!.state('acme'), 'open');
  });

  it('lets exactly one of many concurrent claims through', async () => {
    const gates = stores.map((s) => new IdempotencyGate(s, 'race', { leaseMs: 10_000, resultTtlMs: 10_000 }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => gates[i % 2].check('evt_9', 'fp')));
    assert.strictEqual(results.filter((r) => r.kind === 'new').length, 1);
  });

  it('sequencer: two instances keep one key in order with one msg in flight', async () => {
    const opts = { concurrency: 10, timeoutMs: 60_000, maxQueued: 100, leaderTtlMs: 5000 };
    const [a, b] = stores.map((s) => new DurableSequencer(s, 'seq:shared', opts));
    for (let i = 1; i <= 4; i++) await (i % 2 ? a : b).enqueue('cus_1', { n: i });
    const order: number[] = [];
    for (let round = 0; round < 4; round++) {
      const started = (await Promise.all([a.startDue(), b.startDue()])).flat();
      assert.strictEqual(started.length, 1, 'one in flight for the key');
      order.push(started[0].msg.n);
      // Released by the other instance than the one that started it.
      assert.ok(await (round % 2 ? a : b).release('cus_1', started[0].token));
    }
    assert.deepStrictEqual(order, [1, 2, 3, 4]);
    assert.deepStrictEqual(await a.stats(), { inFlight: 0, queued: 0 });
    await a.stop();
    await b.stop();
  });
});
