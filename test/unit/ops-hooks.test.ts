// plugins/flowguard-ops/hooks: the counting hooks run for every message of the runtime, so they must ignore other
// nodes, never stop a message (a hook returning false drops it), and be removable.
import * as assert from 'assert';
import { FlowGuardMetrics } from '../../lib/ops/metrics';
import { addMessageHooks, errorCode } from '../../plugins/flowguard-ops/hooks';

/** Records hooks like @node-red/util's hooks.add / remove (labelled ids, one per label and hook). */
function hookRegistry() {
  const hooks = new Map<string, (e: any) => unknown>();
  return {
    hooks,
    add(id: string, fn: (e: any) => unknown) {
      if (hooks.has(id)) throw new Error(`Hook ${id} already registered`);
      hooks.set(id, fn);
    },
    remove(id: string) {
      const label = id.split('.')[1];
      for (const key of [...hooks.keys()]) if (key.endsWith(`.${label}`) && (id.startsWith('*.') || key === id)) hooks.delete(key);
    },
    fire(name: string, event: unknown) {
      return hooks.get(`${name}.flowguard`)?.(event);
    },
  };
}

const stripe = { id: 's1', type: 'fg-stripe', name: 'charge', z: 't1' };
const fn = { id: 'f1', type: 'function', name: 'mine', z: 't1' };

describe('ops message hooks', () => {
  it('counts fg- nodes only and never stops a message', () => {
    const reg = hookRegistry();
    const metrics = new FlowGuardMetrics();
    let t = 0;
    addMessageHooks(reg, metrics, () => t);
    const msg = { _msgid: 'm1', payload: 1 };
    const results = [
      reg.fire('onReceive', { msg, destination: { id: 's1', node: stripe } }),
      reg.fire('onReceive', { msg, destination: { id: 'f1', node: fn } }),
      reg.fire('onSend', [{ msg, source: { id: 'f1', node: fn, port: 0 } }]),
    ];
    t = 250;
    const failed = { ...msg, error: { code: 'card_declined', message: 'declined' } };
    results.push(
      // one msg to two wires counts as one sent message
      reg.fire('onSend', [{ msg: failed, source: { id: 's1', node: stripe, port: 1 } }, { msg: failed, source: { id: 's1', node: stripe, port: 1 } }]),
      reg.fire('onComplete', { msg: failed, node: { id: 's1', node: stripe }, error: { flowError: { code: 'card_declined' } } }),
      reg.fire('onComplete', { msg, node: { id: 'f1', node: fn }, error: new Error('x') }),
    );
    assert.ok(results.every((r) => r === undefined), 'no hook returns a value that could stop the message');
    assert.deepStrictEqual(metrics.nodeIds(), ['s1']);
    const [s] = metrics.snapshot();
    assert.deepStrictEqual([s.counters.received, s.counters.sent], [1, 1]);
    assert.deepStrictEqual(s.timings.handle_seconds, { count: 1, sum: 0.25 });
  });

  it('counts no errors: the kit counts them where it routes them (an error output or done(err) seen here would double them)', () => {
    const reg = hookRegistry();
    const metrics = new FlowGuardMetrics();
    addMessageHooks(reg, metrics);
    reg.fire('onSend', [{ msg: { _msgid: 'm2', error: { code: 'card_declined' } }, source: { id: 's1', node: stripe, port: 1 } }]);
    reg.fire('onComplete', { msg: { _msgid: 'm3' }, node: { id: 'd1', node: { id: 'd1', type: 'fg-dead-letter' } }, error: new Error('store down') });
    assert.ok(metrics.snapshot().every((m) => m.counters.errors === 0));
  });

  it('replaces hooks of an earlier start and removes them all', () => {
    const reg = hookRegistry();
    addMessageHooks(reg, new FlowGuardMetrics());
    const remove = addMessageHooks(reg, new FlowGuardMetrics());
    assert.deepStrictEqual([...reg.hooks.keys()].sort(), ['onComplete.flowguard', 'onReceive.flowguard', 'onSend.flowguard']);
    remove();
    assert.strictEqual(reg.hooks.size, 0);
  });

  it('reads the code of FlowGuard, plain and code-less errors', () => {
    assert.strictEqual(errorCode({ flowError: { code: 'rate_limit' } }), 'rate_limit');
    assert.strictEqual(errorCode({ code: 'ECONNRESET' }), 'ECONNRESET');
    assert.strictEqual(errorCode(new Error('x')), 'ERROR');
  });
});
