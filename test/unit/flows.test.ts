// The shipped flows (the demo and examples/**) as scripts/flows.js keeps them: every FlowGuard node carries each of its
// settings (a flow opened in the editor shows what the runtime does), the examples use the demo's config nodes, the
// scenario examples are the demo's tabs. In the editor: test/browser/flows.test.ts.
import assert from 'node:assert/strict';
import * as path from 'node:path';

const flows = require(path.join(__dirname, '..', '..', '..', 'scripts', 'flows.js'));

describe('shipped flows (scripts/flows.js check)', () => {
  it('are as `node scripts/flows.js fix` leaves them', () => {
    assert.deepEqual(flows.fixAll().changes, [], 'run node scripts/flows.js fix');
  });

  it('the examples use the demo\'s config nodes (ids and names), so an import into the demo reuses them', () => {
    const [demo, ...examples] = flows.shippedFlows();
    const demoConfigs = new Map(demo.flow.filter((n: any) => flows.CONFIG_REFS[n.type]).map((n: any) => [n.id, n]));
    for (const { file, flow } of examples) {
      for (const node of flow.filter((n: any) => flows.CONFIG_REFS[n.type])) {
        assert.deepEqual(node, demoConfigs.get(node.id), `${path.basename(file)}: ${node.id}`);
      }
    }
  });

  it('every config node an example\'s nodes name is in the example (imported alone, no node starts without its config)', () => {
    for (const { file, flow } of flows.shippedFlows()) {
      const ids = new Set(flow.map((n: any) => n.id));
      const missing = flow.flatMap((n: any) => Object.values(flows.CONFIG_REFS as Record<string, string>)
        .filter((prop) => typeof n[prop] === 'string' && n[prop] && !ids.has(n[prop])).map((prop) => `${n.id}.${prop} -> ${n[prop]}`));
      assert.deepEqual(missing, [], path.basename(file));
    }
  });

  it('an example that talks to a sandbox says in its first comment how a palette user starts it (npx @flowguard/sandbox)', () => {
    const [, ...examples] = flows.shippedFlows();
    const services = ['fg-stripe-config', 'fg-salesforce-config', 'fg-snowflake-config'];
    const silent = examples
      .filter(({ flow }: any) => flow.some((n: any) => services.includes(n.type)))
      .filter(({ flow }: any) => {
        const first = flow.find((n: any) => n.type === 'comment');
        // the first paragraph, where "**Needs**" says what the example needs
        return !/^\*\*Needs\*\*.*`npx @flowguard\/sandbox`/.test(first?.info ?? '');
      })
      .map(({ file }: any) => path.basename(file));
    assert.deepEqual(silent, []);
  });

  it('fills a setting a node lacks with the editor default, and leaves set ones alone', () => {
    const flow = [{ id: 'r', type: 'fg-retry', maxAttempts: 3 }, { id: 'e', type: 'fg-salesforce-events' }];
    flows.completeSettings(flow, flows.editorDefaults());
    assert.equal(flow[0].maxAttempts, 3);
    assert.equal((flow[0] as any).failureWindowSeconds, 60);
    assert.equal((flow[1] as any).mode, 'poll');
    assert.equal('store' in flow[0], false, 'config references are not invented');
  });
});
