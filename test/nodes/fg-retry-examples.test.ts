import * as assert from 'assert';
import { eventually, getNode, receive, unload } from '../harness';
import { loadExample } from '../reliability/examples';

describe('Reliability example: Durable retry with circuit breaker', () => {
  afterEach(() => unload());

  it('retries the refused call, then parks it in the dead-letter queue and alerts', async () => {
    await loadExample('Durable retry with circuit breaker', {
      store: { backend: 'memory' },
      override: { 'rel-ex2-retry': { baseMs: 10, jitter: 'none', pollMs: 20 } },
    });
    const alert = receive('rel-ex2-alert', 1, 10_000);
    getNode('rel-ex2-inject').receive({ payload: { order: 42 }, correlationId: 'demo-1' });
    const [a] = await alert;
    assert.strictEqual(a.topic, 'dlq.parked');
    assert.strictEqual(a.payload.error.code, 'ECONNREFUSED');
    assert.strictEqual(a.payload.correlationId, 'demo-1');
    const store = await getNode('demo-store').getStore();
    await eventually(async () => (await store.queueCount('dlq:rel-ex2-dlq')) === 1, 'parked');
    const entry = (await store.queuePage('dlq:rel-ex2-dlq', { limit: 1 })).entries[0].item as any;
    assert.strictEqual(entry.attempts, 3);
    assert.strictEqual(entry.history.length, 4);
    assert.strictEqual(entry.origin.node, 'rel-ex2-call');
  });
});
