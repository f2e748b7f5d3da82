// The kit's config guard: a node whose config node is missing or broken is still created, shows a red status naming
// what is missing, and fails each message with code CONFIG_MISSING to Catch or its error output, exactly once.
import * as assert from 'assert';
import { metrics } from '../../lib/ops/metrics';
import { eventually, FlowNode, getNode, load, unload } from '../harness';

interface Case {
  /** what the case shows */
  title: string;
  sets: string[];
  /** the node under test (id 'n'), without wires */
  node: FlowNode;
  /** config nodes and other nodes the case needs */
  others?: FlowNode[];
  outputs: number;
  /** index of the error output, where the message is expected with the routing left at auto and it wired */
  errorOutput?: number;
  /** the red status text */
  status: RegExp;
  code?: string;
}

const TAB = 't1';
const CASES: Case[] = [
  { title: 'fg-idempotency-gate without a store', sets: ['fg-idempotency-gate'], node: { id: 'n', type: 'fg-idempotency-gate' }, outputs: 3, status: /^no store$/ },
  { title: 'fg-idempotency-gate naming a store that is not deployed', sets: ['fg-idempotency-gate'], node: { id: 'n', type: 'fg-idempotency-gate', store: 'gone' }, outputs: 3, status: /^no store$/ },
  { title: 'fg-retry without a store', sets: ['fg-retry'], node: { id: 'n', type: 'fg-retry' }, outputs: 2, status: /^no store$/ },
  { title: 'fg-dead-letter without a store', sets: ['fg-dead-letter'], node: { id: 'n', type: 'fg-dead-letter' }, outputs: 2, status: /^no store$/ },
  { title: 'fg-sequencer without a store', sets: ['fg-sequencer'], node: { id: 'n', type: 'fg-sequencer', key: 'topic' }, outputs: 2, errorOutput: 1, status: /^no store$/ },
  {
    title: 'fg-sequencer with a store whose settings cannot work',
    sets: ['fg-store-config', 'fg-sequencer'],
    others: [{ id: 's1', type: 'fg-store-config', backend: 'redis', redisMode: 'ring' }],
    node: { id: 'n', type: 'fg-sequencer', store: 's1' }, outputs: 2, errorOutput: 1, status: /^store: redis store: unknown Redis mode "ring"/,
  },
  {
    title: 'fg-idempotency-gate with a store whose settings are invalid',
    sets: ['fg-store-config', 'fg-idempotency-gate'],
    others: [{ id: 's1', type: 'fg-store-config', backend: 'redis', redisWaitReplicas: -1 }],
    node: { id: 'n', type: 'fg-idempotency-gate', store: 's1' }, outputs: 3, status: /^store: invalid setting: redisWaitReplicas must be/,
  },
  {
    title: 'fg-salesforce-events without a Salesforce config',
    sets: ['fg-store-config', 'fg-salesforce-events'],
    others: [{ id: 's1', type: 'fg-store-config', backend: 'memory' }],
    node: { id: 'n', type: 'fg-salesforce-events', store: 's1', object: 'Account' }, outputs: 1, status: /^no Salesforce config$/,
  },
  {
    title: 'fg-salesforce-events without a store',
    sets: ['fg-salesforce-config', 'fg-salesforce-events'],
    others: [{ id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: 'http://127.0.0.1:9', authFlow: 'password' }],
    node: { id: 'n', type: 'fg-salesforce-events', salesforce: 'c1', object: 'Account' }, outputs: 1, status: /^no store$/,
  },
  { title: 'fg-salesforce without a Salesforce config', sets: ['fg-salesforce'], node: { id: 'n', type: 'fg-salesforce', operation: 'query' }, outputs: 2, errorOutput: 1, status: /^no Salesforce config$/ },
  {
    title: 'fg-salesforce with a Salesforce config without its custom login URL',
    sets: ['fg-salesforce-config', 'fg-salesforce'],
    others: [{ id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: '', authFlow: 'password' }],
    node: { id: 'n', type: 'fg-salesforce', salesforce: 'c1', operation: 'query' }, outputs: 2, errorOutput: 1, status: /^Salesforce config: a custom login URL is required/,
  },
  { title: 'fg-snowflake without a Snowflake config', sets: ['fg-snowflake'], node: { id: 'n', type: 'fg-snowflake', sql: 'select 1' }, outputs: 2, errorOutput: 1, status: /^no Snowflake config$/ },
  {
    title: 'fg-snowflake with a Snowflake config that has no account',
    sets: ['fg-snowflake-config', 'fg-snowflake'],
    others: [{ id: 'c1', type: 'fg-snowflake-config', username: 'u', auth: 'password' }],
    node: { id: 'n', type: 'fg-snowflake', snowflake: 'c1', sql: 'select 1' }, outputs: 2, errorOutput: 1, status: /^Snowflake config: /,
  },
  { title: 'fg-stripe without a Stripe config', sets: ['fg-stripe'], node: { id: 'n', type: 'fg-stripe' }, outputs: 2, errorOutput: 1, status: /^no Stripe config$/ },
  {
    title: 'fg-stripe with a Stripe config without a secret key',
    sets: ['fg-stripe-config', 'fg-stripe'],
    others: [{ id: 'c1', type: 'fg-stripe-config' }],
    node: { id: 'n', type: 'fg-stripe', stripe: 'c1' }, outputs: 2, errorOutput: 1, status: /^Stripe config: /,
  },
  {
    title: 'fg-stripe with a Stripe config whose port is not a number',
    sets: ['fg-stripe-config', 'fg-stripe'],
    others: [{ id: 'c1', type: 'fg-stripe-config', useCustomHost: true, host: '127.0.0.1', port: 'abc' }],
    node: { id: 'n', type: 'fg-stripe', stripe: 'c1' }, outputs: 2, errorOutput: 1, status: /^Stripe config: invalid setting: port must be/,
  },
  {
    title: 'fg-salesforce with a Salesforce config whose warning threshold is above 100 %',
    sets: ['fg-salesforce-config', 'fg-salesforce'],
    others: [{ id: 'c1', type: 'fg-salesforce-config', loginTarget: 'production', warnPercent: 150 }],
    node: { id: 'n', type: 'fg-salesforce', salesforce: 'c1', operation: 'query' }, outputs: 2, errorOutput: 1, status: /^Salesforce config: invalid setting: warnPercent must be/,
  },
  {
    title: 'fg-snowflake with a Snowflake config whose pool holds no connection',
    sets: ['fg-snowflake-config', 'fg-snowflake'],
    others: [{ id: 'c1', type: 'fg-snowflake-config', account: 'a', username: 'u', poolMax: 0 }],
    node: { id: 'n', type: 'fg-snowflake', snowflake: 'c1', sql: 'select 1' }, outputs: 2, errorOutput: 1, status: /^Snowflake config: invalid setting: poolMax must be/,
  },
  { title: 'fg-stripe-webhook (backfill input) without a Stripe config', sets: ['fg-stripe-webhook'], node: { id: 'n', type: 'fg-stripe-webhook', path: '/guard-test' }, outputs: 1, status: /^no Stripe config$/ },
  { title: 'fg-idempotency-complete without a gate', sets: ['fg-idempotency-complete'], node: { id: 'n', type: 'fg-idempotency-complete' }, outputs: 1, status: /^no gate$/ },
];

