import * as assert from 'assert';
import { eventually, getNode, receive, unload } from '../harness';
import { loadExample } from '../reliability/examples';

describe('Reliability example: Dead-letter queue with replay', () => {
  afterEach(() => unload());

  it('parks, reports stats, replays once', async () => {
    await loadExample('Dead-letter queue with replay', { store: { backend: 'memory' } });
    const parked = receive('rel-ex3-alerts');
    getNode('rel-ex3-park').receive({});
    const [p] = await parked;
    assert.strictEqual(p.topic, 'dlq.parked');
    assert.strictEqual(p.payload.error.code, 'UNABLE_TO_LOCK_ROW');
    assert.strictEqual(p.payload.correlationId, 'demo-7');
    const stats = receive('rel-ex3-alerts');
    getNode('rel-ex3-stats').receive({});
    assert.strictEqual((await stats)[0].payload.depth, 1);
    const replayed = receive('rel-ex3-replayed');
    getNode('rel-ex3-replay').receive({});
    const [m] = await replayed;
    assert.deepStrictEqual(m.payload, { Name: 'Acme', Amount: 1200 });
    assert.strictEqual(m.replay.count, 1);
  });

  it('replays a parked lock error on its schedule, and leaves another error for a person', async () => {
    // The shipped schedule is every minute; here every 0.01 min (600 ms), the rest as shipped.
    await loadExample('Dead-letter queue with replay', { store: { backend: 'memory' }, override: { 'rel-ex3-dlq': { autoReplayMinutes: 0.01 } } });
    const replayed = receive('rel-ex3-replayed');
    getNode('rel-ex3-dlq').receive({ payload: { other: true }, error: { message: 'bad field', code: 'INVALID_FIELD', service: 'salesforce', retryable: false } });
    getNode('rel-ex3-park').receive({});
    const [m] = await replayed;
    assert.deepStrictEqual(m.payload, { Name: 'Acme', Amount: 1200 });
    assert.strictEqual(m.replay.count, 1);
    const alerts: any[] = [];
    getNode('rel-ex3-alerts').on('input', (msg: any) => alerts.push(msg));
    getNode('rel-ex3-stats').receive({});
    await eventually(() => alerts.some((a) => a.topic === 'stats'), 'stats');
    assert.strictEqual(alerts.find((a) => a.topic === 'stats').payload.depth, 1, 'INVALID_FIELD stays parked');
  });
});
