// The flowguard-ops plugin against a real runtime (test helper): message hooks count every fg- node, the admin
// routes answer the dashboard state, live updates go over RED.comms, the Prometheus endpoint is off by default and
// speaks the text format when configured, and no secret ever appears in a dashboard or DLQ response.
import * as assert from 'assert';
import * as path from 'path';
import supertest = require('supertest');
import { metrics } from '../../lib/ops/metrics';
import { OpsHandle, startOps } from '../../plugins/flowguard-ops/runtime';
import { prometheusPath } from '../../plugins/flowguard-ops/routes';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { eventually, FlowNode, getNode, helper, httpAdmin, load, receive, startServer, stopServer, unload } from '../harness';

// The test helper's runtime has no hooks object: hand the plugin the one the runtime's flows trigger.
const nodeRedDir = path.dirname(process.env.NODE_RED_PATH || require.resolve('node-red'));
const runtimeHooks = require(require.resolve('@node-red/util', { paths: [nodeRedDir] })).hooks;

const SECRETS = {
  stripeKey: SANDBOX_TEST_KEY,
  webhookSecret: 'whsec_opsTestSigningSecret0123456789',
  snowflakePassword: 'Sn0wflake-Pa55word-ops',
  redisPassword: 'redis-Pa55word-ops',
};
const SETS = ['fg-store-config', 'fg-stripe-config', 'fg-stripe', 'fg-snowflake-config', 'fg-dead-letter'];

