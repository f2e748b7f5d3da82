// The Pub/Sub example flows as shipped (core nodes real, debug nodes as helpers), against the Salesforce sandbox's
// gRPC Pub/Sub API and the Stripe sandbox.
import assert from 'node:assert/strict';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxControl } from '../../sandbox/salesforce/control-client';
import { eventually, FlowNode, getNode, loadExample, receive, unload } from '../harness';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const SF_CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' };

describe('Salesforce Pub/Sub example flows', function () {
  this.timeout(30000);
  let sf: SalesforceSandbox;
  let stripe: StripeSandbox;
  const ctl = (method: string, path: string, body?: unknown): Promise<any> => sandboxControl(sf.url, method, path, body);
  const load = (file: string) => loadExample(`Salesforce/${file}`, {
    configure: (node: FlowNode) => {
      if (node.type === 'fg-salesforce-config') return { ...node, loginUrl: sf.url, authFlow: 'password', apiVersion: '59.0', pubsubEndpoint: `http://${sf.pubsubUrl}` };
      if (node.type === 'fg-stripe-config') return { ...node, host: stripe.host, port: String(stripe.port), ratePerSecond: 0 };
      if (node.type === 'fg-store-config') return { ...node, backend: 'memory' };
      if (node.type === 'fg-stripe-webhook') return { ...node, register: false };
      return node;
    },
    credentials: (node: FlowNode) => (node.type === 'fg-salesforce-config' ? SF_CREDS : node.type === 'fg-stripe-config' ? { secretKey: SANDBOX_TEST_KEY, webhookSecret: 'whsec_exampleTestSecret0123456789' } : undefined),
  });

  before(async () => {
    sf = await startSalesforceSandbox();
    stripe = await startStripeSandbox({ rateLimitPerSecond: 0 });
  });
  after(async () => { await sf.close(); await stripe.close(); });
  beforeEach(async () => { await ctl('POST', '/reset'); stripe.reset(); });
  afterEach(() => unload());

  it('"Stripe payment to Order_Paid__e" publishes one event per Stripe event, the event id in Idempotency_Key__c', async () => {
    await ctl('POST', '/pubsub/platform-events', {
      name: 'Order_Paid__e',
      fields: ['Order_Id__c', 'Payment_Intent__c', 'Currency__c', 'Idempotency_Key__c'].map((name) => ({ name, type: 'string' })).concat([{ name: 'Amount__c', type: 'double' }]),
    });
    await load('Stripe payment to Order_Paid__e.json');
    const event = {
      id: 'evt_example_1', type: 'payment_intent.succeeded', created: 1_700_000_000,
      data: { object: { id: 'pi_example_1', object: 'payment_intent', amount_received: 4200, currency: 'eur', metadata: { order_id: 'order-77' } } },
    };
    const published = receive('sf-ex3-published');
    const duplicate = receive('sf-ex3-duplicate');
    // As the webhook node sends a verified event: msg.payload the event, msg.idempotencyKey its id; Stripe delivers it twice.
    getNode('sf-ex3-gate').receive({ payload: event, idempotencyKey: event.id, topic: event.type });
    const [msg] = await published;
    getNode('sf-ex3-gate').receive({ payload: event, idempotencyKey: event.id, topic: event.type });
    await duplicate;
    assert.equal(msg.salesforce.mode, 'pubsub');
    const events = await ctl('GET', `/pubsub/events?topic=${encodeURIComponent('/event/Order_Paid__e')}`);
    assert.deepEqual(events.map((e: any) => [e.payload.Order_Id__c, e.payload.Payment_Intent__c, e.payload.Amount__c, e.payload.Currency__c, e.payload.Idempotency_Key__c]),
      [['order-77', 'pi_example_1', 42, 'EUR', 'evt_example_1']], 'published once');

    // Stripe counts in the currency's smallest unit: 5000 JPY is 5000 yen (a zero-decimal currency), not 50.
    const yen = { ...event, id: 'evt_example_2', data: { object: { ...event.data.object, id: 'pi_example_2', amount_received: 5000, currency: 'jpy' } } };
    const second = receive('sf-ex3-published');
    getNode('sf-ex3-gate').receive({ payload: yen, idempotencyKey: yen.id, topic: yen.type });
    await second;
    const all = await ctl('GET', `/pubsub/events?topic=${encodeURIComponent('/event/Order_Paid__e')}`);
    assert.deepEqual([all[1].payload.Amount__c, all[1].payload.Currency__c], [5000, 'JPY']);
  });

  it('"Account changes over Pub-Sub to Stripe" updates the linked customer when Name or Phone changed, and skips other changes', async () => {
    const customer = await sandboxClient(stripe).customers.create({ name: 'Old name' });
    const { ids } = await ctl('POST', '/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'Old name', External_Id__c: customer.id }] } });
    await load('Account changes over Pub-Sub to Stripe.json');
    await eventually(() => getNode('sf-ex4-events').status.getCalls().some((c: any) => / · subscribed/.test(c.args[0].text ?? '')), 'subscribed', 10000);
    const updates: any[] = [];
    getNode('sf-ex4-updated').on('input', (m: any) => updates.push(m));
    // A change of another field only: no Stripe call. Then a name change: the customer follows.
    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids.Account[0], record: { Industry: 'Retail' }, asUser: 'alice@flowguard.test' });
    await ctl('POST', '/dml', { op: 'update', type: 'Account', id: ids.Account[0], record: { Name: 'New name', Phone: '+49 30 1234' }, asUser: 'alice@flowguard.test' });
    await eventually(() => updates.length >= 1, 'the customer updated', 15000);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(updates.length, 1, 'the Industry change made no Stripe call');
    assert.equal(updates[0].payload.id, customer.id);
    const now = await sandboxClient(stripe).customers.retrieve(customer.id) as any;
    assert.deepEqual([now.name, now.phone, now.metadata.sf_account_id], ['New name', '+49 30 1234', ids.Account[0]]);
    await eventually(() => getNode('sf-ex4-events').status.getCalls().some((c: any) => / · replay \d+/.test(c.args[0].text ?? '')), 'the replay id stored once the update finished');
  });
});
