// Scenario 2 through Stripe Checkout, end to end in a real Node-RED process with the shipped example: POST
// /orders/:id/checkout returns the session's page URL; the customer pays (the Stripe sandbox's control API plays the
// payment page); every webhook is delivered twice; the order is marked paid exactly once. A delayed bank debit first
// leaves the order awaiting payment, then paid or payment_failed; an expired page is recorded as such.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, startAllSandboxes, webhooksRegistered } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: Scenario 2, order paid through Stripe Checkout (webhooks delivered twice)', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  const collector = new Collector();

  const stripeUrl = () => sandboxes.info.stripe.url;
  const checkout = (order: string, body: object) =>
    fetch(`${red.url}/orders/${order}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const order = async (id: string) => {
    const res = await fetch(`${red.url}/orders/${id}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  /** Resolves once each event of `types` for the session was delivered twice and accepted both times. */
  const deliveredTwice = (sessionId: string, types: string[]) => eventually(`${types.join(', ')} delivered twice`, async () => {
    const events = (await stripe.events.list({ limit: 100 })).data.filter((e) => types.includes(e.type) && (e.data.object as { id: string }).id === sessionId);
    if (events.length !== types.length) return undefined;
    const { attempts } = await control(stripeUrl(), 'GET', '/_sandbox/webhooks');
    return events.every((e) => attempts.filter((a: any) => a.eventId === e.id && a.status === 200).length === 2) || undefined;
  });
  /**
   * Resolves once the gate dropped `count` second deliveries of the session's events: only then has every delivery
   * been through the flow, so the order's history below shows each outcome as often as it was recorded.
   */
  const duplicatesDropped = (sessionId: string, count: number) => eventually(`${count} duplicate(s) of ${sessionId} dropped`, async () =>
    collector.all('duplicate').filter((msg) => msg.order?.session === sessionId).length >= count || undefined);
  /** The order once its status is `status` (the webhook flow runs after Node-RED answered Stripe). */
  const orderIn = (id: string, status: string) => eventually(`order ${id} ${status}`, async () => {
    const found = await order(id);
    return found.status === 200 && found.body.status === status ? found.body : undefined;
  });
  const startCheckout = async (id: string, amount: number) => {
    const res = await checkout(id, { amount, currency: 'USD' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as any;
    assert.equal(res.headers.get('location'), body.url);
    return body;
  };

  before(async () => {
    sandboxes = await startAllSandboxes();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    // Every event is delivered twice, as Stripe may do.
    await control(s.url, 'POST', '/_sandbox/webhooks', { duplicate: true });
    await collector.start();
    red = await startNodeRed();
    const flow = collector.tap(await fetchExample(red, 'Scenarios/2 Order API to Stripe'), 'sc2-co-gate', 1, 'duplicate');
    const deployed = pointAtSandboxes(flow, sandboxes.info, red);
    await red.deploy(deployed);
    await webhooksRegistered(sandboxes.info, deployed);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
    await collector.close();
  });

  it('returns the page URL (the same session again for a repeated call, 409 for another amount); a card payment marks the order paid once', async () => {
    const body = await startCheckout('2001', 4200);
    assert.equal(body.order, '2001');
    assert.match(body.checkoutSession, /^cs_test_/);
    assert.equal(body.url, `${stripeUrl()}/c/pay/${body.checkoutSession}`);
    const session = await stripe.checkout.sessions.retrieve(body.checkoutSession, { expand: ['line_items'] });
    assert.deepEqual([session.mode, session.status, session.amount_total, session.currency, session.client_reference_id, session.metadata],
      ['payment', 'open', 4200, 'usd', '2001', { order_id: '2001' }]);
    assert.equal(session.line_items!.data[0].description, 'Order 2001');

    const again = await startCheckout('2001', 4200);
    assert.equal(again.checkoutSession, body.checkoutSession, 'Stripe replays the keyed create');
    const changed = await checkout('2001', { amount: 5000, currency: 'usd' });
    assert.equal(changed.status, 409);
    assert.equal((await stripe.checkout.sessions.list({ limit: 100 })).data.filter((s) => s.client_reference_id === '2001').length, 1);
    assert.equal((await order('2001')).status, 404, 'nothing recorded before the customer pays');

    await control(stripeUrl(), 'POST', `/_sandbox/checkout/sessions/${body.checkoutSession}/complete`, { paymentMethod: 'pm_card_visa', email: 'buyer@example.com' });
    await deliveredTwice(body.checkoutSession, ['checkout.session.completed']);
    await duplicatesDropped(body.checkoutSession, 1);
    const paid = await orderIn('2001', 'paid');
    const pi = (await stripe.checkout.sessions.retrieve(body.checkoutSession)).payment_intent;
    assert.deepEqual([paid.paidCount, paid.session, paid.paymentIntent, paid.amount, paid.currency], [1, body.checkoutSession, pi, 4200, 'usd']);
    assert.deepEqual(paid.history.map((h: any) => h.status), ['paid'], 'the second delivery was dropped by the gate');
    assert.equal((await stripe.paymentIntents.retrieve(pi as string)).metadata.order_id, '2001');
  });

  it('a delayed bank debit: awaiting_payment, then paid once when the funds arrive', async () => {
    const { checkoutSession } = await startCheckout('2002', 1999);
    await control(stripeUrl(), 'POST', `/_sandbox/checkout/sessions/${checkoutSession}/complete`, { paymentMethod: 'us_bank_account' });
    await deliveredTwice(checkoutSession, ['checkout.session.completed']);
    const waiting = await orderIn('2002', 'awaiting_payment');
    assert.equal(waiting.paidCount, 0);
    await control(stripeUrl(), 'POST', `/_sandbox/checkout/sessions/${checkoutSession}/settle`, { outcome: 'succeeded' });
    await deliveredTwice(checkoutSession, ['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
    await duplicatesDropped(checkoutSession, 2);
    const paid = await orderIn('2002', 'paid');
    assert.equal(paid.paidCount, 1);
    assert.deepEqual(paid.history.map((h: any) => h.status), ['awaiting_payment', 'paid']);
  });

  it('a delayed bank debit that fails: the order is payment_failed, never paid', async () => {
    const { checkoutSession } = await startCheckout('2003', 2500);
    await control(stripeUrl(), 'POST', `/_sandbox/checkout/sessions/${checkoutSession}/complete`, { paymentMethod: 'us_bank_account' });
    await orderIn('2003', 'awaiting_payment');
    await control(stripeUrl(), 'POST', `/_sandbox/checkout/sessions/${checkoutSession}/settle`, { outcome: 'failed' });
    await deliveredTwice(checkoutSession, ['checkout.session.completed', 'checkout.session.async_payment_failed']);
    await duplicatesDropped(checkoutSession, 2);
    const failed = await orderIn('2003', 'payment_failed');
    assert.equal(failed.paidCount, 0);
    assert.equal(failed.paidAt, undefined);
    assert.deepEqual(failed.history.map((h: any) => h.status), ['awaiting_payment', 'payment_failed']);
  });

  it('an expired page is recorded as checkout_expired', async () => {
    const { checkoutSession } = await startCheckout('2004', 800);
    await stripe.checkout.sessions.expire(checkoutSession);
    await deliveredTwice(checkoutSession, ['checkout.session.expired']);
    await duplicatesDropped(checkoutSession, 1);
    const expired = await orderIn('2004', 'checkout_expired');
    assert.deepEqual(expired.history.map((h: any) => h.status), ['checkout_expired']);
  });
});
