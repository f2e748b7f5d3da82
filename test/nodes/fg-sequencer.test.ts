import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eventually, FlowNode, getNode, load, receive, reportedErrors, unload } from '../harness';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';

const SETS = ['fg-store-config', 'fg-sequencer'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-seq-'));
let n = 0;

function storeNode(backend: string, name = `q${++n}`): FlowNode {
  if (backend === 'sqlite') return { id: 's1', type: 'fg-store-config', backend, sqlitePath: path.join(tmp, `${name}.sqlite`) };
  if (backend === 'redis') return { id: 's1', type: 'fg-store-config', backend, redisUrl: REDIS_URL, redisPrefix: `${RUN_PREFIX}${name}:` };
  return { id: 's1', type: 'fg-store-config', backend };
}

function flow(store: FlowNode, seq: Record<string, unknown> = {}): FlowNode[] {
  return [
    store,
    { id: 'sq', type: 'fg-sequencer', store: 's1', key: 'payload.account', concurrency: 2, timeoutSeconds: 5, pollMs: 20, ...seq, wires: [['go'], ['timedOut']] },
    { id: 'go', type: 'helper' }, { id: 'timedOut', type: 'helper' },
  ];
}

const label = (m: any) => `${m.payload.account}${m.payload.n ?? ''}`;

for (const backend of ['memory', 'sqlite', 'redis']) {
  describe(`fg-sequencer on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('keeps one msg in flight per key, in order, and releases the next on completion', async () => {
      await load(SETS, flow(storeNode(backend), { concurrency: 10 }));
      const seen: any[] = [];
      getNode('go').on('input', (m: any) => seen.push(m));
      for (const [account, i] of [['a', 1], ['a', 2], ['b', 1], ['a', 3]] as const) getNode('sq').receive({ payload: { account, n: i } });
      await eventually(() => seen.length === 2, 'a1 and b1 in flight');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepStrictEqual(seen.map(label).sort(), ['a1', 'b1']);
      getNode('sq').receive(seen.find((m) => label(m) === 'a1'));
      await eventually(() => seen.length === 3, 'a2 next');
      assert.strictEqual(label(seen[2]), 'a2');
      getNode('sq').receive(seen[2]);
      await eventually(() => seen.length === 4, 'a3 next');
      assert.strictEqual(label(seen[3]), 'a3');
    });

    it('never has more than the global limit in flight', async () => {
      await load(SETS, flow(storeNode(backend), { concurrency: 2 }));
      const seen: any[] = [];
      getNode('go').on('input', (m: any) => seen.push(m));
      for (const account of ['a', 'b', 'c', 'd']) getNode('sq').receive({ payload: { account } });
      await eventually(() => seen.length === 2, 'two in flight');
      await new Promise((r) => setTimeout(r, 100));
      assert.strictEqual(seen.length, 2);
      getNode('sq').receive(seen[1]);
      await eventually(() => seen.length === 3, 'a third after a release');
      await new Promise((r) => setTimeout(r, 100));
      assert.strictEqual(seen.length, 3);
    });

    it('times out a stuck key to the error output and lets the next msg of that key go', async () => {
      await load(SETS, flow(storeNode(backend), { timeoutSeconds: 0.3 }));
      const timedOut = receive('timedOut');
      const go = receive('go', 2);
      getNode('sq').receive({ payload: { account: 'a', n: 1 } });
      getNode('sq').receive({ payload: { account: 'a', n: 2 } });
      const [t] = await timedOut;
      assert.strictEqual(t.error.code, 'SEQUENCER_TIMEOUT');
      assert.strictEqual(t.payload.n, 1);
      assert.deepStrictEqual((await go).map((m) => m.payload.n), [1, 2]);
    });

    it('reports a msg without a key on the error output when it is wired, else to Catch', async () => {
      await load(SETS, flow(storeNode(backend)));
      const failed = receive('timedOut');
      getNode('sq').receive({ payload: {} });
      const [msg] = await failed;
      assert.strictEqual(msg.error.code, 'SEQUENCER_KEY_MISSING');
      assert.match(msg.error.message, /no sequencing key: msg\.payload\.account is missing/);
      assert.strictEqual(reportedErrors('sq').length, 0);
      await unload();

      await load(SETS, flow(storeNode(backend), { errorRouting: 'catch' }));
      getNode('sq').receive({ payload: {} });
      await eventually(() => reportedErrors('sq').length === 1, 'error');
      assert.match(reportedErrors('sq')[0].text, /no sequencing key: msg\.payload\.account is missing/);
    });
  });
}

for (const backend of ['sqlite', 'redis']) {
  describe(`fg-sequencer restart on ${backend}`, function () {
    before(async function () {
      if (backend === 'redis') await requireRedis(this);
    });
    afterEach(() => unload());

    it('keeps queued and in-flight msgs across a restart; the release still works', async () => {
      const f = flow(storeNode(backend, `seq-restart-${backend}`), { concurrency: 5 });
      await load(SETS, f);
      const first = receive('go');
      getNode('sq').receive({ payload: { account: 'a', n: 1 } });
      const [a1] = await first;
      getNode('sq').receive({ payload: { account: 'a', n: 2 } });
      await eventually(async () => (await (await getNode('s1').getStore()).scheduledCount('seq:sq:q')) === 1, 'a2 queued');
      await unload();

      await load(SETS, f);
      const next = receive('go');
      getNode('sq').receive(a1);
      assert.strictEqual((await next)[0].payload.n, 2);
    });
  });
}

describe('fg-sequencer with the store down', () => {
  afterEach(() => unload());

  it('sends the msg to Catch (and the error output) instead of dropping it', async () => {
    await load(SETS, flow({ id: 's1', type: 'fg-store-config', backend: 'redis', redisUrl: 'redis://127.0.0.1:1' }, { errorRouting: 'both' }));
    const failed = receive('timedOut');
    getNode('sq').receive({ payload: { account: 'a' } });
    assert.match((await failed)[0].error.message, /sequencer: redis store: cannot connect/);
    await eventually(() => reportedErrors('sq').some((e) => e.msg), 'error with msg');
    assert.match(reportedErrors('sq').find((e) => e.msg)!.text, /sequencer: redis store: cannot connect/);
  });
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  return cleanRedis();
});
