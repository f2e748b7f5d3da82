import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, FlowNode, getNode, load, receive, reportedErrors, unload } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

const SETS = ['fg-store-config', 'fg-idempotency-gate', 'fg-idempotency-complete'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-gate-'));
let n = 0;

function storeNode(backend: string): FlowNode {
  if (backend === 'sqlite') return { id: 's1', type: 'fg-store-config', backend, sqlitePath: path.join(tmp, `g${++n}.sqlite`) };
  if (backend === 'redis') return { id: 's1', type: 'fg-store-config', backend, redisUrl: REDIS_URL, redisPrefix: `${RUN_PREFIX}g${++n}:` };
  return { id: 's1', type: 'fg-store-config', backend };
}

function gateFlow(backend: string, gate: Record<string, unknown> = {}): FlowNode[] {
  return [
    storeNode(backend),
    { id: 'g1', type: 'fg-idempotency-gate', store: 's1', leaseSeconds: 60, ...gate, wires: [['new'], ['dup'], ['conflict']] },
    { id: 'c1', type: 'fg-idempotency-complete', gate: 'g1', action: 'complete', wires: [['completed']] },
    { id: 'r1', type: 'fg-idempotency-complete', gate: 'g1', action: 'release', wires: [['released']] },
    { id: 'new', type: 'helper' }, { id: 'dup', type: 'helper' }, { id: 'conflict', type: 'helper' },
    { id: 'completed', type: 'helper' }, { id: 'released', type: 'helper' },
  ];
}

for (const backend of ['memory', 'sqlite', 'redis']) {
  describe(`fg-idempotency-gate on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('passes a new key once, answers a duplicate with the stored result after completion', async () => {
      await load(SETS, gateFlow(backend));
      const first = receive('new');
      getNode('g1').receive({ idempotencyKey: 'order-1', payload: { amount: 100, currency: 'eur' } });
      const [claimed] = await first;
      assert.strictEqual(claimed.idempotency.key, 'order-1');
      assert.ok(claimed.idempotency.token);

      // While in progress: a duplicate (keys in another order, same content) says so.
      const inProgress = receive('dup');
      getNode('g1').receive({ idempotencyKey: 'order-1', payload: { currency: 'eur', amount: 100 } });
      const [busy] = await inProgress;
      assert.strictEqual(busy.idempotency.status, 'in-progress');
      assert.ok(busy.idempotency.leaseExpiresAt > Date.now());
      assert.strictEqual(busy.idempotency.token, undefined, 'a duplicate never gets the owner token');

      const completed = receive('completed');
      getNode('c1').receive({ ...claimed, payload: { chargeId: 'ch_1', status: 'succeeded' } });
      assert.strictEqual((await completed)[0].idempotency.status, 'completed');

      const dup = receive('dup');
      getNode('g1').receive({ idempotencyKey: 'order-1', payload: { amount: 100, currency: 'eur' } });
      const [d] = await dup;
      assert.strictEqual(d.idempotency.status, 'completed');
      assert.deepStrictEqual(d.payload, { chargeId: 'ch_1', status: 'succeeded' });
    });

    it('sends a different payload under a used key to the conflict output, naming both fingerprints', async () => {
      await load(SETS, gateFlow(backend));
      const first = receive('new');
      getNode('g1').receive({ idempotencyKey: 'k', payload: { amount: 100 } });
      await first;
      const conflict = receive('conflict');
      getNode('g1').receive({ idempotencyKey: 'k', payload: { amount: 999 } });
      const [c] = await conflict;
      assert.strictEqual(c.error.code, 'IDEMPOTENCY_CONFLICT');
      assert.match(c.error.message, /fingerprint [0-9a-f]{64} stored, [0-9a-f]{64} received/);
      assert.ok(!c.error.message.includes('999'), 'the payload is not in the error');
      assert.deepStrictEqual(c.error.source, { id: 'g1', type: 'fg-idempotency-gate' }, 'named like a Catch node names the failing node');
    });

    it('release lets a retry claim the key again', async () => {
      await load(SETS, gateFlow(backend));
      const first = receive('new');
      getNode('g1').receive({ idempotencyKey: 'r', payload: 1 });
      const [claimed] = await first;
      const released = receive('released');
      getNode('r1').receive(claimed);
      assert.strictEqual((await released)[0].idempotency.status, 'released');
      const again = receive('new');
      getNode('g1').receive({ idempotencyKey: 'r', payload: 1 });
      assert.ok((await again)[0].idempotency.token);
    });

    it('an uncompleted claim expires after its lease', async () => {
      await load(SETS, gateFlow(backend, { leaseSeconds: 0.3 }));
      const first = receive('new');
      getNode('g1').receive({ idempotencyKey: 'lease', payload: 1 });
      const [claimed] = await first;
      await new Promise((r) => setTimeout(r, 450));
      const again = receive('new');
      getNode('g1').receive({ idempotencyKey: 'lease', payload: 1 });
      const [second] = await again;
      assert.notStrictEqual(second.idempotency.token, claimed.idempotency.token);
      // The first worker's late completion is refused: its claim is gone.
      getNode('c1').receive(claimed);
      await eventually(() => reportedErrors('c1').length === 1, 'completion error');
      assert.match(reportedErrors('c1')[0].text, /claim is no longer held/);
    });

    it('takes the key from a JSONata expression', async () => {
      await load(SETS, gateFlow(backend, { keyType: 'jsonata', key: 'payload.id & "-" & topic' }));
      const first = receive('new');
      getNode('g1').receive({ topic: 'charge', payload: { id: 'x1' } });
      assert.strictEqual((await first)[0].idempotency.key, 'x1-charge');
    });

    it('rejects a missing key and a non-serialisable payload with a clear error, nothing passes', async () => {
      await load(SETS, gateFlow(backend));
      const passed: any[] = [];
      for (const id of ['new', 'dup', 'conflict']) getNode(id).on('input', (m: any) => passed.push(m));
      getNode('g1').receive({ payload: 1 });
      getNode('g1').receive({ idempotencyKey: 'b', payload: { n: BigInt(1) } });
      await eventually(() => reportedErrors('g1').length === 2, 'two errors');
      const texts = reportedErrors('g1').map((e) => e.text).sort();
      assert.match(texts[0], /cannot fingerprint the message: value\[0\]\.n is a bigint/);
      assert.match(texts[1], /no idempotency key: msg\.idempotencyKey is missing/);
      assert.ok(reportedErrors('g1').every((e) => e.msg), 'Catch nodes get the msg');
      assert.strictEqual(passed.length, 0);
    });
  });
}

describe('fg-idempotency-complete by msg.topic', () => {
  afterEach(() => unload());

  it('completes or releases per msg.topic and refuses anything else or a msg without a claim', async () => {
    await load(SETS, [
      ...gateFlow('memory').filter((x) => x.id !== 'c1'),
      { id: 'c1', type: 'fg-idempotency-complete', gate: 'g1', action: 'topic', wires: [['completed']] },
    ]);
    const claims = receive('new', 2);
    getNode('g1').receive({ idempotencyKey: 'x', payload: 1 });
    getNode('g1').receive({ idempotencyKey: 'y', payload: 1 });
    const [x, y] = (await claims).sort((a, b) => a.idempotency.key.localeCompare(b.idempotency.key));
    const done = receive('completed', 2);
    getNode('c1').receive({ ...x, topic: 'complete', payload: 'ok' });
    getNode('c1').receive({ ...y, topic: 'release' });
    assert.deepStrictEqual((await done).map((m) => m.idempotency.status).sort(), ['completed', 'released']);
    getNode('c1').receive({ ...x, topic: 'finish' });
    getNode('c1').receive({ topic: 'complete', payload: 1 });
    await eventually(() => reportedErrors('c1').length === 2, 'two errors');
    const texts = reportedErrors('c1').map((e) => e.text).sort();
    assert.match(texts[0], /msg\.idempotency\.key \/ token missing/);
    assert.match(texts[1], /msg\.topic must be "complete" or "release", got "finish"/);
    const again = receive('new');
    getNode('g1').receive({ idempotencyKey: 'y', payload: 1 });
    assert.ok((await again)[0].idempotency.token, 'the released key can be claimed again');
  });
});

describe('fg-idempotency-gate fails closed', () => {
  afterEach(() => unload());

  it('sends the msg to the error path when the store is unreachable', async () => {
    await load(SETS, [
      { id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: 'redis://127.0.0.1:1' },
      { id: 'g1', type: 'fg-idempotency-gate', store: 's1', wires: [['new'], ['dup'], ['conflict']] },
      { id: 'new', type: 'helper' }, { id: 'dup', type: 'helper' }, { id: 'conflict', type: 'helper' },
    ]);
    const passed: any[] = [];
    getNode('new').on('input', (m: any) => passed.push(m));
    getNode('g1').receive({ idempotencyKey: 'k', payload: 1 });
    await eventually(() => reportedErrors('g1').length >= 1, 'error to Catch');
    const err = reportedErrors('g1').find((e) => e.msg);
    assert.ok(err, 'an error with the msg reached Catch');
    assert.match(err!.text, /idempotency gate closed, message not passed: redis store: cannot connect/);
    assert.strictEqual(passed.length, 0);
  });
});

describe('fg-idempotency-gate on two Redis connections', function () {
  before(async function () {
    await requireRedis(this);
  });
  afterEach(() => unload());
  after(() => cleanRedis());

  it('lets exactly one of many concurrent duplicates pass', async () => {
    const prefix = `${RUN_PREFIX}two:`;
    await load(SETS, [
      { id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix },
      { id: 's2', type: 'fg-store-config', backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix },
      { id: 'g1', type: 'fg-idempotency-gate', store: 's1', namespace: 'charges', wires: [['new'], ['dup'], ['conflict']] },
      { id: 'g2', type: 'fg-idempotency-gate', store: 's2', namespace: 'charges', wires: [['new'], ['dup'], ['conflict']] },
      { id: 'new', type: 'helper' }, { id: 'dup', type: 'helper' }, { id: 'conflict', type: 'helper' },
    ]);
    await Promise.all([getNode('s1').getStore(), getNode('s2').getStore()]);
    const news: any[] = [];
    getNode('new').on('input', (m: any) => news.push(m));
    const dups = receive('dup', 19);
    for (let i = 0; i < 10; i++) {
      getNode('g1').receive({ idempotencyKey: 'evt_1', payload: { id: 'evt_1' } });
      getNode('g2').receive({ idempotencyKey: 'evt_1', payload: { id: 'evt_1' } });
    }
    await dups;
    assert.strictEqual(news.length, 1);
  });
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  return cleanRedis();
});
