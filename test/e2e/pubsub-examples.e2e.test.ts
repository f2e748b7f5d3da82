// The two Pub/Sub examples end to end in a real Node-RED process against the sandboxes (as `npm start` runs them):
// a Stripe payment becomes exactly one Order_Paid__e Platform Event though Stripe delivers its webhook twice, and an
// Account edited in Salesforce reaches its Stripe customer over the Pub/Sub API (Scenario 3 without polling).
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { control, pointAtSandboxes, startAllSandboxes, webhooksRegistered } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: the Salesforce Pub/Sub examples', function () {
  this.timeout(90000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;

  const sf = () => sandboxes.info.salesforce.url;
  const deployExample = async (name: string) => {
    const deployed = pointAtSandboxes(await fetchExample(red, name), sandboxes.info, red);
    await red.deploy(deployed);
    return deployed;
  };

  before(async () => {
    sandboxes = await startAllSandboxes();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    // Every event is delivered twice, as Stripe may do.
    await control(s.url, 'POST', '/_sandbox/webhooks', { duplicate: true });
    red = await startNodeRed();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
  });

  it('Stripe payment to Order_Paid__e: one Platform Event per payment, with the Stripe event id as its key', async () => {
    await webhooksRegistered(sandboxes.info, await deployExample('Salesforce/Stripe payment to Order_Paid__e'));
    const pi = await stripe.paymentIntents.create({
      amount: 4200, currency: 'usd', payment_method: 'pm_card_visa', confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, metadata: { order_id: 'o-77' },
    });
    const [event] = (await stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 })).data.filter((e) => (e.data.object as Stripe.PaymentIntent).id === pi.id);
    const published = async () => ((await control(sf(), 'GET', '/_sandbox/pubsub/events?topic=/event/Order_Paid__e')) as any[]).filter((e) => e.payload.Payment_Intent__c === pi.id);
    await eventually('the Platform Event', async () => (await published()).length > 0 || undefined);
    // both deliveries answered 200 (the second dropped by the gate) before counting
    await eventually('two accepted deliveries', async () => {
      const { attempts } = await control(sandboxes.info.stripe.url, 'GET', '/_sandbox/webhooks');
      return attempts.filter((a: any) => a.eventId === event.id && a.status === 200).length === 2 || undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const events = await published();
    assert.equal(events.length, 1, 'published once');
    const { Order_Id__c, Amount__c, Currency__c, Idempotency_Key__c } = events[0].payload;
    assert.deepEqual({ Order_Id__c, Amount__c, Currency__c, Idempotency_Key__c }, { Order_Id__c: 'o-77', Amount__c: 42, Currency__c: 'USD', Idempotency_Key__c: event.id });
  });

  it('Account changes over Pub/Sub to Stripe: a name edited in Salesforce reaches the linked Stripe customer', async () => {
    const customer = await stripe.customers.create({ name: 'Acme', email: 'billing@acme.test' });
    const seeded = await control(sf(), 'POST', '/_sandbox/seed', { asUser: 'alice@flowguard.test', records: { Account: [{ Name: 'Acme', External_Id__c: customer.id }] } });
    const accountId = seeded.ids.Account[0];
    await deployExample('Salesforce/Account changes over Pub-Sub to Stripe');
    const rename = (name: string) => control(sf(), 'POST', '/_sandbox/dml', { op: 'update', type: 'Account', id: accountId, record: { Name: name, Phone: '+1 555 0100' }, asUser: 'alice@flowguard.test' });
    // The subscription starts from the latest event when the flow starts: edit until one edit is seen, then once more.
    let n = 0;
    await eventually('a first edit to reach Stripe', async () => {
      await rename(`Acme ${++n}`);
      await new Promise((r) => setTimeout(r, 500));
      return (await stripe.customers.retrieve(customer.id) as Stripe.Customer).name?.startsWith('Acme ') || undefined;
    }, 40000);
    await rename('Acme Holdings');
    const updated = await eventually('the last edit in Stripe', async () => {
      const c = await stripe.customers.retrieve(customer.id) as Stripe.Customer;
      return c.name === 'Acme Holdings' ? c : undefined;
    });
    assert.equal(updated.phone, '+1 555 0100');
    assert.equal(updated.metadata.sf_account_id, accountId);
    assert.equal(updated.email, 'billing@acme.test', 'fields the flow does not map are left alone');
  });
});
