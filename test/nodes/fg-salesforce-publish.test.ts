// fg-salesforce "publish": Platform Events through the sandbox's Pub/Sub API in real Node-RED, with per-event results
// shaped like record writes, the idempotency key in the chosen field, and REST when Pub/Sub cannot be reached.
import assert from 'node:assert/strict';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { FlowNode, getNode, load, receive, reportedErrors, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };
const SETS = ['fg-salesforce-config', 'fg-salesforce'];
const TOPIC = '/event/Order_Paid__e';

describe('fg-salesforce node, publish Platform Events', function () {
  this.timeout(30000);
  let sb: SalesforceSandbox;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sb.url, method, path, body);
  const flow = (over: Record<string, unknown> = {}, endpoint?: string): FlowNode[] => [
    { id: 'tab', type: 'tab' },
    { id: 'c1', type: 'fg-salesforce-config', z: 'tab', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', pubsubEndpoint: endpoint ?? `http://${sb.pubsubUrl}` },
    { id: 'p1', type: 'fg-salesforce', z: 'tab', salesforce: 'c1', operation: 'publish', object: 'Order_Paid__e', keyField: 'Key__c', wires: [['ok'], ['failed']], ...over },
    { id: 'ok', type: 'helper', z: 'tab' },
    { id: 'failed', type: 'helper', z: 'tab' },
  ];
  const published = async (): Promise<any[]> => ctl('GET', `/pubsub/events?topic=${encodeURIComponent(TOPIC)}`);

  before(async () => { sb = await startSalesforceSandbox(); });
  after(async () => { await sb.close(); });
  beforeEach(async () => {
    await ctl('POST', '/reset');
    await ctl('POST', '/pubsub/platform-events', {
      name: 'Order_Paid__e', fields: [{ name: 'Order_Id__c', type: 'string' }, { name: 'Amount__c', type: 'double' }, { name: 'Key__c', type: 'string' }],
    });
  });
  afterEach(() => unload());

  it('publishes an array of events with one result each and the idempotency key in the key field', async () => {
    await load(SETS, flow(), { c1: CREDS });
    const out = receive('ok', 1);
    getNode('p1').receive({ payload: [{ Order_Id__c: 'o-1', Amount__c: 12.5 }, { Order_Id__c: 'o-2', Amount__c: 7, Key__c: 'own-key' }], idempotencyKey: 'pay-1' });
    const [msg] = await out;
    assert.equal(msg.salesforce.mode, 'pubsub');
    assert.deepEqual([msg.salesforce.total, msg.salesforce.succeeded, msg.salesforce.failed], [2, 2, 0]);
    assert.deepEqual(msg.payload.map((r: any) => [r.index, r.record.Order_Id__c]), [[0, 'o-1'], [1, 'o-2']]);
    assert.ok(msg.payload.every((r: any) => /^[0-9a-f-]{36}$/.test(r.id) && /^\d+$/.test(r.replayId)), JSON.stringify(msg.payload));
    const events = await published();
    assert.deepEqual(events.map((e: any) => [e.payload.Order_Id__c, e.payload.Amount__c, e.payload.Key__c]), [['o-1', 12.5, 'pay-1:0'], ['o-2', 7, 'own-key']]);
    assert.deepEqual(events.map((e: any) => e.id), msg.payload.map((r: any) => r.id), 'the event ids are the ones in the results');
  });

  it('fails only the event that does not fit the schema, on the error output, and publishes the others', async () => {
    await load(SETS, flow(), { c1: CREDS });
    const ok = receive('ok', 1);
    const failed = receive('failed', 1);
    getNode('p1').receive({ payload: [{ Order_Id__c: 'o-1', Amount__c: 'twelve' }, { Order_Id__c: 'o-2', Amount__c: 7 }], idempotencyKey: 'pay-2' });
    const [[good], [bad]] = await Promise.all([ok, failed]);
    assert.deepEqual(good.payload.map((r: any) => r.record.Order_Id__c), ['o-2']);
    assert.equal(bad.index, 0);
    assert.equal(bad.payload.Order_Id__c, 'o-1');
    assert.equal(bad.error.code, 'INVALID_FIELD');
    assert.match(bad.error.message, /does not fit the schema of \/event\/Order_Paid__e/);
    assert.deepEqual((await published()).map((e: any) => e.payload.Order_Id__c), ['o-2']);
  });

  it('refuses an object that is not a Platform Event, naming what it needs', async () => {
    await load(SETS, flow({ object: 'Account' }), { c1: CREDS });
    const failed = receive('failed', 1);
    getNode('p1').receive({ payload: { Name: 'x' } });
    const [msg] = await failed;
    assert.equal(msg.error.code, 'INVALID_TYPE');
    assert.match(msg.error.message, /Platform Event API name ending in __e, not "Account"/);
    assert.equal(reportedErrors('p1').length, 0, 'on the wired error output, not Catch');
  });

  it('creates the events through REST when the Pub/Sub endpoint cannot be reached', async () => {
    await load(SETS, flow({}, 'http://127.0.0.1:1'), { c1: CREDS });
    const answered = Promise.race([receive('ok', 1, 15000).then((m) => ['ok', m[0]]), receive('failed', 1, 15000).then((m) => ['failed', m[0]])]);
    getNode('p1').receive({ payload: { Order_Id__c: 'o-9', Amount__c: 1 }, idempotencyKey: 'pay-9' });
    const [output, msg] = await answered as [string, any];
    // The REST path was taken: one sObject Collections create, which the sandbox publishes as Salesforce does.
    assert.equal(output, 'ok', JSON.stringify(msg.error ?? null));
    assert.equal(msg.salesforce.mode, 'rest');
    const calls = await ctl('GET', '/calls');
    assert.equal(calls.byRoute['collections.create'], 1);
    const events = await published();
    assert.deepEqual(events.map((e: any) => [e.payload.Order_Id__c, e.payload.Amount__c, e.payload.Key__c]), [['o-9', 1, 'pay-9']]);
  });
});
