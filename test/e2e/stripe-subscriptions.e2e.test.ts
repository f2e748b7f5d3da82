// The subscriptions example end to end in a real Node-RED process against the Stripe and Salesforce sandboxes: the
// webhook node registers a thin event destination, a subscription on a test clock is advanced through a renewal whose
// card declines, and Salesforce ends up with the subscription past_due, its MRR and next renewal; every thin event is
// delivered twice, yet each is synced once and the failed payment alerts once.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, startAllSandboxes } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: Stripe subscriptions to Salesforce example (thin events, test clock)', function () {
  this.timeout(90000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  const collector = new Collector();

  const records = async (): Promise<any[]> => {
    const state = await control(sandboxes.info.salesforce.url, 'GET', '/_sandbox/state');
    return state.records?.Stripe_Subscription__c ?? [];
  };
  const recordOf = async (subscription: string) => (await records()).find((r) => r.Stripe_Subscription_Id__c === subscription);
  const ready = (clock: string) => eventually('the test clock ready', async () => (await stripe.testHelpers.testClocks.retrieve(clock)).status === 'ready' || undefined);
  /** Every thin event of `types` sent to the destination so far, each answered 200 twice (the second dropped by the gate). */
  const thinEvents = async (types: string[]) => (await stripe.v2.core.events.list({})).data.filter((e) => types.includes(e.type));
  const deliveredTwice = (types: string[]) => eventually('two accepted deliveries of each thin event', async () => {
    const { attempts } = await control(sandboxes.info.stripe.url, 'GET', '/_sandbox/webhooks');
    const events = await thinEvents(types);
    return (events.length > 0 && events.every((e) => attempts.filter((a: any) => a.eventId === e.id && a.status === 200).length === 2)) ? events : undefined;
  });

  before(async () => {
    sandboxes = await startAllSandboxes();
    await collector.start();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    await control(s.url, 'POST', '/_sandbox/webhooks', { duplicate: true });
    // The tests poll Stripe while the flow fetches each thin event's object: above test mode's 25 requests a second.
    await control(s.url, 'POST', '/_sandbox/rate-limit', { perSecond: 200 });
    red = await startNodeRed();
    let flow = await fetchExample(red, 'Stripe/Subscriptions to Salesforce');
    flow = collector.tap(flow, 'st-ex4-upsert', 0, 'synced');
    flow = collector.tap(flow, 'st-ex4-alert', 0, 'alert');
    flow = collector.tap(flow, 'st-ex4-alert', 1, 'failure note');
    await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
    await eventually('the event destination registered', async () => (await stripe.v2.core.eventDestinations.list()).data.length === 1 || undefined)
      .catch((err) => { throw new Error(`${err.message}\n${red.output().slice(-3000)}`); });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await collector.close();
    await sandboxes?.close();
  });

  it('registers a thin event destination for the subscription and failed-payment types', async () => {
    const [destination] = (await stripe.v2.core.eventDestinations.list()).data;
    assert.equal(destination.event_payload, 'thin');
    assert.equal(destination.webhook_endpoint?.url, `${red.url}/stripe/subscriptions`);
    for (const type of ['v1.customer.subscription.created', 'v1.customer.subscription.updated', 'v1.customer.subscription.deleted', 'v1.invoice.payment_failed']) {
      assert.ok(destination.enabled_events.includes(type), type);
    }
  });

  it('a subscription advanced through a declined renewal is past_due in Salesforce with its MRR and next renewal; each event synced once, the failure alerted once', async () => {
    const start = Date.UTC(2027, 2, 10, 8) / 1000;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: 'e2e' });
    const customer = await stripe.customers.create({ email: 'renewal@example.com', test_clock: clock.id, invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Team plan' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } });
    // Longer than the 80 characters a custom object's Name holds: real Salesforce refuses the whole record (STRING_TOO_LONG).
    const description = 'Team plan, two seats, billed monthly to the operations budget of the Northwind office in Lyon';
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }], description });
    const firstEnd = subscription.items.data[0].current_period_end;

    const active = await eventually('the active subscription in Salesforce', async () => {
      const record = await recordOf(subscription.id);
      return record?.Status__c === 'active' ? record : undefined;
    });
    assert.equal(active.MRR__c, 30);
    assert.equal(new Date(active.Next_Renewal__c).getTime() / 1000, firstEnd);
    assert.equal(active.Stripe_Customer_Id__c, customer.id);
    assert.equal(active.Name, description.slice(0, 80), 'the description cut to the Name field\'s 80 characters');

    // The card declines from now on; the clock passes the period end and the hour before the renewal is charged.
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclined' } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: firstEnd + 2 * 3600 });
    await ready(clock.id);
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(renewed.status, 'past_due');

    const pastDue = await eventually('the past_due subscription in Salesforce', async () => {
      const record = await recordOf(subscription.id);
      return record?.Status__c === 'past_due' && record.Last_Payment_Failure__c ? record : undefined;
    });
    assert.equal(pastDue.MRR__c, 30, 'a past_due subscription is still billed');
    assert.equal(new Date(pastDue.Next_Renewal__c).getTime() / 1000, renewed.items.data[0].current_period_end);
    assert.match(pastDue.Last_Payment_Failure__c, /^Payment failed: invoice .+ \(30\.00 USD\), attempt 1; next try /);
    assert.equal((await records()).length, 1, 'one record per subscription');

    const subscriptionTypes = ['v1.customer.subscription.created', 'v1.customer.subscription.updated'];
    const delivered = await deliveredTwice([...subscriptionTypes, 'v1.invoice.payment_failed']);
    const failed = delivered.filter((e) => e.type === 'v1.invoice.payment_failed');
    assert.equal(failed.length, 1);
    // Each event's effects once: one upsert per subscription event (plus one for the failure note), one alert.
    await eventually('every event synced', async () => collector.all('synced').length === delivered.length || undefined);
    const synced = collector.all('synced').map((m) => m.stripe.eventId).sort();
    assert.deepEqual(synced, delivered.map((e) => e.id).sort(), 'each thin event wrote once');
    const alerts = collector.all('alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].payload.eventId, failed[0].id);
    assert.equal(alerts[0].payload.subscription, subscription.id);
    assert.equal(alerts[0].payload.attempt, 1);
  });

  it('a JPY subscription\'s MRR is in yen (a zero-decimal currency: Stripe\'s amount is already whole yen)', async () => {
    const customer = await stripe.customers.create({ email: 'yen@example.com', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Tokyo plan' });
    const price = await stripe.prices.create({ product: product.id, currency: 'jpy', unit_amount: 5000, recurring: { interval: 'month' } });
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const record = await eventually('the JPY subscription in Salesforce', async () => recordOf(subscription.id));
    assert.equal(record.MRR__c, 5000);
  });

  it('a failed payment notes the record without renaming it, the amount in the currency\'s unit (JPY)', async () => {
    const start = Date.UTC(2027, 5, 10, 8) / 1000;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: 'e2e rename' });
    const customer = await stripe.customers.create({ email: 'named@example.com', test_clock: clock.id, invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Named plan' });
    const price = await stripe.prices.create({ product: product.id, currency: 'jpy', unit_amount: 900, recurring: { interval: 'month' } });
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], description: 'Named plan for Lyon' });
    await eventually('the active subscription in Salesforce', async () => (await recordOf(subscription.id))?.Status__c === 'active' || undefined);

    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclined' } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: subscription.items.data[0].current_period_end + 2 * 3600 });
    await ready(clock.id);
    // The failure note and the past_due update may land in either order: the note itself must not carry a Name.
    const note = await eventually('the failure note upserted', async () => collector.all('failure note').find((m) => m.payload.Stripe_Subscription_Id__c === subscription.id));
    assert.ok(!('Name' in note.payload), `the note sets Name: ${JSON.stringify(note.payload)}`);
    assert.match(note.payload.Last_Payment_Failure__c, /\(900 JPY\), attempt 1;/);
    await eventually('the note synced', async () => collector.all('synced').some((m) => m.stripe.eventId === note.stripe.eventId) || undefined);
    await eventually('the failure noted in Salesforce', async () => {
      const record = await recordOf(subscription.id);
      return record?.Status__c === 'past_due' && record.Last_Payment_Failure__c ? record : undefined;
    });
    assert.equal((await recordOf(subscription.id)).Name, 'Named plan for Lyon');
  });
});