describe('config guard: every node with its config missing or broken', function () {
  // The node under test has one id in every case: its counters start again with each.
  beforeEach(() => metrics.forget('n'));
  afterEach(() => unload());

  for (const c of CASES) {
    for (const wired of c.errorOutput === undefined ? [false] : [true, false]) {
      it(`${c.title}: each message reaches ${wired ? 'the error output' : 'Catch'} once, code ${c.code ?? 'CONFIG_MISSING'}`, async () => {
        const wires = Array.from({ length: c.outputs }, (_, i) => (i === c.errorOutput ? (wired ? ['failed'] : []) : ['passed']));
        await load(c.sets, [
          { id: TAB, type: 'tab' },
          ...(c.others ?? []),
          { ...c.node, z: TAB, wires },
          { id: 'src', type: 'helper', z: TAB, wires: [['n']] },
          // (an id equal to a type name, e.g. 'catch', makes Node-RED refuse the flow)
          { id: 'on-error', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper', z: TAB }, { id: 'failed', type: 'helper', z: TAB }, { id: 'passed', type: 'helper', z: TAB },
        ]);
        const node = getNode('n');
        assert.ok(node, 'the node is created');
        const arrived: { where: string; msg: any }[] = [];
        for (const where of ['caught', 'failed', 'passed']) getNode(where).on('input', (msg: any) => arrived.push({ where, msg }));

        for (const payload of ['a', 'b']) getNode('src').send({ payload, topic: 'k' });
        await eventually(() => arrived.length >= 2, 'both messages arrived somewhere');
        // A third message behind them: anything doubled would have arrived before it.
        getNode('src').send({ payload: 'c', topic: 'k' });
        await eventually(() => arrived.some((a) => a.msg.payload === 'c'), 'the third message');

        assert.deepStrictEqual(arrived.map((a) => [a.where, a.msg.payload]), ['a', 'b', 'c'].map((p) => [wired ? 'failed' : 'caught', p]));
        for (const { msg } of arrived) {
          // Catch: Node-RED copies the error's code; error output: the FlowError itself
          assert.strictEqual(msg.error.code, c.code ?? 'CONFIG_MISSING');
          assert.match(msg.error.message, /not started|no fg-idempotency-gate selected/);
        }
        const statuses = node.status.getCalls().map((call: any) => call.args[0]);
        assert.ok(statuses.some((s: any) => s.fill === 'red' && c.status.test(s.text)), JSON.stringify(statuses));
        assert.strictEqual(metrics.snapshot().find((m) => m.id === 'n')?.counters.errors, 3, 'each failure counted once');
      });
    }
  }
});

describe('config guard: a service config node that cannot work says why', function () {
  afterEach(() => unload());

  const configs: { node: FlowNode; credentials?: Record<string, string>; status: RegExp }[] = [
    { node: { id: 'c1', type: 'fg-stripe-config' }, status: /secret key/i },
    { node: { id: 'c1', type: 'fg-stripe-config', timeoutMs: -1 }, credentials: { secretKey: 'sk_test_123456789' }, status: /^invalid setting: timeoutMs must be/ },
    { node: { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'mydomain', loginUrl: '' }, status: /My Domain login URL is required/ },
    { node: { id: 'c1', type: 'fg-salesforce-config', apiVersion: 'latest' }, status: /^invalid setting: apiVersion must be an API version/ },
    { node: { id: 'c1', type: 'fg-snowflake-config', account: 'a', username: 'u', auth: 'pat' }, status: /Programmatic access token authentication needs a token/ },
    { node: { id: 'c1', type: 'fg-snowflake-config', account: 'a', username: 'u', auth: 'kerberos' }, status: /^invalid setting: auth must be one of/ },
  ];
  for (const c of configs) {
    it(`${c.node.type} ${JSON.stringify(c.node)}: red status and problem naming it`, async () => {
      await load([c.node.type], [c.node], c.credentials ? { c1: c.credentials } : {});
      const node = getNode('c1');
      assert.ok(node, 'the config node is created');
      const statuses = node.status.getCalls().map((call: any) => call.args[0]);
      assert.ok(statuses.some((s: any) => s.fill === 'red' && c.status.test(s.text)), JSON.stringify(statuses));
      assert.match(node.problem, c.status);
    });
  }

  it('a config that can work has no problem and gives its face to the nodes using it', async () => {
    await load(['fg-stripe-config', 'fg-salesforce-config', 'fg-snowflake-config'], [
      { id: 's', type: 'fg-stripe-config' }, { id: 'f', type: 'fg-salesforce-config' },
      { id: 'w', type: 'fg-snowflake-config', account: 'a', username: 'u' },
    ], { s: { secretKey: 'sk_test_123456789' }, w: { password: 'pw' } });
    assert.strictEqual(getNode('s').problem, undefined);
    assert.strictEqual(typeof getNode('s').connection, 'function');
    assert.strictEqual(getNode('f').problem, undefined);
    assert.strictEqual(getNode('f').apiVersion, '68.0');
    assert.strictEqual(getNode('w').problem, undefined);
    assert.strictEqual(getNode('w').describe(), 'a');
  });
});
