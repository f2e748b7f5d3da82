// What became of a replayed dead letter, as the ops state reports it (state.replays), against a real runtime: a
// replay that reaches the end of its flow is "delivered", one that a dead-letter node parks again is "parked" (and
// the new entry names the replayed one), one that a retry node schedules is "waiting-retry".
import * as assert from 'assert';
import * as path from 'path';
import { metrics } from '../../lib/ops/metrics';
import { OpsHandle, startOps } from '../../plugins/flowguard-ops/runtime';
import { eventually, FlowNode, getNode, httpAdmin, load, startServer, stopServer, unload } from '../harness';

const nodeRedDir = path.dirname(process.env.NODE_RED_PATH || require.resolve('node-red'));
const runtimeHooks = require(require.resolve('@node-red/util', { paths: [nodeRedDir] })).hooks;

describe('ops plugin: replay outcomes', function () {
  this.timeout(20000);
  let ops: OpsHandle;

  const flow = (): FlowNode[] => [
    { id: 'tab1', type: 'tab', label: 'Replays' },
    { id: 's1', type: 'fg-store-config', backend: 'memory' },
    // replayed into a debug node, which completes it: delivered
    { id: 'src1', type: 'helper', z: 'tab1', wires: [['dlq1']] },
    { id: 'dlq1', type: 'fg-dead-letter', z: 'tab1', name: 'to the end', store: 's1', alertIntervalSeconds: 0, wires: [['end'], []] },
    { id: 'end', type: 'debug', z: 'tab1', active: true, tosidebar: false, console: false, complete: 'payload', wires: [] },
    // replayed back into itself: parked again
    { id: 'src2', type: 'helper', z: 'tab1', wires: [['dlq2']] },
    { id: 'dlq2', type: 'fg-dead-letter', z: 'tab1', name: 'loop', store: 's1', alertIntervalSeconds: 0, wires: [['dlq2'], []] },
    // replayed into a retry node that schedules it (a minute away): waiting for a retry
    { id: 'src3', type: 'helper', z: 'tab1', wires: [['dlq3']] },
    { id: 'dlq3', type: 'fg-dead-letter', z: 'tab1', name: 'to retry', store: 's1', alertIntervalSeconds: 0, wires: [['retry'], []] },
    { id: 'retry', type: 'fg-retry', z: 'tab1', store: 's1', maxAttempts: 3, baseMs: 60000, factor: 2, capMs: 60000, jitter: 'none', circuit: false, pollMs: 1000, wires: [['sink'], ['sink']] },
    { id: 'sink', type: 'helper', z: 'tab1' },
  ];

  before(async () => {
    await startServer();
    metrics.reset();
    const RED = await load(['fg-store-config', 'fg-dead-letter', 'fg-retry', 'debug'], flow());
    ops = startOps(Object.assign(Object.create(RED), { hooks: runtimeHooks }));
  });

  after(async () => {
    ops?.stop();
    await unload();
    await stopServer();
  });

  async function parkAndReplay(src: string, dlq: string): Promise<string> {
    getNode(src).send({ payload: { n: src }, error: { message: 'boom', code: 'SERVICE_DOWN' } });
    let id = '';
    await eventually(async () => {
      const { entries } = (await httpAdmin().get(`/flowguard/dlq/${dlq}`)).body;
      id = entries[0]?.id ?? '';
      return !!id;
    }, `${dlq} parked it`);
    const res = await httpAdmin().post(`/flowguard/dlq/${dlq}/replay`).send({ ids: [id] }).expect(200);
    assert.deepStrictEqual(res.body.replayed, [id]);
    return id;
  }

  const outcome = async (id: string) => ((await httpAdmin().get('/flowguard/ops/state').expect(200)).body.replays as any[]).find((r) => r.id === id);

  it('says "delivered" when the replay reached the end of its flow without an error', async () => {
    const id = await parkAndReplay('src1', 'dlq1');
    await eventually(async () => (await outcome(id))?.state === 'delivered', 'delivered');
    const r = await outcome(id);
    assert.strictEqual(r.dlq, 'dlq1');
    assert.strictEqual(r.node, 'end', 'the last node that had it');
    assert.strictEqual(r.error, undefined);
  });

  it('says "parked" and by which node when a dead-letter node parked it again; the new entry names the replayed one', async () => {
    const id = await parkAndReplay('src2', 'dlq2');
    await eventually(async () => (await outcome(id))?.state === 'parked', 'parked again');
    const r = await outcome(id);
    assert.strictEqual(r.parkedBy, 'dlq2');
    const { entries } = (await httpAdmin().get(`/flowguard/dlq/dlq2?since=${r.parkedSince}`)).body;
    const again = entries.find((e: any) => e.item.msg.replay?.id === id);
    assert.ok(again, 'the entry parked since then carries the replayed entry id (how the dashboard finds it)');
    assert.notStrictEqual(again.id, id);
  });

  it('says "waiting-retry" while a retry node holds it', async () => {
    const id = await parkAndReplay('src3', 'dlq3');
    await eventually(async () => (await outcome(id))?.state === 'waiting-retry', 'waiting for the retry');
    assert.strictEqual((await outcome(id)).node, 'retry');
  });
});
