// plugins/flowguard-ops/state: what the dashboard shows, built from the deployed flows, node status events and the
// metrics registry (a runtime stand-in: the flows and events are all the tracker reads).
import * as assert from 'assert';
import { EventEmitter } from 'events';
import { FlowGuardMetrics } from '../../lib/ops/metrics';
import { forgetSecret, registerSecret } from '../../lib/ops/redact';
import { OpsTracker } from '../../plugins/flowguard-ops/state';

function runtime(flows: Record<string, any>[], catalog: Record<string, string> = {}) {
  const events = new EventEmitter();
  let deployed: Record<string, any>[] | null = null; // null: flows not loaded yet, eachNode throws like the runtime
  return {
    events,
    // the runtime's i18n: a key from the catalog, else the defaultValue
    _: (key: string, opts: { defaultValue?: string } = {}) => catalog[key] ?? opts.defaultValue ?? key,
    nodes: { eachNode: (cb: (n: any) => void) => { if (!deployed) throw new TypeError("Cannot read properties of null (reading 'allNodes')"); deployed.forEach(cb); } },
    deploy(next = flows) { deployed = next; events.emit('flows:started', {}); },
  };
}

const FLOWS = [
  { id: 'tab1', type: 'tab', label: 'Billing' },
  { id: 'sfc', type: 'fg-salesforce-config', name: 'prod org' },
  { id: 'st', type: 'fg-store-config', name: 'redis' },
  { id: 'r1', type: 'fg-retry', z: 'tab1', name: 'retry charges' },
  { id: 's1', type: 'fg-stripe', z: 'tab1', name: '' },
  { id: 'fn', type: 'function', z: 'tab1', name: 'not ours' },
];

