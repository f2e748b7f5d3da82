// The Connect example end to end in a real Node-RED process against the Stripe sandbox: POST /marketplace/orders
// charges on the seller's connected account (a direct charge) once per order and seller, however often the caller
// retries; the Connect endpoint (registered by the webhook node, every event delivered twice) passes each seller's
// payment event through the gate once; a seller the platform cannot reach is Stripe's refusal, not a charge.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, startAllSandboxes, webhooksRegistered } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: Stripe Connect marketplace example', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  let sellerA: string;
  let sellerB: string;
  const collector = new Collector();

  const order = (body: Record<string, unknown>) =>
    fetch(`${red.url}/marketplace/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const intentsOn = async (account: string, orderId: string) =>
    (await stripe.paymentIntents.list({ limit: 100 }, { stripeAccount: account })).data.filter((pi) => pi.metadata.order === orderId);

  before(async () => {
    sandboxes = await startAllSandboxes();
    await collector.start();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    sellerA = (await stripe.accounts.create({ type: 'express' })).id;
    sellerB = (await stripe.accounts.create({ type: 'express' })).id;
    // Every event is delivered twice, as Stripe may do.
    await control(s.url, 'POST', '/_sandbox/webhooks', { duplicate: true });
    red = await startNodeRed();
    let flow = await fetchExample(red, 'Stripe/Marketplace charges on connected accounts');
    flow = collector.tap(flow, 'st-ex3-sale', 0, 'sale');
    const deployed = pointAtSandboxes(flow, sandboxes.info, red);
    await red.deploy(deployed);
    await webhooksRegistered(sandboxes.info, deployed).catch((err) => { throw new Error(`${err.message}\n${red.output().slice(-3000)}`); });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await collector.close();
    await sandboxes?.close();
  });

  it('charges on the seller\'s account once per order, however often the caller retries; the same order number for another seller is another charge', async () => {
    const body = { order: 'm-1', seller: sellerA, amount: 2500, currency: 'usd', payment_method: 'pm_card_visa' };
    const first = await order(body);
    assert.equal(first.status, 201);
    const created = (await first.json()) as any;
    assert.equal(created.seller, sellerA);
    assert.equal(created.status, 'succeeded');
    assert.match(created.paymentIntent, /^pi_/);
    const again = await order(body);
    assert.equal(again.status, 201);
    assert.equal(((await again.json()) as any).paymentIntent, created.paymentIntent, 'a retry gets the same PaymentIntent');

    const onA = await intentsOn(sellerA, 'm-1');
    assert.deepEqual(onA.map((pi) => [pi.id, pi.amount, pi.status]), [[created.paymentIntent, 2500, 'succeeded']]);
    // A direct charge: the platform's own account holds no such PaymentIntent.
    await assert.rejects(stripe.paymentIntents.retrieve(created.paymentIntent), (err: any) => err.statusCode === 404);

    const other = await order({ ...body, seller: sellerB, amount: 1200 });
    assert.equal(other.status, 201);
    const onB = await intentsOn(sellerB, 'm-1');
    assert.equal(onB.length, 1);
    assert.notEqual(onB[0].id, created.paymentIntent);
  });

  it('passes each seller\'s payment event through once though Stripe delivers every event twice', async () => {
    const paidA = (await intentsOn(sellerA, 'm-1'))[0].id;
    const paidB = (await intentsOn(sellerB, 'm-1'))[0].id;
    const sales = () => collector.all('sale').map((m) => m.payload).filter((p) => p.paid);
    await eventually('both sellers\' sales', async () => sales().length >= 2 || undefined);
    // both deliveries of each event were answered 200 (the second dropped by the gate), so no third can come
    await eventually('two accepted deliveries of each payment event', async () => {
      const { attempts } = await control(sandboxes.info.stripe.url, 'GET', '/_sandbox/webhooks');
      const events = await Promise.all([sellerA, sellerB].map(async (account) =>
        (await stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 }, { stripeAccount: account })).data[0].id));
      return events.every((id) => attempts.filter((a: any) => a.eventId === id && a.status === 200).length === 2) || undefined;
    });
    assert.deepEqual(sales().map((s) => [s.seller, s.order, s.paymentIntent]).sort(), [[sellerA, 'm-1', paidA], [sellerB, 'm-1', paidB]].sort());
  });

  it('answers a seller the platform cannot reach with Stripe\'s refusal, and a malformed order with 400, charging nothing', async () => {
    const unknown = await order({ order: 'm-2', seller: 'acct_1NoSuchSeller', amount: 900, payment_method: 'pm_card_visa' });
    assert.equal(unknown.status, 403);
    const refusal = (await unknown.json()) as any;
    assert.equal(refusal.code, 'account_invalid');
    assert.match(refusal.error, /does not have access to account 'acct_1NoSuchSeller'/);

    const malformed = await order({ order: 'm-3', seller: 'seller-42', amount: 9.5 });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as any).error, 'missing or invalid: seller (an acct_ id), amount (in the smallest currency unit), payment_method');
    for (const account of [sellerA, sellerB]) assert.deepEqual(await intentsOn(account, 'm-3'), []);
  });
});
