// Scenario 1 end to end: signed Stripe webhooks from the sandbox (delivered twice) become exactly one Salesforce
// Opportunity per payment with the right amount and Account; a disputed payment moves it to Negotiation, and the closed
// dispute to Closed Lost (the disputed amount taken back) or Closed Won; lock errors are retried; a permanent failure is
// parked in the DLQ and compensated in Stripe (refund) once.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, webhooksRegistered, startAllSandboxes } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';


describe('e2e: Scenario 1, Stripe payment → Salesforce', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  let accountId: string;
  const collector = new Collector();

  const sf = () => sandboxes.info.salesforce.url;
  const opportunities = async (piId: string): Promise<any[]> => {
    const state = await control(sf(), 'GET', '/_sandbox/state');
    const records: any[] = state.records?.Opportunity ?? Object.values(state.records ?? {}).flat().filter((r: any) => r.attributes?.type === 'Opportunity');
    return records.filter((r) => r.Stripe_Payment_Id__c === piId);
  };
  const pay = (amount: number, account: string, order: string, paymentMethod = 'pm_card_visa') =>
    stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: paymentMethod, confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, metadata: { account_id: account, order_id: order } });
  const settle = () => new Promise((r) => setTimeout(r, 500));
  /** The event types whose processing wrote the payment's Opportunity, sorted (one entry per write). */
  const writesFor = (piId: string): string[] =>
    collector.all('written').filter((m) => m.paymentIntent?.id === piId).map((m) => String(m.eventType)).sort();
  const eventOf = async (type: string, objectId: string): Promise<Stripe.Event> => {
    const event = (await stripe.events.list({ type, limit: 100 })).data.find((e) => (e.data.object as { id?: string }).id === objectId);
    assert.ok(event, `a ${type} event for ${objectId}`);
    return event;
  };
  /** Resolves once the sandbox delivered each event twice and Node-RED accepted both (the gate drops the second). */
  const deliveredTwice = (eventIds: string[]) => eventually('two accepted deliveries of each event', async () => {
    const { attempts } = await control(sandboxes.info.stripe.url, 'GET', '/_sandbox/webhooks');
    const accepted = eventIds.map((id) => attempts.filter((a: any) => a.eventId === id && a.status === 200).length);
    return accepted.every((n) => n === 2) || undefined;
  });
  /** Pays with the dispute test card and waits until both events are written: the Opportunity is in Negotiation. */
  const disputedPayment = async (amount: number, order: string) => {
    const pi = await pay(amount, 'ACME-1', order, 'pm_card_createDispute');
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    assert.equal(dispute.status, 'needs_response');
    await eventually('the payment and its dispute written', async () =>
      ['charge.dispute.created', 'payment_intent.succeeded'].every((type) => writesFor(pi.id).includes(type)) || undefined);
    const [opp] = await opportunities(pi.id);
    assert.equal(opp.StageName, 'Negotiation');
    assert.equal(opp.Amount, amount / 100);
    return { pi, dispute };
  };

  before(async () => {
    sandboxes = await startAllSandboxes();
    await collector.start();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http' });
    const seeded = await control(sf(), 'POST', '/_sandbox/seed', { records: { Account: [{ Name: 'Acme', External_Id__c: 'ACME-1' }] } });
    accountId = seeded.ids.Account[0];
    // Every event is delivered twice, as Stripe may do.
    await control(s.url, 'POST', '/_sandbox/webhooks', { duplicate: true });
    red = await startNodeRed();
    let flow = await fetchExample(red, 'Scenarios/1 Stripe payment to Salesforce');
    flow = flow.map((node) => (node.type === 'tab' ? { ...node, env: [{ name: 'COMPENSATION', value: 'refund', type: 'str' }] } : node));
    flow = collector.tap(flow, 'sc1-notify', 0, 'alert');
    flow = collector.tap(flow, 'sc1-compensated', 0, 'compensated');
    flow = collector.tap(flow, 'sc1-upsert', 0, 'written');
    flow = collector.tap(flow, 'sc1-retry', 0, 'retried');
    const deployed = pointAtSandboxes(flow, sandboxes.info, red);
    await red.deploy(deployed);
    await webhooksRegistered(sandboxes.info, deployed);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await collector.close();
    await sandboxes?.close();
  });

  it('creates one Opportunity linked to the Account for a payment delivered twice, and follows a refund', async () => {
    const pi = await pay(2000, 'ACME-1', 'o-1');
    const [opp] = await eventually('the Opportunity', async () => { const o = await opportunities(pi.id); return o.length ? o : undefined; });
    assert.equal(opp.Amount, 20);
    assert.equal(opp.StageName, 'Closed Won');
    assert.equal(opp.Name, 'Order o-1');
    assert.equal(opp.AccountId, accountId);
    await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    await eventually('the refund in Salesforce', async () => (await opportunities(pi.id))[0]?.Amount === 15);
    await settle();
    assert.equal((await opportunities(pi.id)).length, 1);
  });

  it('a disputed payment: the Opportunity goes to Negotiation at the full amount, written once per event though each arrives twice', async () => {
    const pi = await pay(3100, 'ACME-1', 'o-d1', 'pm_card_createDispute');
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    assert.equal(dispute.status, 'needs_response');
    const [opp] = await eventually('the disputed Opportunity', async () => {
      const o = await opportunities(pi.id);
      return o[0]?.StageName === 'Negotiation' ? o : undefined;
    });
    // A dispute takes the money back only if it is lost: the Opportunity keeps the captured amount while it is open.
    assert.equal(opp.Amount, 31);
    assert.equal(opp.Name, 'Order o-d1');
    assert.equal(opp.AccountId, accountId);

    const paid = await eventOf('payment_intent.succeeded', pi.id);
    const disputed = await eventOf('charge.dispute.created', dispute.id);
    await deliveredTwice([paid.id, disputed.id]);
    await settle();
    assert.deepEqual(writesFor(pi.id), ['charge.dispute.created', 'payment_intent.succeeded']);
    assert.equal((await opportunities(pi.id)).length, 1);
    assert.equal((await opportunities(pi.id))[0].StageName, 'Negotiation');
  });

  it('a dispute closed as lost: Closed Lost, the disputed amount taken back, one write per event though each arrives twice', async () => {
    const { pi, dispute } = await disputedPayment(2600, 'o-d2');
    // The dispute read fails for good once (the SDK's own two retries included): fg-retry brings the event back.
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/faults', { route: 'GET /v1/disputes', kind: '500', times: 3 });
    // The sandbox's close route, as Stripe's "accept the dispute": lost at once.
    const closed = await stripe.disputes.close(dispute.id);
    assert.equal(closed.status, 'lost');
    // Stripe leaves the charge disputed after the dispute closes: only the dispute's own status tells the outcome.
    assert.equal((await stripe.charges.retrieve(String(pi.latest_charge))).disputed, true);
    const closedEvent = await eventOf('charge.dispute.closed', dispute.id);
    await deliveredTwice([closedEvent.id]);
    await eventually('the closed dispute written', async () => writesFor(pi.id).includes('charge.dispute.closed') || undefined);
    await settle();
    const retried = collector.all('retried').filter((m) => m.paymentIntent?.id === pi.id);
    assert.deepEqual(retried.map((m) => [m.eventType, m.retry.history[0].status]), [['charge.dispute.closed', 500]]);
    assert.deepEqual(writesFor(pi.id), ['charge.dispute.closed', 'charge.dispute.created', 'payment_intent.succeeded']);
    const opps = await opportunities(pi.id);
    assert.equal(opps.length, 1);
    assert.equal(opps[0].StageName, 'Closed Lost');
    // The full amount was disputed and lost: nothing is left of the payment.
    assert.equal(opps[0].Amount, 0);
    assert.equal(opps[0].AccountId, accountId);
  });

  it('a dispute won with evidence: Closed Won at the full amount, one write per event though each arrives twice', async () => {
    const { pi, dispute } = await disputedPayment(4200, 'o-d3');
    // Stripe's test-mode winning evidence, submitted with the update: the dispute goes under review, then won.
    await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    assert.equal((await stripe.disputes.retrieve(dispute.id)).status, 'won');
    const closedEvent = await eventOf('charge.dispute.closed', dispute.id);
    await deliveredTwice([closedEvent.id]);
    await eventually('the closed dispute written', async () => writesFor(pi.id).includes('charge.dispute.closed') || undefined);
    await settle();
    assert.deepEqual(writesFor(pi.id), ['charge.dispute.closed', 'charge.dispute.created', 'payment_intent.succeeded']);
    const opps = await opportunities(pi.id);
    assert.equal(opps.length, 1);
    assert.equal(opps[0].StageName, 'Closed Won');
    assert.equal(opps[0].Amount, 42);
  });

  it('retries a Salesforce lock error and still writes once', async () => {
    await control(sf(), 'POST', '/_sandbox/faults', { match: 'PATCH .*Opportunity', kind: 'error', errorCode: 'UNABLE_TO_LOCK_ROW', times: 2 });
    const pi = await pay(4321, 'ACME-1', 'o-2');
    const [opp] = await eventually('the Opportunity after retries', async () => { const o = await opportunities(pi.id); return o.length ? o : undefined; });
    assert.equal(opp.Amount, 43.21);
    await control(sf(), 'DELETE', '/_sandbox/faults');
    assert.equal((await opportunities(pi.id)).length, 1);
  });

  it('parks a payment whose Account does not exist, refunds it once and records the compensation', async () => {
    const pi = await pay(999, 'NO-SUCH-ACCOUNT', 'o-3');
    const [done] = await collector.wait('compensated', 1, 20000);
    assert.match(done.payload, new RegExp(`${pi.id} compensated: refunded`));
    const refunds = await stripe.refunds.list({ payment_intent: pi.id });
    assert.equal(refunds.data.length, 1);
    assert.equal(refunds.data[0].amount, 999);
    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    assert.equal(charge.amount_refunded, 999);
    assert.equal(charge.metadata.flowguard_compensation, 'refunded');
    assert.match(charge.metadata.flowguard_compensation_reason, /ACCOUNT_NOT_FOUND/);
    assert.equal((await opportunities(pi.id)).length, 0);

    const dlq = await red.request('GET', '/flowguard/dlq/sc1-dlq');
    assert.equal(dlq.status, 200);
    // The payment's event once, despite the duplicate delivery (the compensation's own charge.refunded is parked too).
    const parked = dlq.body.entries.filter((e: any) => e.item.msg.payload?.type === 'payment_intent.succeeded' && e.item.msg.payload?.data?.object?.id === pi.id);
    assert.equal(parked.length, 1, JSON.stringify(dlq.body).slice(0, 500));
    const alerts = await collector.wait('alert');
    assert.match(alerts[0].payload, /ACCOUNT_NOT_FOUND/);
  });

  it('an operator adds the Account and replays the parked payment: one Opportunity, with the refunded amount', async () => {
    const page = await red.request('GET', '/flowguard/dlq/sc1-dlq');
    const entry = page.body.entries.find((e: any) => e.item.msg.payload?.type === 'payment_intent.succeeded');
    const piId = entry.item.msg.payload.data.object.id;
    await control(sf(), 'POST', '/_sandbox/seed', { records: { Account: [{ Name: 'Late account', External_Id__c: 'NO-SUCH-ACCOUNT' }] } });
    const replayed = await red.request('POST', '/flowguard/dlq/sc1-dlq/replay', { ids: [entry.id] });
    assert.deepEqual(replayed.body.replayed, [entry.id]);
    const [opp] = await eventually('the replayed Opportunity', async () => { const o = await opportunities(piId); return o.length ? o : undefined; });
    // The compensation refunded it in full: the current state is what Salesforce gets.
    assert.equal(opp.Amount, 0);
    assert.equal(opp.StageName, 'Closed Lost');
    await settle();
    assert.equal((await opportunities(piId)).length, 1);
    assert.equal((await stripe.refunds.list({ payment_intent: piId })).data.length, 1);
  });

  it('with COMPENSATION=flag the payment is kept and flagged for an operator instead', async () => {
    let flow = await fetchExample(red, 'Scenarios/1 Stripe payment to Salesforce');
    flow = flow.map((node) => (node.type === 'tab' ? { ...node, env: [{ name: 'COMPENSATION', value: 'flag', type: 'str' }] } : node));
    flow = collector.tap(flow, 'sc1-compensated', 0, 'flagged');
    await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
    const pi = await pay(777, 'ALSO-MISSING', 'o-4');
    const [done] = await collector.wait('flagged', 1, 20000);
    assert.match(done.payload, new RegExp(`${pi.id} compensated: needs_operator`));
    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    assert.equal(charge.metadata.flowguard_compensation, 'needs_operator');
    assert.equal(charge.amount_refunded, 0);
    assert.equal((await stripe.refunds.list({ payment_intent: pi.id })).data.length, 0);
  });
});
