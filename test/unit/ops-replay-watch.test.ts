// plugins/flowguard-ops/replay-watch: following a replayed dead letter through the messaging hooks, event by event,
// in the order Node-RED fires them (onSend, preDeliver synchronously; onReceive, onComplete later).
import * as assert from 'assert';
import { ReplayWatch } from '../../plugins/flowguard-ops/replay-watch';

const dlq = { id: 'dlq', type: 'fg-dead-letter' };
const svc = { id: 'svc', type: 'fg-stripe' };
const retry = { id: 'retry', type: 'fg-retry' };
const debug = { id: 'debug', type: 'debug' };
const tick = () => new Promise((r) => setImmediate(r));

describe('ops replay watch', () => {
  let now = 1_000;
  const watch = () => new ReplayWatch(() => now);
  const state = (w: ReplayWatch, id = '7') => w.outcomes().find((o) => o.id === id);
  const replayed = (extra: object = {}) => ({ payload: 1, replay: { id: '7', count: 1, at: now }, ...extra });

  it('ignores messages that are not replays', () => {
    const w = watch();
    w.sent(dlq, { payload: 1 });
    w.received(svc, { payload: 1 });
    assert.deepStrictEqual(w.outcomes(), []);
  });

  it('stays in flight while a delivery is on its way, and is delivered once every node completed', async () => {
    const w = watch();
    const msg = replayed();
    w.sent(dlq, msg);
    w.delivering(msg); // the runtime delivers on the next tick
    await tick();
    assert.strictEqual(state(w)!.state, 'in-flight', 'not "delivered" between the send and the receive');
    w.received(svc, msg);
    w.sent(svc, msg);
    w.delivering(msg);
    w.completed(svc, msg, undefined);
    assert.strictEqual(state(w)!.state, 'in-flight', 'the service passed it on: still travelling');
    w.received(debug, msg);
    w.completed(debug, msg, undefined);
    assert.deepStrictEqual({ state: state(w)!.state, node: state(w)!.node, dlq: state(w)!.dlq }, { state: 'delivered', node: 'debug', dlq: 'dlq' });
  });

  it('has failed when a node reports an error and nothing takes the msg on', () => {
    const w = watch();
    const msg = replayed();
    w.sent(dlq, msg);
    w.delivering(msg);
    w.received(svc, msg);
    w.completed(svc, msg, Object.assign(new Error('No such customer'), { code: 'resource_missing' }));
    assert.deepStrictEqual(state(w)!.error, { code: 'resource_missing', message: 'No such customer', node: 'svc' });
    assert.strictEqual(state(w)!.state, 'failed');
    // a Catch node receives it without a wire; a dead-letter node parks it: parked again
    w.received({ id: 'catch', type: 'catch' }, msg);
    assert.strictEqual(state(w)!.state, 'in-flight');
    w.sent({ id: 'catch', type: 'catch' }, msg);
    w.delivering(msg);
    w.completed({ id: 'catch', type: 'catch' }, msg, undefined);
    now = 2_000;
    w.received({ id: 'dlq2', type: 'fg-dead-letter' }, msg);
    w.completed({ id: 'dlq2', type: 'fg-dead-letter' }, msg, undefined);
    assert.deepStrictEqual([state(w)!.state, state(w)!.parkedBy, state(w)!.parkedSince], ['parked', 'dlq2', 2_000]);
  });

  it('waits while a retry node holds it, and travels again when the retry sends it', () => {
    const w = watch();
    const msg = replayed();
    w.sent(dlq, msg);
    w.delivering(msg);
    w.received(retry, msg);
    w.completed(retry, msg, undefined); // scheduled: nothing sent
    assert.deepStrictEqual([state(w)!.state, state(w)!.node], ['waiting-retry', 'retry']);
    const again = replayed(); // the retry node sends a copy from its store
    w.sent(retry, again);
    w.delivering(again);
    assert.strictEqual(state(w)!.state, 'in-flight');
    w.received(debug, again);
    w.completed(debug, again, undefined);
    assert.strictEqual(state(w)!.state, 'delivered');
  });

  it('does not count a failed park as parked', () => {
    const w = watch();
    const msg = replayed();
    w.sent(dlq, msg);
    w.delivering(msg);
    w.received({ id: 'dlq2', type: 'fg-dead-letter' }, msg);
    w.completed({ id: 'dlq2', type: 'fg-dead-letter' }, msg, Object.assign(new Error('store down'), { code: 'STORE_UNAVAILABLE' }));
    assert.strictEqual(state(w)!.state, 'failed');
    assert.strictEqual(state(w)!.parkedBy, undefined);
  });

  it('keeps the newest replays first, a bounded number, and bumps its version on every change', () => {
    const w = watch();
    const v = w.version;
    for (let i = 0; i < 250; i++) {
      now = 10_000 + i;
      w.sent(dlq, { replay: { id: String(i) } });
    }
    assert.ok(w.version > v);
    assert.strictEqual(w.outcomes(500).length, 200);
    assert.strictEqual(w.outcomes(1)[0].id, '249');
  });
});