describe('ops dashboard state', () => {
  it('starts empty before the runtime has loaded flows and fills in at flows:started', () => {
    const RED = runtime(FLOWS);
    const tracker = new OpsTracker(RED, new FlowGuardMetrics());
    assert.deepStrictEqual(tracker.state().nodes, []);
    RED.deploy();
    // sorted by flow, then label ("retry charges", then the unnamed Stripe node's "stripe")
    assert.deepStrictEqual(tracker.state().nodes.map((n) => [n.id, n.flowName, n.counters.received]), [['r1', 'Billing', 0], ['s1', 'Billing', 0]]);
    tracker.stop();
  });

  it('shows statuses, circuits, Salesforce usage per org, and totals', () => {
    const RED = runtime(FLOWS);
    const metrics = new FlowGuardMetrics();
    const tracker = new OpsTracker(RED, metrics);
    RED.deploy();
    const v = tracker.version;
    RED.events.emit('node-status', { id: 's1', status: { fill: 'red', shape: 'ring', text: 'card_declined' } });
    RED.events.emit('node-status', { id: 'fn', status: { fill: 'green', text: 'ignored' } });
    assert.strictEqual(tracker.version, v + 1, 'only fg- node statuses count as a change');
    metrics.gauge({ id: 'r1', type: 'fg-retry', name: 'retry charges', z: 'tab1' }, 'circuit_state', 2);
    metrics.gauge({ id: 'sfc', type: 'fg-salesforce-config', name: 'prod org' }, 'salesforce_api_usage_percent', 87.5);
    metrics.gauge({ id: 'r1', type: 'fg-retry', name: 'retry charges', z: 'tab1' }, 'dlq_depth', 4);
    metrics.count({ id: 's1', type: 'fg-stripe', z: 'tab1' }, 'received', 5);
    metrics.count({ id: 's1', type: 'fg-stripe', z: 'tab1' }, 'errors', 2, 'card_declined');
    const state = tracker.state();
    assert.deepStrictEqual(state.nodes.find((n) => n.id === 's1')!.status, { fill: 'red', shape: 'ring', text: 'card_declined' });
    assert.deepStrictEqual(state.circuits, [{ id: 'r1', name: 'retry charges', flowName: 'Billing', state: 'open' }]);
    assert.deepStrictEqual(state.salesforce, [{ id: 'sfc', name: 'prod org', flowName: '', percent: 87.5 }]);
    assert.deepStrictEqual(state.totals, { received: 5, sent: 0, errors: 2, dlqDepth: 4 });
    tracker.stop();
  });

  it('forgets removed nodes at the next deploy and masks secret-shaped text', () => {
    const RED = runtime(FLOWS);
    const metrics = new FlowGuardMetrics();
    const tracker = new OpsTracker(RED, metrics);
    RED.deploy();
    metrics.count({ id: 'r1', type: 'fg-retry', name: 'retry charges', z: 'tab1' }, 'received');
    RED.events.emit('node-status', { id: 's1', status: { text: 'key sk_live_abcdefghijklmnop' } });
    assert.strictEqual(tracker.state().nodes.find((n) => n.id === 's1')!.status!.text, 'key ***');
    RED.deploy(FLOWS.filter((n) => n.id !== 'r1'));
    assert.deepStrictEqual(tracker.state().nodes.map((n) => n.id), ['s1']);
    assert.deepStrictEqual(metrics.nodeIds(), [], 'the removed node\'s series are gone');
    tracker.stop();
    assert.strictEqual(RED.events.listenerCount('node-status'), 0);
  });

  it('never masks an ordinary word that is also a registered credential in labels, flow names or status texts (issue 16)', () => {
    // the demo's Snowflake password is "sandbox": the dashboard showed "Salesforce *** ()"
    registerSecret('sandbox');
    try {
      const flows = [{ id: 'tab2', type: 'tab', label: 'sandbox' }, { id: 'g', type: 'fg-idempotency-gate', z: 'tab2', name: 'sandbox' }, { id: 'q', type: 'fg-dead-letter', z: 'tab2', name: 'dlq' }];
      const RED = runtime(flows);
      const tracker = new OpsTracker(RED, new FlowGuardMetrics());
      RED.deploy();
      tracker.setLabels({ q: 'Salesforce sandbox (ops@example.com)' });
      RED.events.emit('node-status', { id: 'q', status: { fill: 'red', text: '503 injected by the sandbox' } });
      const state = tracker.state();
      const node = (id: string) => state.nodes.find((n) => n.id === id)!;
      assert.strictEqual(node('g').label, 'sandbox', 'a name equal to the credential stays a name');
      assert.strictEqual(node('g').name, 'sandbox');
      assert.strictEqual(node('q').label, 'Salesforce sandbox (ops@example.com)');
      assert.strictEqual(node('q').status!.text, '503 injected by the sandbox');
      assert.strictEqual(node('q').flowName, 'sandbox');
      assert.deepStrictEqual(state.flows, { tab2: 'sandbox' });
      tracker.setLabels({ q: 'sk_live_abcdefghijklmnop' });
      const hidden = tracker.state().nodes.find((n) => n.id === 'q')!.label;
      assert.ok(hidden && hidden !== '***' && !hidden.includes('sk_live'), `a label that is a secret is hidden, not emptied: ${hidden}`);
      tracker.stop();
    } finally {
      forgetSecret('sandbox');
    }
  });

  it('keeps a status a node set while the flows were starting, before flows:started said what is deployed', () => {
    const RED = runtime(FLOWS);
    const tracker = new OpsTracker(RED, new FlowGuardMetrics());
    // Nodes report their status from their constructors: the gate says "connected" before the runtime says the flows started.
    RED.events.emit('node-status', { id: 'r1', status: { fill: 'green', shape: 'dot', text: 'connected' } });
    RED.events.emit('node-status', { id: 'fn', status: { fill: 'green', text: 'not ours' } });
    RED.deploy();
    assert.deepStrictEqual(tracker.state().nodes.find((n) => n.id === 'r1')!.status, { fill: 'green', shape: 'dot', text: 'connected' });
    RED.events.emit('node-status', { id: 'r1', status: {} });
    assert.strictEqual(tracker.state().nodes.find((n) => n.id === 'r1')!.status, undefined, 'a cleared status is gone');
    tracker.stop();
  });

  it('shows status texts given as message-catalog keys the way the editor does (translated)', () => {
    const RED = runtime(FLOWS, {
      'node-red:common.status.connected': 'connected',
      '@flowguard/node-red-integrations/fg-stripe:fg-stripe.status.ready': 'ready',
    });
    const tracker = new OpsTracker(RED, new FlowGuardMetrics(), { module: '@flowguard/node-red-integrations' });
    RED.deploy();
    const text = (id: string) => tracker.state().nodes.find((n) => n.id === id)!.status!.text;
    RED.events.emit('node-status', { id: 'r1', status: { fill: 'green', text: 'node-red:common.status.connected' } });
    assert.strictEqual(text('r1'), 'connected');
    RED.events.emit('node-status', { id: 's1', status: { fill: 'green', text: 'fg-stripe.status.ready' } });
    assert.strictEqual(text('s1'), 'ready', 'a key of the node\'s own catalog');
    RED.events.emit('node-status', { id: 's1', status: { fill: 'red', text: 'customers.retrieve' } });
    assert.strictEqual(text('s1'), 'customers.retrieve', 'text that only looks like a key stays as it is');
    RED.events.emit('node-status', { id: 's1', status: { fill: 'red', text: 'card declined: try later' } });
    assert.strictEqual(text('s1'), 'card declined: try later');
    tracker.stop();
  });

  it('labels nodes and flows as the editor does once an editor sent its labels, else by name or kind', () => {
    const RED = runtime(FLOWS);
    const tracker = new OpsTracker(RED, new FlowGuardMetrics());
    RED.deploy();
    const label = (id: string) => tracker.state().nodes.find((n) => n.id === id)!.label;
    assert.strictEqual(label('r1'), 'retry charges', 'its name');
    assert.strictEqual(label('s1'), 'stripe', 'unnamed: its kind');
    assert.deepStrictEqual(tracker.state().flows, { tab1: 'Billing' });
    const v = tracker.version;
    assert.strictEqual(tracker.setLabels({ s1: 'stripe charges.create', tab1: 'Billing (EU)', gone: 'x', fn: 12, r1: '  ' }), 2, 'deployed ids with text only');
    assert.ok(tracker.version > v, 'a label change is published');
    assert.strictEqual(label('s1'), 'stripe charges.create');
    assert.strictEqual(tracker.state().nodes.find((n) => n.id === 's1')!.flowName, 'Billing (EU)');
    assert.strictEqual(tracker.setLabels({ s1: 'x'.repeat(500) }), 1);
    assert.strictEqual(label('s1').length, 200, 'capped');
    RED.deploy(FLOWS.filter((n) => n.id !== 's1'));
    RED.deploy();
    assert.strictEqual(label('s1'), 'stripe', 'a removed node\'s label is forgotten');
    tracker.stop();
  });
});