describe('flowguard-ops plugin', function () {
  this.timeout(20000);
  let sandbox: StripeSandbox;
  let ops: OpsHandle;
  let RED: any;
  let customerId: string;
  const published: any[] = [];
  const onComms = (e: any) => { if (e.topic === 'flowguard/ops') published.push(e); };

  const flow = (): FlowNode[] => [
    { id: 'tab1', type: 'tab', label: 'Payments' },
    { id: 's1', type: 'fg-store-config', backend: 'memory' },
    { id: 'cfg', type: 'fg-stripe-config', useCustomHost: true, host: sandbox.host, port: sandbox.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 25 },
    { id: 'sf', type: 'fg-snowflake-config', account: 'sandbox', username: 'ops', auth: 'password', accessUrl: 'http://127.0.0.1:9' },
    { id: 'src', type: 'helper', z: 'tab1', wires: [['get']] },
    { id: 'get', type: 'fg-stripe', z: 'tab1', name: 'get customer', stripe: 'cfg', resource: 'customers', method: 'retrieve', idType: 'msg', idValue: 'stripeId', paramsType: 'none', keySource: 'msg', keyScope: 'node', maxItems: 100, listOutput: 'array', errorRouting: 'auto', wires: [['ok'], ['dlq']] },
    { id: 'dlq', type: 'fg-dead-letter', z: 'tab1', name: 'payments dlq', store: 's1', alertIntervalSeconds: 0, wires: [['replayed'], []] },
    { id: 'src2', type: 'helper', z: 'tab1', wires: [['twice']] },
    { id: 'twice', type: 'fg-stripe', z: 'tab1', name: 'to catch and output', stripe: 'cfg', resource: 'customers', method: 'retrieve', idType: 'msg', idValue: 'stripeId', paramsType: 'none', keySource: 'msg', keyScope: 'node', maxItems: 100, listOutput: 'array', errorRouting: 'both', wires: [[], ['err']] },
    { id: 'err', type: 'helper', z: 'tab1' },
    { id: 'ok', type: 'helper', z: 'tab1' },
    { id: 'replayed', type: 'helper', z: 'tab1' },
  ];

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
    customerId = (await sandboxClient(sandbox).customers.create({ email: 'ops@example.com' })).id;
    await startServer();
    metrics.reset();
    RED = await load(SETS, flow(), {
      s1: { password: SECRETS.redisPassword },
      cfg: { secretKey: SECRETS.stripeKey, webhookSecrets: SECRETS.webhookSecret },
      sf: { password: SECRETS.snowflakePassword },
    });
    RED.events.on('comms', onComms);
    ops = startOps(Object.assign(Object.create(RED), { hooks: runtimeHooks }));
  });

  after(async () => {
    ops?.stop();
    RED?.events.removeListener('comms', onComms);
    await unload();
    await stopServer();
    await sandbox?.close();
  });

  const node = (state: any, id: string) => state.nodes.find((n: any) => n.id === id);

  it('lists the deployed fg- nodes (config nodes left out) with flow names before any traffic', async () => {
    const res = await httpAdmin().get('/flowguard/ops/state').expect(200);
    assert.deepStrictEqual(res.body.nodes.map((n: any) => [n.id, n.type, n.name, n.flowName]), [
      ['get', 'fg-stripe', 'get customer', 'Payments'],
      ['dlq', 'fg-dead-letter', 'payments dlq', 'Payments'],
      ['twice', 'fg-stripe', 'to catch and output', 'Payments'],
    ]);
    assert.strictEqual(node(res.body, 'get').counters.received, 0);
  });

  it('counts received, sent and errors by code through the hooks, times the call, and parks the failure', async () => {
    const okArrived = receive('ok');
    getNode('src').send({ stripeId: customerId, correlationId: 'corr-ok' });
    await okArrived;
    getNode('src').send({ stripeId: 'cus_missing', correlationId: 'corr-bad', payload: { note: `key ${SECRETS.stripeKey}` } });
    await eventually(async () => (await httpAdmin().get('/flowguard/dlq/dlq')).body.depth === 1, 'the failed call parked');
    const state = (await httpAdmin().get('/flowguard/ops/state').expect(200)).body;
    const get = node(state, 'get');
    assert.deepStrictEqual([get.counters.received, get.counters.sent, get.counters.errors], [2, 2, 1]);
    assert.deepStrictEqual(Object.keys(get.errorsByCode), ['resource_missing']);
    assert.strictEqual(get.timings.call_seconds.count, 2, 'both service calls timed');
    assert.strictEqual(get.timings.handle_seconds.count, 2);
    assert.ok(get.gauges.stripe_rate_headroom >= 0 && get.gauges.stripe_rate_headroom <= 25);
    const dlq = node(state, 'dlq');
    assert.deepStrictEqual([dlq.counters.received, dlq.counters.parked, dlq.gauges.dlq_depth], [1, 1, 1], 'the dead-letter node reports parks and its depth');
    assert.deepStrictEqual(state.totals, { received: 3, sent: 2, errors: 1, dlqDepth: 1 });
    const history = (await httpAdmin().get('/flowguard/ops/history').expect(200)).body.minutes;
    assert.strictEqual(history.length, 60);
    assert.strictEqual(history.reduce((sum: number, m: any) => sum + m.errors, 0), 1);
  });

  it('counts an error once when the node sends it to its error output and to Catch', async () => {
    const arrived = receive('err');
    getNode('src2').send({ stripeId: 'cus_missing' });
    await arrived;
    await eventually(async () => node((await httpAdmin().get('/flowguard/ops/state')).body, 'twice').timings.handle_seconds?.count === 1, 'completed');
    const twice = node((await httpAdmin().get('/flowguard/ops/state')).body, 'twice');
    assert.deepStrictEqual(twice.errorsByCode, { resource_missing: 1 });
    assert.strictEqual(getNode('twice').error.callCount, 1, 'Catch got it too');
  });

  it('publishes the state over comms only when something changed', async () => {
    published.length = 0;
    ops.publish();
    assert.strictEqual(published.length, 1);
    assert.strictEqual(published[0].retain, true);
    assert.strictEqual(node(published[0].data, 'get').counters.received, 2);
    ops.publish();
    assert.strictEqual(published.length, 1, 'nothing changed, nothing sent');
    getNode('src').send({ stripeId: customerId });
    await receive('ok');
    ops.publish();
    assert.strictEqual(published.length, 2);
  });

  it('counts a DLQ replay as sent and the message arrives downstream', async () => {
    const [entry] = (await httpAdmin().get('/flowguard/dlq/dlq').expect(200)).body.entries;
    const arrived = receive('replayed');
    await httpAdmin().post('/flowguard/dlq/dlq/replay').send({ ids: [entry.id] }).expect(200);
    const [msg] = await arrived;
    assert.strictEqual(msg.correlationId, 'corr-bad');
    const state = (await httpAdmin().get('/flowguard/ops/state')).body;
    assert.deepStrictEqual([node(state, 'dlq').counters.sent, node(state, 'dlq').counters.replayed, node(state, 'dlq').gauges.dlq_depth], [1, 1, 0]);
  });

  it('serves the ops page, which loads the view from the package resources, and Prometheus text on the admin API', async () => {
    const page = await httpAdmin().get('/flowguard/ops/page').expect(200);
    assert.match(page.headers['content-type'], /text\/html/);
    // relative to <admin root>/flowguard/ops/page: the editor's stylesheet and this package's resources
    assert.match(page.text, /<link rel="stylesheet" href="\.\.\/\.\.\/red\/style\.min\.css">/);
    for (const file of ['ops.css', 'ops-ui.js', 'ops-dlq.js', 'ops-view.js', 'ops-page.js']) {
      assert.ok(page.text.includes(`"../../resources/@flowguard/node-red-integrations/${file}"`), `the page loads ${file}`);
    }
    assert.ok(!page.text.includes('__RESOURCES__') && !page.text.includes('FLOWGUARD-THEME-CSS'), 'placeholders filled in');
    const slash = await httpAdmin().get('/flowguard/ops/page/?access_token=x').expect(302);
    assert.strictEqual(slash.headers.location, '../page?access_token=x', 'a trailing slash would break the relative URLs');
    await httpAdmin().get('/flowguard/ops/view.js').expect(404);
    const prom = await httpAdmin().get('/flowguard/ops/metrics').expect(200);
    assert.match(prom.headers['content-type'], /^text\/plain;.*version=0\.0\.4/);
    assert.match(prom.text, /^flowguard_received_total\{node="get",type="fg-stripe",name="get customer",flow="tab1"\} 3$/m);
    assert.match(prom.text, /^flowguard_errors_total\{node="get",type="fg-stripe",name="get customer",flow="tab1",code="resource_missing"\} 1$/m);
  });

  it('takes node and flow labels from the editor for deployed ids only, and refuses a malformed request', async () => {
    await httpAdmin().put('/flowguard/ops/labels').send({ labels: ['get'] }).expect(400);
    const res = await httpAdmin().put('/flowguard/ops/labels').send({ labels: { get: 'stripe customers.retrieve', tab1: 'Payments (EU)', nope: 'x' } }).expect(200);
    assert.strictEqual(res.body.taken, 2);
    const state = (await httpAdmin().get('/flowguard/ops/state').expect(200)).body;
    assert.strictEqual(node(state, 'get').label, 'stripe customers.retrieve');
    assert.strictEqual(node(state, 'get').flowName, 'Payments (EU)');
    assert.strictEqual(state.flows.tab1, 'Payments (EU)');
    await httpAdmin().put('/flowguard/ops/labels').send({ labels: { get: 'get customer', tab1: 'Payments' } }).expect(200);
  });

  it('has no Prometheus endpoint on httpNode unless a path is configured', async () => {
    await supertest(RED.httpNode).get('/metrics').expect(404);
    assert.strictEqual(prometheusPath({}), undefined);
    assert.strictEqual(prometheusPath({ flowguard: { prometheus: { path: 'fg-metrics' } } }), '/fg-metrics');
  });

  it('never puts a secret in any dashboard or DLQ response', async () => {
    // Park one more failure whose payload carries secrets, so the DLQ routes have something to leak.
    getNode('src').send({ stripeId: 'cus_missing', payload: { note: SECRETS.webhookSecret, password: SECRETS.snowflakePassword } });
    await eventually(async () => (await httpAdmin().get('/flowguard/dlq/dlq')).body.depth === 1, 'parked');
    const [entry] = (await httpAdmin().get('/flowguard/dlq/dlq')).body.entries;
    ops.publish();
    const bodies = [
      ...(await Promise.all(['/flowguard/ops/state', '/flowguard/ops/history', '/flowguard/ops/metrics', '/flowguard/ops/page',
        '/flowguard/dlq', '/flowguard/dlq/dlq', `/flowguard/dlq/dlq/${entry.id}`, '/flowguard/dlq/dlq/export'].map(async (url) => (await httpAdmin().get(url).expect(200)).text))),
      JSON.stringify(published),
    ];
    assert.ok(bodies[5].includes('cus_missing'), 'the DLQ entry is really in the responses');
    for (const [name, secret] of Object.entries(SECRETS)) {
      bodies.forEach((body, i) => assert.ok(!body.includes(secret), `${name} appears in response ${i}`));
    }
  });

  it('stops counting once stopped, and the routes say so', async () => {
    ops.stop();
    const received = metrics.snapshot().find((n) => n.id === 'get')!.counters.received;
    getNode('src').send({ stripeId: customerId });
    await receive('ok');
    assert.strictEqual(metrics.snapshot().find((n) => n.id === 'get')!.counters.received, received);
    await httpAdmin().get('/flowguard/ops/state').expect(503);
    ops = startOps(Object.assign(Object.create(RED), { hooks: runtimeHooks }));
    await httpAdmin().get('/flowguard/ops/state').expect(200);
  });
});

