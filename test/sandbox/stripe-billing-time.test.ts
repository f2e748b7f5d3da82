// Subscriptions over time in the Stripe sandbox, through the unmodified SDK: test clocks (customers attached, objects
// at the clock's time, advance → advancing → ready), renewals that invoice and charge, a declining card → past_due,
// the documented retry schedule, then canceled / unpaid per the billing setting, recovery by a new payment method,
// proration on a price change, coupons.
import * as assert from 'assert';
import type Stripe from 'stripe';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';

const DAY = 24 * 60 * 60;
const START = Date.UTC(2027, 0, 15, 12) / 1000;
const FEB_15 = Date.UTC(2027, 1, 15, 12) / 1000;
const MAR_15 = Date.UTC(2027, 2, 15, 12) / 1000;

describe('Stripe sandbox: test clocks and subscriptions over time (SDK)', function () {
  this.timeout(30000);
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
    stripe = sandboxClient(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  /** Advances and waits for `ready`, as a client of Stripe's asynchronous advance does. */
  async function advance(clock: string, to: number): Promise<Stripe.TestHelpers.TestClock> {
    const answered = await stripe.testHelpers.testClocks.advance(clock, { frozen_time: to });
    assert.strictEqual(answered.status, 'advancing');
    for (let i = 0; i < 200; i++) {
      const current = await stripe.testHelpers.testClocks.retrieve(clock);
      if (current.status === 'ready') return current;
      assert.strictEqual(current.status, 'advancing');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('clock never ready');
  }

  async function monthly(amount = 1500) {
    const product = await stripe.products.create({ name: 'Pro' });
    return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval: 'month' } });
  }

  /** A clock at START with a customer paying with `card`, subscribed to `price`. */
  async function subscribed(price: Stripe.Price, card = 'pm_card_visa', extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START, name: 'renewals' });
    const customer = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id, invoice_settings: { default_payment_method: card } });
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], ...extra });
    return { clock, customer, subscription };
  }

  const eventTypes = async (since = 0) => (await stripe.events.list({ limit: 100 })).data.filter((e) => e.created >= since).map((e) => e.type).reverse();

  it('a test clock: created ready with Stripe\'s fields, customers attached at creation live at its time, deleted with them', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START, name: 'c1' });
    assert.deepStrictEqual([clock.object, clock.status, clock.frozen_time, clock.name, clock.livemode], ['test_helpers.test_clock', 'ready', START, 'c1', false]);
    assert.match(clock.id, /^clock_/);
    assert.strictEqual(clock.deletes_after - clock.created, 30 * DAY);
    const customer = await stripe.customers.create({ email: 'a@example.com', test_clock: clock.id });
    assert.strictEqual(customer.test_clock, clock.id);
    assert.strictEqual(customer.created, START, 'created at the clock\'s time');
    const existing = await stripe.customers.create({ email: 'b@example.com' });
    const second = await stripe.testHelpers.testClocks.create({ frozen_time: START, customer: existing.id });
    assert.strictEqual((await stripe.customers.retrieve(existing.id) as Stripe.Customer).test_clock, second.id);
    await assert.rejects(stripe.customers.create({ test_clock: 'clock_missing' }), /No such test clock/);
    assert.deepStrictEqual((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id).sort(), [clock.id, second.id].sort());
    const deleted = await stripe.testHelpers.testClocks.del(clock.id);
    assert.deepStrictEqual([deleted.id, deleted.deleted], [clock.id, true]);
    assert.strictEqual((await stripe.customers.retrieve(customer.id)).deleted, true);
    assert.ok((await eventTypes()).includes('test_helpers.test_clock.created'));
  });

  it('advance: refuses going back and beyond two intervals of the shortest subscription', async () => {
    const { clock } = await subscribed(await monthly());
    await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START - 1 }), /must be after/);
    await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_15 + DAY }), /two intervals/);
    assert.strictEqual((await advance(clock.id, MAR_15)).frozen_time, MAR_15, 'two intervals exactly is allowed');
  });

  it('a renewal: the period moves, a subscription_cycle invoice is created, finalized an hour later and paid, events in Stripe\'s order', async () => {
    const { clock, subscription } = await subscribed(await monthly());
    assert.strictEqual(subscription.status, 'active');
    assert.strictEqual(subscription.test_clock, clock.id);
    assert.strictEqual(subscription.items.data[0].current_period_end, FEB_15);
    const before = (await stripe.events.list({ limit: 100 })).data.length;
    const ready = await advance(clock.id, FEB_15 + 2 * 3600);
    assert.strictEqual(ready.frozen_time, FEB_15 + 2 * 3600);
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    assert.deepStrictEqual([renewed.items.data[0].current_period_start, renewed.items.data[0].current_period_end], [FEB_15, MAR_15]);
    const invoice = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    assert.deepStrictEqual([invoice.billing_reason, invoice.status, invoice.amount_paid, invoice.created, invoice.period_start, invoice.period_end],
      ['subscription_cycle', 'paid', 1500, FEB_15, START, FEB_15]);
    assert.strictEqual(invoice.status_transitions.finalized_at, FEB_15 + 3600);
    assert.strictEqual(invoice.test_clock, clock.id);
    const all = (await stripe.events.list({ limit: 100 })).data.reverse();
    const types = all.slice(before).map((e) => e.type);
    assert.deepStrictEqual(types, [
      'test_helpers.test_clock.advancing', 'customer.subscription.updated', 'invoice.created', 'payment_intent.created', 'invoice.finalized',
      'charge.succeeded', 'payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded', 'test_helpers.test_clock.ready',
    ]);
    const updated = all.find((e) => e.type === 'customer.subscription.updated' && e.created === FEB_15)!;
    assert.ok((updated.data.previous_attributes as any).items, 'previous_attributes name the items\' old period');
    assert.strictEqual(all.find((e) => e.type === 'invoice.paid' && e.created === FEB_15 + 3600)?.request?.id, null, 'no request caused it');
  });

  it('a declining card: invoice.payment_failed, past_due, retries 1, 3, 5, 7, 9, 11 and 14 days after the first try, then canceled', async () => {
    const { clock, customer, subscription } = await subscribed(await monthly());
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclined' } });
    await advance(clock.id, FEB_15 + 2 * 3600);
    let current = await stripe.subscriptions.retrieve(subscription.id);
    assert.strictEqual(current.status, 'past_due');
    const invoice = await stripe.invoices.retrieve(current.latest_invoice as string);
    const firstTry = FEB_15 + 3600;
    assert.deepStrictEqual([invoice.status, invoice.attempt_count, invoice.next_payment_attempt], ['open', 1, firstTry + DAY]);
    const failed = (await stripe.events.list({ type: 'invoice.payment_failed' })).data;
    assert.strictEqual((failed[0].data.object as Stripe.Invoice).next_payment_attempt, firstTry + DAY, 'the event carries the next attempt');

    await advance(clock.id, firstTry + 14 * DAY + 60);
    current = await stripe.subscriptions.retrieve(subscription.id);
    assert.strictEqual(current.status, 'canceled');
    assert.strictEqual(current.cancellation_details?.reason, 'payment_failed');
    const attempts = (await stripe.events.list({ type: 'invoice.payment_failed', limit: 100 })).data.reverse();
    assert.deepStrictEqual(attempts.map((e) => e.created - firstTry), [0, 1, 3, 5, 7, 9, 11, 14].map((days) => days * DAY));
    assert.deepStrictEqual(attempts.map((e) => (e.data.object as Stripe.Invoice).attempt_count), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.strictEqual((attempts[7].data.object as Stripe.Invoice).next_payment_attempt, null);
    const statusChanges = (await stripe.events.list({ limit: 100 })).data.reverse()
      .filter((e) => e.type.startsWith('customer.subscription.') && (e.type === 'customer.subscription.deleted' || (e.data.previous_attributes as any)?.status))
      .map((e) => `${e.type}:${(e.data.object as Stripe.Subscription).status}`);
    assert.deepStrictEqual(statusChanges, ['customer.subscription.updated:active', 'customer.subscription.updated:past_due', 'customer.subscription.deleted:canceled']);
  });

  it('after the last retry: unpaid when the billing setting says so; a new card pays a retry and the subscription is active again', async () => {
    await fetch(`${sandbox.url}/_sandbox/billing`, { method: 'POST', body: JSON.stringify({ afterFinalFailure: 'unpaid', retryDays: [2, 4] }) });
    const price = await monthly();
    const first = await subscribed(price);
    await stripe.customers.update(first.customer.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclinedInsufficientFunds' } });
    await advance(first.clock.id, FEB_15 + 5 * DAY);
    assert.strictEqual((await stripe.subscriptions.retrieve(first.subscription.id)).status, 'unpaid');

    const second = await subscribed(price);
    await stripe.customers.update(second.customer.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclined' } });
    await advance(second.clock.id, FEB_15 + DAY);
    assert.strictEqual((await stripe.subscriptions.retrieve(second.subscription.id)).status, 'past_due');
    await stripe.customers.update(second.customer.id, { invoice_settings: { default_payment_method: 'pm_card_visa' } });
    await advance(second.clock.id, FEB_15 + 3 * DAY);
    const recovered = await stripe.subscriptions.retrieve(second.subscription.id);
    assert.strictEqual(recovered.status, 'active');
    const invoice = await stripe.invoices.retrieve(recovered.latest_invoice as string);
    assert.deepStrictEqual([invoice.status, invoice.attempt_count, invoice.next_payment_attempt], ['paid', 2, null]);
    const billing = await (await fetch(`${sandbox.url}/_sandbox/billing`)).json();
    assert.deepStrictEqual(billing, { retryDays: [2, 4], afterFinalFailure: 'unpaid' });
    assert.strictEqual((await fetch(`${sandbox.url}/_sandbox/billing`, { method: 'POST', body: JSON.stringify({ afterFinalFailure: 'never' }) })).status, 400);
  });

  it('a price change mid-period prorates: credit for unused time, charge for the rest, billed on the next renewal (or at once with always_invoice)', async () => {
    const basic = await monthly(1000);
    const pro = await stripe.prices.create({ product: basic.product as string, currency: 'usd', unit_amount: 3000, recurring: { interval: 'month' } });
    const { clock, subscription } = await subscribed(basic);
    const period = FEB_15 - START;
    await advance(clock.id, START + 10 * DAY);
    const changed = await stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0].id, price: pro.id }] });
    assert.strictEqual(changed.items.data[0].price.id, pro.id);
    const remaining = (FEB_15 - (START + 10 * DAY)) / period;
    await advance(clock.id, FEB_15 + 2 * 3600);
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string);
    const lines = renewal.lines.data.map((line) => [line.amount, line.parent?.subscription_item_details?.proration]);
    assert.deepStrictEqual(lines, [[-Math.round(1000 * remaining), true], [Math.round(3000 * remaining), true], [3000, false]]);
    assert.strictEqual(renewal.amount_paid, 3000 + Math.round(3000 * remaining) - Math.round(1000 * remaining));
    assert.match(renewal.lines.data[0].description!, /^Unused time on 1 × Pro after /);

    const now = await stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0].id, price: basic.id }], proration_behavior: 'always_invoice' });
    const immediate = await stripe.invoices.retrieve(now.latest_invoice as string);
    assert.strictEqual(immediate.billing_reason, 'subscription_update');
    assert.strictEqual(immediate.lines.data.length, 2);
    assert.strictEqual(immediate.status, 'paid', 'a net credit leaves nothing due');
    const none = await stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0].id, price: pro.id }], proration_behavior: 'none' });
    assert.strictEqual(none.latest_invoice, now.latest_invoice, 'no proration, no invoice');
  });

  it('coupons: percent off forever on every invoice, once on the first only, amount off capped at the subtotal; redemptions counted', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'forever', name: 'quarter' });
    assert.deepStrictEqual([coupon.object, coupon.percent_off, coupon.duration, coupon.valid, coupon.times_redeemed], ['coupon', 25, 'forever', true, 0]);
    const once = await stripe.coupons.create({ id: 'WELCOME', amount_off: 5000, currency: 'usd', duration: 'once', max_redemptions: 1 });
    assert.strictEqual(once.id, 'WELCOME');
    await assert.rejects(stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: 'usd' }), /exactly one/);
    await assert.rejects(stripe.coupons.create({ percent_off: 10, duration: 'repeating' }), /duration_in_months/);
    const price = await monthly(1500);
    const forever = await subscribed(price, 'pm_card_visa', { discounts: [{ coupon: coupon.id }] });
    assert.strictEqual(forever.subscription.discounts.length, 1);
    const first = await stripe.invoices.retrieve(forever.subscription.latest_invoice as string);
    assert.deepStrictEqual([first.subtotal, first.total, first.amount_paid, first.total_discount_amounts?.[0].amount], [1500, 1125, 1125, 375]);
    await advance(forever.clock.id, FEB_15 + 2 * 3600);
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(forever.subscription.id)).latest_invoice as string);
    assert.strictEqual(renewal.amount_paid, 1125);
    assert.strictEqual((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);

    const welcome = await subscribed(price, 'pm_card_visa', { discounts: [{ coupon: 'WELCOME' }] });
    const free = await stripe.invoices.retrieve(welcome.subscription.latest_invoice as string);
    assert.deepStrictEqual([free.total, free.status], [0, 'paid']);
    await advance(welcome.clock.id, FEB_15 + 2 * 3600);
    const full = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(welcome.subscription.id)).latest_invoice as string);
    assert.strictEqual(full.amount_paid, 1500, 'a once coupon is used up');
    const used = await stripe.coupons.retrieve('WELCOME');
    assert.deepStrictEqual([used.times_redeemed, used.valid], [1, false]);
    await assert.rejects(stripe.subscriptions.create({ customer: welcome.customer.id, items: [{ price: price.id }], discounts: [{ coupon: 'WELCOME' }] }), /expired/);
    assert.strictEqual((await stripe.coupons.del(coupon.id)).deleted, true);
  });
});
