import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, FlowNode, getNode, httpAdmin, load, receive, reportedErrors, startServer, stopServer, unload } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

const SETS = ['fg-store-config', 'fg-dead-letter', 'fg-retry'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-dlq-'));
let n = 0;

function storeNode(backend: string, name = `d${++n}`): FlowNode {
  if (backend === 'sqlite') return { id: 's1', type: 'fg-store-config', backend, sqlitePath: path.join(tmp, `${name}.sqlite`) };
  if (backend === 'redis') return { id: 's1', type: 'fg-store-config', backend, redisUrl: REDIS_URL, redisPrefix: `${RUN_PREFIX}${name}:` };
  return { id: 's1', type: 'fg-store-config', backend };
}

function dlqFlow(store: FlowNode, dlq: Record<string, unknown> = {}): FlowNode[] {
  return [
    store,
    { id: 'dlq', type: 'fg-dead-letter', name: 'payments', store: 's1', alertThreshold: 3, alertIntervalSeconds: 0, ...dlq, wires: [['replayed'], ['alerts']] },
    { id: 'replayed', type: 'helper' }, { id: 'alerts', type: 'helper' },
  ];
}

const failed = (i: number, code = 'api_error') => ({
  payload: { order: i }, correlationId: `c-${i}`,
  error: { message: 'Service Unavailable', code, service: 'stripe', status: 503, retryable: true },
  retry: { attempt: 3, maxAttempts: 3, history: [{ attempt: 0, at: 1000 + i, code, message: 'x' }] },
});

async function depth(): Promise<number> {
  return (await (await getNode('s1').getStore()).queueCount('dlq:dlq'));
}

for (const backend of ['memory', 'sqlite', 'redis']) {
  describe(`fg-dead-letter on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
      await startServer();
    });
    after(() => stopServer());
    afterEach(() => unload());

    it('parks a failed msg with its error, attempts, origin and times, and alerts', async () => {
      await load(SETS, dlqFlow(storeNode(backend)));
      const alerts = receive('alerts');
      // What a Catch node makes of a FlowGuard error: its own msg.error, the node's FlowError on msg._error.
      getNode('dlq').receive({
        payload: { order: 1 }, correlationId: 'c-1', req: { socket: {} }, headers: { authorization: 'Bearer abcdefghijklmnop' },
        error: { message: 'Service Unavailable', source: { id: 'stripe1', type: 'fg-stripe', name: 'charge' } },
        _error: { message: 'Service Unavailable', code: 'api_error', service: 'stripe', status: 503, retryable: true },
        retry: { attempt: 2, maxAttempts: 2, history: [{ attempt: 0, at: 1000, code: 'api_error' }, { attempt: 1, at: 2000, code: 'api_error' }] },
      });
      const [a] = await alerts;
      assert.strictEqual(a.topic, 'dlq.parked');
      assert.strictEqual(a.payload.error.code, 'api_error');
      const res = await httpAdmin().get('/flowguard/dlq/dlq').expect(200);
      assert.strictEqual(res.body.depth, 1);
      const e = res.body.entries[0].item;
      assert.deepStrictEqual(e.msg.payload, { order: 1 });
      assert.strictEqual(e.msg.req, undefined);
      assert.strictEqual(e.msg.headers.authorization, '***');
      assert.deepStrictEqual(e.removed, ['msg.req']);
      assert.strictEqual(e.error.code, 'api_error');
      assert.strictEqual(e.attempts, 2);
      assert.strictEqual(e.history.length, 2);
      assert.strictEqual(e.origin.node, 'stripe1');
      assert.strictEqual(e.correlationId, 'c-1');
      assert.strictEqual(e.firstFailureAt, 1000);
      assert.ok(e.lastFailureAt > 1000);
    });

    it('lists, filters, pages, gets, edits, replays, discards and exports over the admin API', async () => {
      await load(SETS, dlqFlow(storeNode(backend), { alertThreshold: 100 }));
      for (let i = 1; i <= 5; i++) getNode('dlq').receive(failed(i, i % 2 ? 'api_error' : 'lock_timeout'));
      await eventually(async () => (await depth()) === 5, 'five parked');

      const list = await httpAdmin().get('/flowguard/dlq').expect(200);
      assert.deepStrictEqual(list.body.nodes.find((x: any) => x.node === 'dlq'), { node: 'dlq', name: 'payments', depth: 5 });

      const page1 = await httpAdmin().get('/flowguard/dlq/dlq?limit=2').expect(200);
      assert.strictEqual(page1.body.entries.length, 2);
      const page2 = await httpAdmin().get(`/flowguard/dlq/dlq?limit=2&after=${page1.body.next}`).expect(200);
      assert.deepStrictEqual(page2.body.entries.map((x: any) => x.item.msg.payload.order), [3, 4]);
      const locks = await httpAdmin().get('/flowguard/dlq/dlq?code=lock_timeout').expect(200);
      assert.deepStrictEqual(locks.body.entries.map((x: any) => x.item.msg.payload.order), [2, 4]);
      const none = await httpAdmin().get(`/flowguard/dlq/dlq?since=${Date.now() + 60_000}`).expect(200);
      assert.strictEqual(none.body.entries.length, 0);

      const id = page1.body.entries[0].id;
      const one = await httpAdmin().get(`/flowguard/dlq/dlq/${id}`).expect(200);
      assert.deepStrictEqual(one.body.item.msg.payload, { order: 1 });
      await httpAdmin().put(`/flowguard/dlq/dlq/${id}`).send({ payload: { order: 1, fixed: true } }).expect(200);

      const replayed = receive('replayed');
      const r = await httpAdmin().post('/flowguard/dlq/dlq/replay').send({ ids: [id] }).expect(200);
      assert.deepStrictEqual(r.body, { replayed: [id], missing: [] });
      const [m] = await replayed;
      assert.deepStrictEqual(m.payload, { order: 1, fixed: true });
      assert.strictEqual(m.replay.count, 1);
      assert.strictEqual(m.error, undefined);
      assert.strictEqual(m.correlationId, 'c-1');

      // Replaying it again: it is gone, nothing emitted twice.
      const again = await httpAdmin().post('/flowguard/dlq/dlq/replay').send({ ids: [id] }).expect(200);
      assert.deepStrictEqual(again.body, { replayed: [], missing: [id] });

      const exported = await httpAdmin().get('/flowguard/dlq/dlq/export').expect(200);
      assert.strictEqual(exported.body.entries.length, 4);
      assert.match(exported.headers['content-disposition'], /attachment/);

      await httpAdmin().delete(`/flowguard/dlq/dlq/${page1.body.entries[1].id}`).expect(200);
      // The node's status follows a discard made through the admin API (regression: it kept the old depth).
      await eventually(() => getNode('dlq').status.lastCall?.args[0]?.text === 'depth 3', 'status depth 3 after the discard');
      const all = receive('replayed', 2);
      const rAll = await httpAdmin().post('/flowguard/dlq/dlq/replay').send({ all: true, filter: { code: 'api_error' } }).expect(200);
      assert.strictEqual(rAll.body.replayed.length, 2);
      assert.deepStrictEqual((await all).map((x) => x.payload.order).sort(), [3, 5]);
      assert.strictEqual(await depth(), 1);
    });

    it('answers bad admin requests clearly and loses nothing', async () => {
      await load(SETS, dlqFlow(storeNode(backend)));
      getNode('dlq').receive(failed(1));
      await eventually(async () => (await depth()) === 1, 'parked');
      const unknownId = await httpAdmin().get('/flowguard/dlq/dlq/999999').expect(404);
      assert.strictEqual(unknownId.body.code, 'DLQ_UNKNOWN_ID');
      await httpAdmin().delete('/flowguard/dlq/dlq/999999').expect(404);
      await httpAdmin().put('/flowguard/dlq/dlq/999999').send({ payload: 1 }).expect(404);
      const unknownNode = await httpAdmin().get('/flowguard/dlq/nope').expect(404);
      assert.strictEqual(unknownNode.body.code, 'DLQ_UNKNOWN_NODE');
      const bad = await httpAdmin().post('/flowguard/dlq/dlq/replay').send({ ids: 'all' }).expect(400);
      assert.match(bad.body.error, /malformed request/);
      await httpAdmin().get('/flowguard/dlq/dlq?since=yesterday').expect(400);
      await httpAdmin().put('/flowguard/dlq/dlq/1').send({ nothing: 1 }).expect(400);
      assert.strictEqual(await depth(), 1);
    });

    it('is driven by messages: stats, replay, purge; a malformed request goes to Catch', async () => {
      await load(SETS, dlqFlow(storeNode(backend), { alertThreshold: 100 }));
      for (let i = 1; i <= 3; i++) getNode('dlq').receive(failed(i));
      await eventually(async () => (await depth()) === 3, 'parked');
      const stats = receive('alerts');
      getNode('dlq').receive({ topic: 'stats' });
      assert.strictEqual((await stats)[0].payload.depth, 3);

      const replayed = receive('replayed', 3);
      getNode('dlq').receive({ topic: 'replay', payload: { all: true, filter: { since: 0 } } });
      assert.deepStrictEqual((await replayed).map((m) => m.payload.order).sort(), [1, 2, 3]);
      assert.strictEqual(await depth(), 0);

      getNode('dlq').receive(failed(9));
      await eventually(async () => (await depth()) === 1, 'parked again');
      getNode('dlq').receive({ topic: 'purge', payload: { all: true } });
      await eventually(async () => (await depth()) === 0, 'purged');

      getNode('dlq').receive({ topic: 'replay', payload: { nonsense: true } });
      await eventually(() => reportedErrors('dlq').length === 1, 'error');
      assert.match(reportedErrors('dlq')[0].text, /malformed request/);
    });

    it('scheduled replay: entries parked an interval ago, of the chosen codes, replayed fewer than the maximum; the others stay', async () => {
      // 0.01 min = 600 ms between rounds: an entry is due once it has been parked that long.
      await load(SETS, dlqFlow(storeNode(backend), { autoReplay: true, autoReplayMinutes: 0.01, autoReplayCodes: 'api_error, rate_limit', autoReplayMax: 2 }));
      const got: any[] = [];
      getNode('replayed').on('input', (m: any) => got.push(m));
      getNode('dlq').receive(failed(1));
      getNode('dlq').receive(failed(2, 'rate_limit'));
      getNode('dlq').receive(failed(3, 'card_declined'));
      // Replayed twice already: left for a person.
      getNode('dlq').receive({ ...failed(4), replay: { count: 2, at: 1, id: 'old' } });
      getNode('dlq').receive({ ...failed(5), replay: { count: 1, at: 1, id: 'old' } });
      await eventually(() => got.length >= 3, 'the three due entries replayed without a replay msg', 10_000);
      // Three more rounds: nothing else is due, nothing is sent twice.
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepStrictEqual(got.map((m) => m.payload.order).sort(), [1, 2, 5]);
      assert.deepStrictEqual(got.map((m) => m.replay.count).sort(), [1, 1, 2]);
      assert.strictEqual(await depth(), 2, 'card_declined and the msg replayed twice stay parked');
      const status = getNode('dlq').status.lastCall.args[0];
      assert.match(status.text, /^depth 2 · replays every 1 s$/);
    });

    it('scheduled replay off (the default): parked entries stay until asked for', async () => {
      await load(SETS, dlqFlow(storeNode(backend), { autoReplayMinutes: 0.01 }));
      const got: any[] = [];
      getNode('replayed').on('input', (m: any) => got.push(m));
      getNode('dlq').receive(failed(1));
      await eventually(async () => (await depth()) === 1, 'parked');
      await new Promise((r) => setTimeout(r, 1500));
      assert.strictEqual(got.length, 0);
      assert.strictEqual(await depth(), 1);
    });

    it('alerts once when the depth crosses the threshold', async () => {
      await load(SETS, dlqFlow(storeNode(backend), { alertOnPark: false, alertThreshold: 3 }));
      const alerts: any[] = [];
      getNode('alerts').on('input', (m: any) => alerts.push(m));
      for (let i = 1; i <= 5; i++) getNode('dlq').receive(failed(i));
      await eventually(async () => (await depth()) === 5, 'parked');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(alerts.map((a) => a.topic), ['dlq.depth']);
      assert.ok(alerts[0].payload.depth >= 3 && alerts[0].payload.threshold === 3);
    });
  });
}

for (const backend of ['sqlite', 'redis']) {
  describe(`restart with pending retries and dead letters on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('keeps the DLQ intact and delivers each retry once', async () => {
      const flow: FlowNode[] = [
        storeNode(backend, `restart-both-${backend}`),
        { id: 'rt', type: 'fg-retry', store: 's1', maxAttempts: 3, baseMs: 400, jitter: 'none', circuit: false, pollMs: 20, wires: [['again'], ['dlq']] },
        { id: 'dlq', type: 'fg-dead-letter', store: 's1', wires: [['replayed'], []] },
        { id: 'again', type: 'helper' }, { id: 'replayed', type: 'helper' },
      ];
      await load(SETS, flow);
      for (let i = 0; i < 4; i++) getNode('rt').receive({ payload: i, error: { message: 'x', code: 'api_error', service: 'stripe', status: 503, retryable: true } });
      for (let i = 0; i < 3; i++) getNode('rt').receive({ payload: 100 + i, error: { message: 'no', code: 'parameter_invalid', service: 'stripe', status: 400, retryable: false } });
      await eventually(async () => (await depth()) === 3, 'three parked');
      await unload();

      await load(SETS, flow);
      const all: any[] = [];
      getNode('again').on('input', (m: any) => all.push(m));
      await eventually(() => all.length >= 4, 'four retries', 8000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepStrictEqual(all.map((m) => m.payload).sort(), [0, 1, 2, 3]);
      assert.strictEqual(await depth(), 3);
      const entry = (await (await getNode('s1').getStore()).queuePage('dlq:dlq', { limit: 10 })).entries.map((e: any) => e.item.msg.payload);
      assert.deepStrictEqual(entry, [100, 101, 102]);
    });
  });
}

describe('fg-dead-letter fed by an error output (no Catch node)', () => {
  afterEach(() => unload());

  // The demo's scenarios wire a service node's error output through fg-retry to the DLQ: the entry must still say
  // which node failed (the ops views show it and reveal it in the editor), as it does when a Catch node names it.
  it('records the failing node (id, type, name, flow) as the origin', async () => {
    await load([...SETS, 'fg-reconcile'], [
      ...dlqFlow(storeNode('memory')),
      { id: 'rec', type: 'fg-reconcile', z: 'flow-a', name: 'compare orders', wires: [[], [], ['dlq']] },
    ]);
    getNode('rec').receive({ payload: { a: 'not a list', b: [] } });
    await eventually(async () => (await depth()) === 1, 'parked');
    const entry = (await (await getNode('s1').getStore()).queuePage('dlq:dlq', { limit: 1 })).entries[0].item as any;
    assert.strictEqual(entry.error.code, 'INPUT_INVALID');
    assert.deepStrictEqual(entry.origin, { node: 'rec', type: 'fg-reconcile', name: 'compare orders', flow: 'flow-a' });
  });
});

describe('fg-dead-letter with the store down', () => {
  afterEach(() => unload());

  it('reports the msg to Catch instead of dropping it', async () => {
    await load(SETS, dlqFlow({ id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: 'redis://127.0.0.1:1' }));
    getNode('dlq').receive(failed(1));
    await eventually(() => reportedErrors('dlq').some((e) => e.msg), 'error with msg');
    const err = reportedErrors('dlq').find((e) => e.msg)!;
    assert.match(err.text, /dead letter not parked/);
    assert.deepStrictEqual(err.msg.payload, { order: 1 });
  });
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  return cleanRedis();
});