describe('flowguard-ops Prometheus endpoint', function () {
  let ops: OpsHandle;
  let RED: any;
  before(async () => {
    helper.settings({ flowguard: { prometheus: { path: '/fg-metrics' } } });
    metrics.reset();
    RED = await load(['fg-store-config', 'fg-dead-letter'], [
      { id: 's1', type: 'fg-store-config', backend: 'memory' },
      { id: 'src', type: 'helper', wires: [['dlq']] },
      { id: 'dlq', type: 'fg-dead-letter', store: 's1', wires: [[], []] },
    ]);
    ops = startOps(Object.assign(Object.create(RED), { hooks: runtimeHooks }));
  });
  after(async () => {
    ops?.stop();
    helper.settings({});
    await unload();
  });

  it('serves the text format on the configured httpNode path', async () => {
    getNode('src').send({ payload: 1, error: { message: 'boom', code: 'X' } });
    await eventually(() => (metrics.snapshot().find((n) => n.id === 'dlq')?.counters.received ?? 0) === 1, 'counted');
    const res = await supertest(RED.httpNode).get('/fg-metrics').expect(200);
    assert.match(res.headers['content-type'], /^text\/plain;.*version=0\.0\.4/);
    assert.match(res.text, /^# TYPE flowguard_received_total counter$/m);
    assert.match(res.text, /^flowguard_received_total\{node="dlq",type="fg-dead-letter",name="",flow=""\} 1$/m);
    assert.match(res.text, /^# TYPE flowguard_handle_duration_seconds histogram$/m);
  });
});
