// End to end: the Reconcile example imported into a real Node-RED process through the admin API.
import assert from 'node:assert/strict';
import { Collector } from './collector';
import { fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: Reconcile example', function () {
  this.timeout(60000);
  let red: NodeRedProcess;
  const collector = new Collector();
  before(async () => {
    await collector.start();
    red = await startNodeRed();
  });
  after(async () => {
    await red?.close();
    await collector.close();
  });

  it('is served by the runtime example library, deploys, and reports the planted differences', async () => {
    let flow = await fetchExample(red, 'Reconcile/Compare two record sets');
    flow = collector.tap(flow, 'rec-ex1-reconcile', 0, 'report');
    flow = collector.tap(flow, 'rec-ex1-reconcile', 1, 'fixes');
    await red.deploy(flow);
    assert.equal((await red.request('POST', '/inject/rec-ex1-inject')).status, 200);
    const [report] = await collector.wait('report');
    assert.deepEqual(report.payload.onlyInA, ['ch_1004']);
    assert.deepEqual(report.payload.onlyInB, ['ch_9999']);
    assert.deepEqual(report.payload.mismatched, [{ key: 'ch_1003', fields: [{ field: 'amount', a: 4200, b: 24 }] }]);
    assert.equal(report.payload.matchedCount, 2);
    const fixes = await collector.wait('fixes', 3);
    assert.deepEqual(fixes.map((m) => m.topic).sort(), ['create', 'review', 'update']);
  });
});
