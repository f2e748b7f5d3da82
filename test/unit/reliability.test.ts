import * as assert from 'assert';
import * as vm from 'vm';
import { backoffDelay, parseRetryAfter } from '../../lib/reliability/backoff';
import { canonicalJson, fingerprint, toStorableMsg } from '../../lib/reliability/canonical';
import { CircuitBreaker } from '../../lib/reliability/circuit';
import { classifyError, errorOf, parseCodeList } from '../../lib/reliability/classify';
import { DeadLetterQueue, matches, parseFilter, parseSelection, toDeadLetter } from '../../lib/reliability/dead-letter';
import { IdempotencyGate } from '../../lib/reliability/idempotency';
import { ClaimResult, Json, MemoryStore } from '../../lib/store';
import { DurableSequencer } from '../../lib/reliability/sequencer';

describe('reliability: canonical JSON and fingerprints', () => {
  it('ignores key order at every level and keeps array order', () => {
    assert.strictEqual(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
    assert.strictEqual(fingerprint({ a: 1, b: { c: 2, d: 3 } }), fingerprint({ b: { d: 3, c: 2 }, a: 1 }));
    assert.notStrictEqual(fingerprint([1, 2]), fingerprint([2, 1]));
    assert.match(fingerprint('x'), /^[0-9a-f]{64}$/);
  });

  it('keeps the text (and so every stored fingerprint) of earlier versions', () => {
    // Fingerprints live in the store for a day; an upgrade must not turn a duplicate into a conflict.
    const value = { z: [1, -0, 1e21, NaN, null, undefined, 'é"\n'], a: { '10': true, '2': false, b: undefined }, d: new Date(0) };
    assert.strictEqual(canonicalJson(value), '{"a":{"10":true,"2":false},"d":"1970-01-01T00:00:00.000Z","z":[1,0,1e+21,null,null,null,"é\\"\\n"]}');
    assert.strictEqual(fingerprint({ order: 1, amount: 1000 }), 'bd04fd688739d9d912a1e93638a44f9df177d50f8eaec9b94fb4607916cefa24');
  });

  it('matches a plain sorted-keys serialisation on random values', () => {
    // Reference: sort keys by code units, let JSON.stringify write every leaf and every key.
    const reference = (v: any): string | undefined => {
      if (v === undefined) return undefined;
      if (v === null || typeof v !== 'object') return JSON.stringify(v);
      if (Array.isArray(v)) return `[${v.map((x) => reference(x) ?? 'null').join(',')}]`;
      const parts = Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${reference(v[k])}`);
      return `{${parts.join(',')}}`;
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const leaves = [0, -1.5, 2 ** 53, NaN, Infinity, '', 'a"b', '\u2028', 'ü', true, false, null, undefined];
    const keys = ['a', 'B', '10', '9', 'é', '__proto__x', '', 'aa', 'a b'];
    const gen = (depth: number): any => {
      const kind = depth > 3 ? 0 : rnd(3);
      if (kind === 0) return leaves[rnd(leaves.length)];
      if (kind === 1) return Array.from({ length: rnd(4) }, () => gen(depth + 1));
      const o: any = {};
      for (let i = rnd(5); i > 0; i--) o[keys[rnd(keys.length)]] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const v = gen(0);
      assert.strictEqual(canonicalJson(v), reference(v) ?? 'null', JSON.stringify(v));
    }
  });

  it('refuses what JSON cannot represent instead of hashing something else', () => {
    const circular: any = { a: 1 };
    circular.self = circular;
    assert.throws(() => fingerprint(circular), /value\.self is circular/);
    assert.throws(() => fingerprint({ n: 1n }), /value\.n is a bigint/);
    assert.throws(() => fingerprint({ f: () => 1 }), /is a function/);
    assert.throws(() => fingerprint({ list: [1, { deep: [2n] }] }), /value\.list\[1\]\.deep\[0\] is a bigint/);
  });

  it('makes a storable copy of a msg: drops live objects, notes them, masks secrets', () => {
    const circular: any = { x: 1 };
    circular.me = circular;
    const { msg, removed } = toStorableMsg({
      payload: { when: new Date(0), big: 10n, buf: Buffer.from('hi'), fn: () => 1, c: circular, password: 'hunter2!' },
      req: {}, res: {}, idempotency: { token: 'owner-1' },
    }, [['idempotency', 'token']]);
    assert.deepStrictEqual(msg.payload, { when: '1970-01-01T00:00:00.000Z', big: '10', buf: { type: 'Buffer', data: [104, 105] }, c: { x: 1 }, password: '***' });
    assert.strictEqual(msg.idempotency.token, 'owner-1');
    assert.deepStrictEqual(removed.sort(), ['msg.payload.c.me', 'msg.payload.fn', 'msg.req', 'msg.res']);
  });

  it('keeps objects, arrays and dates built in another realm (a function node runs in a vm context)', () => {
    // Regression: objects from a function node's sandbox have that context's Object.prototype and were dropped.
    const built = vm.runInNewContext('({ payload: { orderId: "o-1", amount: 1999, lines: [{ sku: "a" }], at: new Date(0) } })');
    const { msg, removed } = toStorableMsg(built);
    assert.deepStrictEqual(msg, { payload: { orderId: 'o-1', amount: 1999, lines: [{ sku: 'a' }], at: '1970-01-01T00:00:00.000Z' } });
    assert.deepStrictEqual(removed, []);
  });
});

describe('reliability: backoff', () => {
  const opts = { baseMs: 100, factor: 2, capMs: 1000, jitter: 'none' as const };

  it('grows exponentially up to the cap', () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(opts, a)), [100, 200, 400, 800, 1000, 1000]);
  });

  it('full jitter spans 0..delay, equal jitter delay/2..delay', () => {
    assert.strictEqual(backoffDelay({ ...opts, jitter: 'full' }, 3, undefined, () => 0), 0);
    assert.strictEqual(backoffDelay({ ...opts, jitter: 'full' }, 3, undefined, () => 0.5), 200);
    assert.strictEqual(backoffDelay({ ...opts, jitter: 'equal' }, 3, undefined, () => 0), 200);
    assert.strictEqual(backoffDelay({ ...opts, jitter: 'equal' }, 3, undefined, () => 0.999), 400);
  });

  it('never retries before Retry-After', () => {
    assert.strictEqual(backoffDelay(opts, 1, 5000), 5000);
    assert.strictEqual(backoffDelay(opts, 4, 10), 800);
    assert.strictEqual(parseRetryAfter('3'), 3000);
    assert.strictEqual(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.strictEqual(parseRetryAfter('soon'), undefined);
  });
});

describe('reliability: error classification', () => {
  const cases: [string, unknown, 'retryable' | 'permanent'][] = [
    ['network error', { message: 'socket hang up', code: 'ECONNRESET' }, 'retryable'],
    ['408', { message: 'timeout', status: 408 }, 'retryable'],
    ['425', { message: 'too early', statusCode: 425 }, 'retryable'],
    ['429', { message: 'slow down', status: 429 }, 'retryable'],
    ['502', { message: 'bad gateway', status: 502 }, 'retryable'],
    ['404', { message: 'not found', status: 404 }, 'permanent'],
    ['validation', { message: 'bad', code: 'VALIDATION' }, 'permanent'],
    ['Stripe lock_timeout', { message: 'l', code: 'lock_timeout', service: 'stripe', status: 400, retryable: false }, 'retryable'],
    ['a Stripe error judged not retryable on a 500', { message: 'x', code: 'api_error', service: 'stripe', status: 500, retryable: false }, 'permanent'],
    ['Stripe-Should-Retry: false on a lock_timeout', { message: 'x', code: 'lock_timeout', service: 'stripe', status: 400, retryable: false, details: { shouldRetry: false } }, 'permanent'],
    ['Stripe-Should-Retry: true on a 400', { message: 'x', code: 'x', service: 'stripe', status: 400, retryable: false, details: { shouldRetry: true } }, 'retryable'],
    ['Salesforce UNABLE_TO_LOCK_ROW', { message: 'l', code: 'UNABLE_TO_LOCK_ROW', service: 'salesforce', retryable: false }, 'retryable'],
    ['Salesforce REQUEST_LIMIT_EXCEEDED', { message: 'l', code: 'REQUEST_LIMIT_EXCEEDED', service: 'salesforce', status: 403, retryable: false }, 'retryable'],
    ['Snowflake warehouse busy', { message: 'w', code: '000625', service: 'snowflake', retryable: false }, 'retryable'],
    ['Snowflake syntax error', { message: 's', code: '001003', service: 'snowflake', retryable: false }, 'permanent'],
  ];
  for (const [name, error, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.strictEqual(classifyError(error), expected));
  }

  it('lets users add codes and statuses to either class', () => {
    assert.strictEqual(classifyError({ message: 'x', status: 404 }, { retryableCodes: parseCodeList('404, card_busy') }), 'retryable');
    assert.strictEqual(classifyError({ message: 'x', status: 503 }, { permanentCodes: ['503'] }), 'permanent');
    assert.strictEqual(classifyError({ message: 'x', code: 'lock_timeout' }, { permanentCodes: ['lock_timeout'] }), 'permanent');
  });

  it('recovers the FlowError a Catch node moved to msg._error, and network codes from core node text', () => {
    const fe = errorOf({ error: { message: 'x', source: { id: 'n1' } }, _error: { message: 'x', code: 'rate_limit', service: 'stripe', retryable: true } });
    assert.strictEqual(fe.code, 'rate_limit');
    assert.deepStrictEqual(fe.source, { id: 'n1' });
    const http = errorOf({ error: { message: 'RequestError: connect ECONNREFUSED 127.0.0.1:9', source: { id: 'h' } } });
    assert.strictEqual(http.code, 'ECONNREFUSED');
    assert.strictEqual(classifyError(http), 'retryable');
    assert.strictEqual(classifyError(errorOf({ error: { message: 'x' }, statusCode: 503 })), 'retryable');
  });
});

describe('reliability: circuit breaker (state in the store)', () => {
  it('opens after the threshold, lets one probe through when half-open, re-opens on failure, closes on success', async () => {
    const store = new MemoryStore();
    const cb = new CircuitBreaker(store, 'cb', { threshold: 2, cooldownMs: 100, probeWindowMs: 100 });
    const other = new CircuitBreaker(store, 'cb', { threshold: 2, cooldownMs: 100, probeWindowMs: 100 });
    assert.strictEqual(await cb.onFailure('svc'), 'closed');
    assert.strictEqual((await cb.decide('svc')).allow, true);
    assert.strictEqual(await cb.onFailure('svc'), 'open');
    const open = await other.decide('svc');
    assert.strictEqual(open.state, 'open');
    assert.strictEqual(open.allow, false);
    assert.ok(open.retryAt! > Date.now());

    await new Promise((r) => setTimeout(r, 120));
    const probe = await cb.decide('svc');
    assert.deepStrictEqual([probe.state, probe.allow], ['half-open', true]);
    const second = await other.decide('svc');
    assert.deepStrictEqual([second.state, second.allow], ['half-open', false], 'only one probe at a time');

    assert.strictEqual(await cb.onFailure('svc'), 'open', 'a failed probe re-opens');
    await new Promise((r) => setTimeout(r, 120));
    assert.strictEqual((await cb.decide('svc')).allow, true);
    await cb.onSuccess('svc');
    assert.strictEqual(await other.state('svc'), 'closed');
    assert.strictEqual((await other.decide('svc')).allow, true);
  });

  it('closes by itself when a probe window passes without a new failure', async () => {
    const store = new MemoryStore();
    const cb = new CircuitBreaker(store, 'cb', { threshold: 1, cooldownMs: 50, probeWindowMs: 50 });
    await cb.onFailure('svc');
    await new Promise((r) => setTimeout(r, 70));
    const now = Date.now();
    assert.strictEqual((await cb.decide('svc', now)).allow, true);
    const later = await cb.decide('svc', now + 60);
    assert.deepStrictEqual([later.state, later.allow], ['closed', true]);
  });
});

describe('reliability: circuit breaker failure window', () => {
  it('opens only when the threshold is reached within the failure window', async () => {
    const store = new MemoryStore();
    const cb = new CircuitBreaker(store, 'cb', { threshold: 3, cooldownMs: 1000, probeWindowMs: 1000, failureWindowMs: 80 });
    // Failures further apart than the window never add up (before: 3 failures a day apart opened the circuit).
    for (let i = 0; i < 3; i++) {
      assert.strictEqual(await cb.onFailure('svc'), 'closed');
      assert.strictEqual(await cb.onFailure('svc'), 'closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.strictEqual(await cb.state('svc'), 'closed');
    // Three within one window do.
    await cb.onFailure('svc');
    await cb.onFailure('svc');
    assert.strictEqual(await cb.onFailure('svc'), 'open');
  });

  it('stays tripped after the failure window passed: only a probe can close it', async () => {
    const store = new MemoryStore();
    const cb = new CircuitBreaker(store, 'cb', { threshold: 1, cooldownMs: 60, probeWindowMs: 1000, failureWindowMs: 20 });
    assert.strictEqual(await cb.onFailure('svc'), 'open');
    await new Promise((r) => setTimeout(r, 90));
    const probe = await cb.decide('svc');
    assert.deepStrictEqual([probe.state, probe.allow], ['half-open', true]);
    assert.deepStrictEqual((await cb.decide('svc')).allow, false, 'everything else waits for the probe');
    assert.strictEqual(await cb.onFailure('svc'), 'open', 'the failed probe re-opens at once, whatever the window');
  });
});

describe('reliability: durable sequencer', () => {
  it('keeps per-key order when the key is released while a batch is being started', async () => {
    // Regression: a2 was put back (a1 in flight), a release of a1 came in, and a3 of the same batch took the key.
    class ReleasingStore extends MemoryStore {
      duringFailedClaim?: () => Promise<unknown>;
      override async claim(ns: string, key: string, value: Json, ttlMs: number): Promise<ClaimResult> {
        const result = await super.claim(ns, key, value, ttlMs);
        const hook = this.duringFailedClaim;
        if (!result.claimed && key === 'key:a' && hook) {
          this.duringFailedClaim = undefined;
          await hook();
        }
        return result;
      }
    }
    const store = new ReleasingStore();
    const seq = new DurableSequencer(store, 'sq', { concurrency: 10, timeoutMs: 60_000, maxQueued: 100, leaderTtlMs: 5000 });
    for (const n of [1, 2, 3]) await seq.enqueue('a', { n });
    const [first, ...none] = await seq.startDue();
    assert.deepStrictEqual([first.msg.n, none.length], [1, 0]);
    store.duringFailedClaim = () => seq.release('a', first.token);
    assert.deepStrictEqual((await seq.startDue()).map((s) => s.msg.n), [], 'a3 must not overtake a2');
    assert.deepStrictEqual((await seq.startDue()).map((s) => s.msg.n), [2]);
  });
});

describe('reliability: idempotency gate service', () => {
  it('new, duplicate in progress, completed with result, conflict, release', async () => {
    const gate = new IdempotencyGate(new MemoryStore(), 'ns', { leaseMs: 1000, resultTtlMs: 1000 });
    const first = await gate.check('k', 'f1');
    assert.strictEqual(first.kind, 'new');
    assert.deepStrictEqual((await gate.check('k', 'f1')).kind, 'duplicate');
    assert.deepStrictEqual(await gate.check('k', 'f2'), { kind: 'conflict', storedFingerprint: 'f1' });
    if (first.kind !== 'new') throw new Error('unreachable');
    await assert.rejects(gate.complete('k', 'not-the-token', 1), /claim is no longer held/);
    await gate.complete('k', first.token, { id: 'ch_1' });
    const dup = await gate.check('k', 'f1');
    assert.ok(dup.kind === 'duplicate' && dup.status === 'completed');
    assert.deepStrictEqual(dup.kind === 'duplicate' && dup.result, { id: 'ch_1' });
    await assert.rejects(gate.release('k', first.token + 'x'), /claim is no longer held/);
  });
});

describe('reliability: dead-letter requests', () => {
  it('accepts {ids} or {all, filter} and rejects anything else', () => {
    assert.deepStrictEqual(parseSelection({ ids: ['1', 2] }), { ids: ['1', '2'] });
    assert.deepStrictEqual(parseSelection({ all: true, filter: { code: 'x', since: '1970-01-01T00:00:01Z' } }), { all: true, filter: { code: 'x', since: 1000 } });
    for (const bad of [null, {}, { ids: [] }, { ids: [{}] }, { all: 'yes' }]) assert.throws(() => parseSelection(bad), /malformed request/);
    assert.throws(() => parseFilter({ since: 'nope' }), /since must be epoch ms or an ISO date/);
  });

  const failed = (payload: unknown) => ({ payload, error: { message: 'x', code: 'c', service: 's', retryable: false } });

  it('scheduled replay filter: codes, parked before a time, replayed fewer times than a maximum', () => {
    const entry = (code: string, parkedAt: number, count?: number) =>
      toDeadLetter({ payload: 1, error: { message: 'x', code }, ...(count === undefined ? {} : { replay: { count } }) }, { now: parkedAt });
    const due = { codes: ['RATE', 'LOCK'], before: 1000, replayedFewerThan: 2 };
    assert.ok(matches(entry('LOCK', 999), due));
    assert.ok(matches(entry('RATE', 0, 1), due));
    assert.ok(!matches(entry('OTHER', 0), due), 'another code');
    assert.ok(!matches(entry('LOCK', 1000), due), 'parked at the cut-off: not yet due');
    assert.ok(!matches(entry('LOCK', 0, 2), due), 'replayed twice already');
    assert.ok(matches(entry('OTHER', 5000, 9), { codes: [] }), 'no codes: any code');
  });

  it('replays an entry once even when two callers race, and removes it only when acknowledged', async () => {
    const store = new MemoryStore();
    const a = new DeadLetterQueue(store, 'q');
    const b = new DeadLetterQueue(store, 'q');
    const { id } = await a.park(failed(1));
    const [ra, rb] = await Promise.all([a.take([id], 60_000), b.take([id], 60_000)]);
    assert.strictEqual(ra.taken.length + rb.taken.length, 1);
    assert.deepStrictEqual([...ra.missing, ...rb.missing], [id]);
    const [lease] = [...ra.taken, ...rb.taken];
    assert.deepStrictEqual([lease.msg.payload, lease.msg.replay.id, lease.msg.replay.count, lease.msg.error], [1, id, 1, undefined]);
    assert.strictEqual(await a.depth(), 1, 'still parked while the replay is not acknowledged');
    assert.strictEqual(await a.inFlight(), 1);
    assert.strictEqual(await a.ack(lease), true);
    assert.deepStrictEqual([await a.depth(), await a.inFlight()], [0, 0]);
    assert.deepStrictEqual((await a.take([id], 60_000)).missing, [id]);
  });

  it('hands out a replay that was taken and never acknowledged again once its lease has ended (at least once)', async () => {
    const store = new MemoryStore();
    const crashed = new DeadLetterQueue(store, 'q');
    const { id } = await crashed.park(failed('kept'));
    await crashed.park(failed('untouched'));
    const { taken } = await crashed.take([id], 30); // sent (or not), then the process died: no ack
    assert.strictEqual(taken.length, 1);
    const restarted = new DeadLetterQueue(store, 'q');
    assert.deepStrictEqual(await restarted.takeInterrupted(30), [], 'not while the lease runs');
    await new Promise((r) => setTimeout(r, 40));
    const again = await restarted.takeInterrupted(30);
    assert.deepStrictEqual(again.map((l) => [l.id, l.msg.payload]), [[id, 'kept']], 'only the interrupted entry');
    assert.strictEqual(await restarted.ack(again[0]), true);
    assert.deepStrictEqual([await restarted.depth(), await restarted.inFlight()], [1, 0]);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepStrictEqual(await restarted.takeInterrupted(30), []);
  });

  it('drops the marker of an interrupted replay whose entry was discarded meanwhile', async () => {
    const store = new MemoryStore();
    const q = new DeadLetterQueue(store, 'q');
    const { id } = await q.park(failed(1));
    await q.take([id], 30);
    assert.strictEqual(await q.discard(id), true);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepStrictEqual(await q.takeInterrupted(30), []);
    assert.strictEqual(await q.inFlight(), 0);
  });
});
