import * as assert from 'assert';
import { getNode, receive, unload } from '../harness';
import { loadExample } from '../reliability/examples';

describe('Reliability example: Per-customer ordering', () => {
  afterEach(() => unload());

  it('runs cus_2 at once and cus_1 in order, one at a time', async () => {
    await loadExample('Per-customer ordering', { store: { backend: 'memory' }, override: { 'rel-ex4-work': { timeout: '0.05' }, 'rel-ex4-seq': { pollMs: 20 } } });
    const started = receive('rel-ex4-started', 4);
    const finished = receive('rel-ex4-done', 4);
    getNode('rel-ex4-a').receive({ topic: 'cus_1', payload: [1, 2, 3] });
    getNode('rel-ex4-b').receive({ topic: 'cus_2', payload: 1 });
    const order = (await started).map((m) => `${m.topic}:${m.payload}`);
    assert.deepStrictEqual(order.slice(0, 2).sort(), ['cus_1:1', 'cus_2:1']);
    assert.deepStrictEqual(order.filter((x) => x.startsWith('cus_1')), ['cus_1:1', 'cus_1:2', 'cus_1:3']);
    const done = (await finished).map((m) => `${m.topic}:${m.payload}`);
    // cus_1's second update starts only after its first finished.
    assert.ok(done.indexOf('cus_1:1') < done.indexOf('cus_1:2'));
  });
});
