import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, FlowNode, getNode, load, receive, reportedErrors, unload } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

const SETS = ['fg-store-config', 'fg-retry'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-retry-'));
let n = 0;

function storeNode(backend: string, name = `r${++n}`): FlowNode {
  if (backend === 'sqlite') return { id: 's1', type: 'fg-store-config', backend, sqlitePath: path.join(tmp, `${name}.sqlite`) };
  if (backend === 'redis') return { id: 's1', type: 'fg-store-config', backend, redisUrl: REDIS_URL, redisPrefix: `${RUN_PREFIX}${name}:` };
  return { id: 's1', type: 'fg-store-config', backend };
}

function retryFlow(store: FlowNode, retry: Record<string, unknown> = {}): FlowNode[] {
  return [
    store,
    { id: 'rt', type: 'fg-retry', store: 's1', maxAttempts: 2, baseMs: 20, factor: 2, capMs: 1000, jitter: 'none', pollMs: 20, ...retry, wires: [['again'], ['exhausted']] },
    { id: 'again', type: 'helper' }, { id: 'exhausted', type: 'helper' },
  ];
}

const unavailable = (extra: Record<string, unknown> = {}) => ({ message: 'Service Unavailable', code: 'api_error', service: 'acme', status: 503, retryable: true, ...extra });

for (const backend of ['memory', 'sqlite', 'redis']) {
  describe(`fg-retry on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('retries a retryable error with backoff, then gives up on the exhausted output with the history', async () => {
      await load(SETS, retryFlow(storeNode(backend), { circuit: false }));
      const first = receive('again');
      getNode('rt').receive({ payload: { amount: 5 }, correlationId: 'c-1', error: unavailable() });
      const [m1] = await first;
      assert.deepStrictEqual(m1.payload, { amount: 5 });
      assert.strictEqual(m1.retry.attempt, 1);
      assert.strictEqual(m1.retry.maxAttempts, 2);
      assert.strictEqual(m1.retry.history[0].delayMs, 20);

      const second = receive('again');
      getNode('rt').receive({ ...m1, error: unavailable() });
      const [m2] = await second;
      assert.strictEqual(m2.retry.attempt, 2);
      assert.strictEqual(m2.retry.history[1].delayMs, 40, 'exponential: base × factor');

      const out = receive('exhausted');
      getNode('rt').receive({ ...m2, error: unavailable() });
      const [gone] = await out;
      assert.strictEqual(gone.retry.reason, 'exhausted');
      assert.strictEqual(gone.retry.history.length, 3);
    });

    it('sends a permanent error straight to the exhausted output; user codes can make it retryable', async () => {
      await load(SETS, retryFlow(storeNode(backend), { circuit: false, retryableCodes: 'card_busy, 409' }));
      const out = receive('exhausted');
      getNode('rt').receive({ payload: 1, error: { message: 'bad param', code: 'parameter_invalid', service: 'stripe', status: 400, retryable: false } });
      const [p] = await out;
      assert.strictEqual(p.retry.reason, 'permanent');
      assert.strictEqual(p.retry.attempt, 0);

      const again = receive('again', 2);
      getNode('rt').receive({ payload: 2, error: { message: 'busy', code: 'card_busy', service: 'stripe', status: 402, retryable: false } });
      getNode('rt').receive({ payload: 3, error: { message: 'conflict', code: 'x', service: 'stripe', status: 409, retryable: false } });
      assert.deepStrictEqual((await again).map((m) => m.payload).sort(), [2, 3]);
    });

    it('waits at least what Retry-After asked', async () => {
      await load(SETS, retryFlow(storeNode(backend), { circuit: false }));
      const again = receive('again');
      getNode('rt').receive({ payload: 1, error: unavailable({ status: 429, retryAfterMs: 300 }) });
      const [m] = await again;
      assert.strictEqual(m.retry.history[0].delayMs, 300);
      assert.strictEqual(m.retry.nextAt - m.retry.history[0].at, 300);
    });

    it('keeps a msg from an HTTP-in flow storable: drops req/res, masks secrets, keeps the claim token', async () => {
      await load(SETS, retryFlow(storeNode(backend), { circuit: false }));
      const again = receive('again');
      getNode('rt').receive({
        payload: { apiKey: 'sk_test_1234567890abcdef', n: BigInt(7) },
        req: { socket: new (require('net').Socket)() }, res: { _res: {} },
        idempotency: { key: 'k', token: 'owner-token-1' },
        error: unavailable(),
      });
      const [m] = await again;
      assert.strictEqual(m.req, undefined);
      assert.strictEqual(m.res, undefined);
      assert.strictEqual(m.payload.apiKey, '***');
      assert.strictEqual(m.payload.n, '7');
      assert.strictEqual(m.idempotency.token, 'owner-token-1');
      assert.deepStrictEqual(m.retry.removed, ['msg.req', 'msg.res']);
    });

    it('opens the circuit after the threshold of failures and schedules after the cooldown; a success closes it', async () => {
      await load(SETS, retryFlow(storeNode(backend), { maxAttempts: 5, threshold: 2, cooldownSeconds: 0.5 }));
      const again = receive('again', 2, 8000);
      getNode('rt').receive({ payload: 1, error: unavailable() });
      getNode('rt').receive({ payload: 2, error: unavailable() });
      const msgs = await again;
      // The second failure opened the circuit: its retry waits for the cooldown instead of 20 ms.
      const delays = msgs.map((m) => m.retry.history[0].delayMs).sort((a, b) => a - b);
      assert.deepStrictEqual(delays, [20, 500]);
      assert.ok(msgs.every((m) => m.retry.circuit === 'acme'));
      // The operation worked: report it, the circuit closes and the next failure gets a normal delay.
      getNode('rt').receive({ payload: 1, retry: msgs[0].retry });
      await new Promise((r) => setTimeout(r, 50));
      const after = receive('again');
      getNode('rt').receive({ payload: 3, error: unavailable() });
      assert.strictEqual((await after)[0].retry.history[0].delayMs, 20);
    });

    it('counts failures only within the failure window: two failures further apart do not open the circuit', async () => {
      await load(SETS, retryFlow(storeNode(backend), { maxAttempts: 5, threshold: 2, cooldownSeconds: 0.5, failureWindowSeconds: 0.1 }));
      const first = receive('again');
      getNode('rt').receive({ payload: 1, error: unavailable() });
      await first;
      await new Promise((r) => setTimeout(r, 150));
      const second = receive('again');
      getNode('rt').receive({ payload: 2, error: unavailable() });
      // The first failure's window has passed: this is the first of a new window, so a normal delay, not the cooldown.
      assert.strictEqual((await second)[0].retry.history[0].delayMs, 20);
    });

    it('reports an error without any msg.error details as permanent, not lost', async () => {
      await load(SETS, retryFlow(storeNode(backend)));
      const out = receive('exhausted');
      getNode('rt').receive({ payload: 1, error: 'boom' });
      const [m] = await out;
      assert.strictEqual(m.retry.reason, 'permanent');
      assert.strictEqual(m.retry.history[0].message, 'boom');
    });
  });
}

for (const backend of ['sqlite', 'redis']) {
  describe(`fg-retry restart on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('re-emits every pending retry exactly once after the flow is stopped and started again', async () => {
      const flow = retryFlow(storeNode(backend, `restart-${backend}`), { circuit: false, baseMs: 400, maxAttempts: 3 });
      await load(SETS, flow);
      await getNode('s1').getStore();
      for (let i = 0; i < 10; i++) getNode('rt').receive({ payload: i, error: unavailable() });
      await eventually(async () => (await (await getNode('s1').getStore()).scheduledCount('retry:rt')) === 10, '10 scheduled');
      await unload();

      await load(SETS, flow);
      const all: any[] = [];
      getNode('again').on('input', (m: any) => all.push(m));
      await eventually(() => all.length >= 10, '10 retries', 8000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepStrictEqual(all.map((m) => m.payload).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.strictEqual(await (await getNode('s1').getStore()).scheduledCount('retry:rt'), 0);
    });
  });
}

describe('fg-retry with the store down', () => {
  afterEach(() => unload());

  it('sends the msg to Catch with a clear error instead of dropping it', async () => {
    await load(SETS, retryFlow({ id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: 'redis://127.0.0.1:1' }));
    getNode('rt').receive({ payload: 1, error: unavailable() });
    await eventually(() => reportedErrors('rt').some((e) => e.msg), 'error with msg');
    assert.match(reportedErrors('rt').find((e) => e.msg)!.text, /retry not scheduled, store unavailable: redis store: cannot connect/);
  });
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  return cleanRedis();
});
