// Fidelity test: the unmodified `stripe` SDK against the sandbox, one block per sandbox feature.
import * as assert from 'assert';
import Stripe from 'stripe';
import { SANDBOX_LIVE_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { FaultInjector } from '../../sandbox/stripe/faults';
import { sandboxClient, startReceiver } from '../../sandbox/stripe/testing';
import { rejection } from '../support/rejection';

/**
 * Server-side card payments: automatic payment methods without redirects, so a confirmation needs no return_url
 * (https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods).
 */
const NO_REDIRECTS = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

describe('Stripe sandbox (official SDK)', function () {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0, delivery: { retryDelaysMs: [20, 40] } });
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    sandbox.rateLimiter.perSecond = 0;
    sandbox.webhooks.settings.retryDelaysMs = [20, 40];
    stripe = sandboxClient(sandbox);
  });

  const control = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${sandbox.url}/_sandbox${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) }).then((res) => res.json() as Promise<any>);

  describe('customers and form encoding', () => {
    it('creates, retrieves, updates (metadata merge and removal) and deletes', async () => {
      const created = await stripe.customers.create({ email: 'a@example.com', name: 'Ann', metadata: { plan: 'gold', tier: '1' }, preferred_locales: ['en', 'fr'], address: { city: 'Oslo', country: 'NO' } });
      assert.match(created.id, /^cus_/);
      assert.deepStrictEqual(created.metadata, { plan: 'gold', tier: '1' });
      assert.deepStrictEqual(created.preferred_locales, ['en', 'fr']);
      assert.strictEqual(created.address?.city, 'Oslo');
      assert.strictEqual(created.livemode, false);
      assert.match(created.lastResponse.requestId, /^req_/);
      const updated = await stripe.customers.update(created.id, { name: 'Anna', metadata: { tier: '', extra: 'x y&z' } });
      assert.strictEqual(updated.name, 'Anna');
      assert.deepStrictEqual(updated.metadata, { plan: 'gold', extra: 'x y&z' });
      assert.strictEqual((await stripe.customers.retrieve(created.id) as Stripe.Customer).email, 'a@example.com');
      const deleted = await stripe.customers.del(created.id);
      assert.deepStrictEqual({ id: deleted.id, deleted: deleted.deleted }, { id: created.id, deleted: true });
      assert.strictEqual((await stripe.customers.retrieve(created.id)).deleted, true);
      const events = await stripe.events.list({ type: 'customer.*' });
      assert.deepStrictEqual(events.data.map((event) => event.type), ['customer.deleted', 'customer.updated', 'customer.created']);
      const update = events.data[1].data as any;
      assert.deepStrictEqual(update.previous_attributes.name, 'Ann');
    });

    it('paginates newest first with has_more, starting_after, ending_before and auto-pagination', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await stripe.customers.create({ email: `c${i}@example.com` })).id);
      const newestFirst = [...ids].reverse();
      const first = await stripe.customers.list({ limit: 10 });
      assert.deepStrictEqual(first.data.map((c) => c.id), newestFirst.slice(0, 10));
      assert.strictEqual(first.has_more, true);
      const second = await stripe.customers.list({ limit: 10, starting_after: first.data[9].id });
      assert.deepStrictEqual(second.data.map((c) => c.id), newestFirst.slice(10, 20));
      const back = await stripe.customers.list({ limit: 5, ending_before: second.data[0].id });
      assert.deepStrictEqual(back.data.map((c) => c.id), newestFirst.slice(5, 10));
      assert.strictEqual(back.has_more, true);
      const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 100 });
      assert.deepStrictEqual(all.map((c) => c.id), newestFirst);
      assert.strictEqual(sandbox.calls.snapshot()['GET /v1/customers'], 3 + 4);
      const byEmail = await stripe.customers.list({ email: 'c3@example.com' });
      assert.deepStrictEqual(byEmail.data.map((c) => c.id), [ids[3]]);
      const tooMany = await rejection(stripe.customers.list({ limit: 101 }));
      assert.strictEqual(tooMany.type, 'StripeInvalidRequestError');
    });

    it('searches with the query language and follows next_page', async () => {
      for (let i = 0; i < 5; i++) await stripe.customers.create({ email: `s${i}@example.com`, metadata: { group: i % 2 ? 'odd' : 'even' } });
      const even = await stripe.customers.search({ query: "metadata['group']:'even'" });
      assert.strictEqual(even.object, 'search_result');
      assert.deepStrictEqual(even.data.map((c) => c.email).sort(), ['s0@example.com', 's2@example.com', 's4@example.com']);
      const paged = await stripe.customers.search({ query: "email~'example.com'", limit: 2 }).autoPagingToArray({ limit: 100 });
      assert.strictEqual(paged.length, 5);
      const either = await stripe.customers.search({ query: "email:'s1@example.com' OR email:'s3@example.com'" });
      assert.strictEqual(either.data.length, 2);
    });
  });

  describe('payment intents, charges and refunds', () => {
    it('create → confirm → succeeded creates a captured charge and the events', async () => {
      const customer = await stripe.customers.create({ email: 'p@example.com' });
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 2000, currency: 'USD', customer: customer.id });
      assert.strictEqual(pi.status, 'requires_payment_method');
      assert.strictEqual(pi.currency, 'usd');
      const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      assert.strictEqual(confirmed.status, 'succeeded');
      assert.strictEqual(confirmed.amount_received, 2000);
      const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
      assert.deepStrictEqual([charge.captured, charge.amount_captured, charge.payment_intent], [true, 2000, pi.id]);
      const charges = await stripe.charges.list({ payment_intent: pi.id });
      assert.strictEqual(charges.data.length, 1);
      const types = (await stripe.events.list({ limit: 100 })).data.map((event) => event.type).reverse();
      assert.deepStrictEqual(types, ['customer.created', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
      const again = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }));
      assert.strictEqual(again.code, 'payment_intent_unexpected_state');
      assert.strictEqual(again.statusCode, 400);
    });

    it('manual capture: requires_capture → partial capture; cancel releases; wrong states are refused', async () => {
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 5000, currency: 'eur', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true });
      assert.strictEqual(pi.status, 'requires_capture');
      assert.strictEqual(pi.amount_capturable, 5000);
      const tooMuch = await rejection(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 6000 }));
      assert.strictEqual(tooMuch.type, 'StripeInvalidRequestError');
      const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
      assert.deepStrictEqual([captured.status, captured.amount_received], ['succeeded', 3000]);
      const cancelAfter = await rejection(stripe.paymentIntents.cancel(pi.id));
      assert.strictEqual(cancelAfter.code, 'payment_intent_unexpected_state');

      const other = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 700, currency: 'eur' });
      const canceled = await stripe.paymentIntents.cancel(other.id, { cancellation_reason: 'abandoned' });
      assert.deepStrictEqual([canceled.status, canceled.cancellation_reason], ['canceled', 'abandoned']);
      const captureCanceled = await rejection(stripe.paymentIntents.capture(other.id));
      assert.strictEqual(captureCanceled.code, 'payment_intent_unexpected_state');
      const search = await stripe.paymentIntents.search({ query: "status:'canceled'" });
      assert.deepStrictEqual(search.data.map((p) => p.id), [other.id]);
    });

    it('a declined card is a 402 StripeCardError and the intent needs a new payment method', async () => {
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 1000, currency: 'usd' });
      const err = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
      assert.strictEqual(err.type, 'StripeCardError');
      assert.deepStrictEqual([err.statusCode, err.code, err.decline_code], [402, 'card_declined', 'insufficient_funds']);
      assert.strictEqual(err.payment_intent.id, pi.id);
      const after = await stripe.paymentIntents.retrieve(pi.id);
      assert.strictEqual(after.status, 'requires_payment_method');
      assert.strictEqual(after.last_payment_error?.decline_code, 'insufficient_funds');
      const retried = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      assert.strictEqual(retried.status, 'succeeded');
    });

    it('refunds partially then fully; over-refunds and double refunds fail', async () => {
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 400, reason: 'requested_by_customer' });
      assert.deepStrictEqual([partial.amount, partial.status, partial.charge], [400, 'succeeded', pi.latest_charge]);
      const over = await rejection(stripe.refunds.create({ charge: pi.latest_charge as string, amount: 700 }));
      assert.strictEqual(over.code, 'amount_too_large');
      const rest = await stripe.refunds.create({ charge: pi.latest_charge as string });
      assert.strictEqual(rest.amount, 600);
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.deepStrictEqual([charge.amount_refunded, charge.refunded], [1000, true]);
      const again = await rejection(stripe.refunds.create({ charge: charge.id }));
      assert.strictEqual(again.code, 'charge_already_refunded');
      assert.strictEqual((await stripe.refunds.list({ charge: charge.id })).data.length, 2);
    });

    it('legacy charges with test tokens', async () => {
      const charge = await stripe.charges.create({ amount: 999, currency: 'usd', source: 'tok_visa' });
      assert.strictEqual(charge.status, 'succeeded');
      const declined = await rejection(stripe.charges.create({ amount: 999, currency: 'usd', source: 'tok_chargeDeclined' }));
      assert.strictEqual(declined.type, 'StripeCardError');
    });
  });

  describe('disputes', () => {
    const disputedPayment = (amount: number, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
      stripe.paymentIntents.create({ ...NO_REDIRECTS, amount, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true, ...extra });
    const disputeOf = async (pi: Stripe.PaymentIntent): Promise<Stripe.Dispute> => {
      const found = await stripe.disputes.list({ payment_intent: pi.id });
      assert.strictEqual(found.data.length, 1, `one dispute for ${pi.id}`);
      return found.data[0];
    };

    it('pm_card_createDispute: the payment succeeds, then a fraudulent dispute needs a response and the charge is disputed', async () => {
      const pi = await disputedPayment(3000);
      assert.strictEqual(pi.status, 'succeeded');
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.deepStrictEqual([charge.disputed, charge.refunded, charge.amount_refunded, charge.amount_captured], [true, false, 0, 3000]);
      const dispute = await disputeOf(pi);
      assert.match(dispute.id, /^du_/);
      assert.deepStrictEqual(
        [dispute.object, dispute.amount, dispute.currency, dispute.charge, dispute.payment_intent, dispute.reason, dispute.status],
        ['dispute', 3000, 'usd', charge.id, pi.id, 'fraudulent', 'needs_response'],
      );
      assert.deepStrictEqual([dispute.livemode, dispute.metadata, dispute.is_charge_refundable, dispute.balance_transactions], [false, {}, false, []]);
      assert.deepStrictEqual(
        { ...dispute.evidence_details, due_by: undefined },
        { due_by: undefined, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
      );
      assert.ok(dispute.evidence_details.due_by! > dispute.created + 7 * 86400, 'evidence is due weeks after the dispute');
      assert.strictEqual(dispute.evidence.uncategorized_text, null);
      const { lastResponse: _response, ...retrieved } = await stripe.disputes.retrieve(dispute.id);
      assert.deepStrictEqual(retrieved, dispute);
      const types = (await stripe.events.list({ limit: 100 })).data.map((event) => event.type).reverse();
      assert.deepStrictEqual(types, ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'charge.dispute.created']);
      const [created] = (await stripe.events.list({ type: 'charge.dispute.created' })).data;
      assert.strictEqual((created.data.object as Stripe.Dispute).id, dispute.id);

      const paid = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 3000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      assert.strictEqual((await stripe.charges.retrieve(paid.latest_charge as string)).disputed, false);
      assert.strictEqual((await stripe.disputes.list({ payment_intent: paid.id })).data.length, 0);
    });

    it('other triggers: product_not_received, a legacy tok_createDispute charge, and a manual capture disputed only once captured', async () => {
      const notReceived = await disputeOf(await disputedPayment(1200, { payment_method: 'pm_card_createDisputeProductNotReceived' }));
      assert.strictEqual(notReceived.reason, 'product_not_received');
      const legacy = await stripe.charges.create({ amount: 800, currency: 'eur', source: 'tok_createDispute' });
      const [legacyDispute] = (await stripe.disputes.list({ charge: legacy.id })).data;
      assert.deepStrictEqual([legacyDispute.amount, legacyDispute.currency, legacyDispute.payment_intent, legacyDispute.reason], [800, 'eur', null, 'fraudulent']);
      assert.strictEqual((await stripe.charges.retrieve(legacy.id)).disputed, true);

      const manual = await disputedPayment(5000, { capture_method: 'manual' });
      assert.strictEqual(manual.status, 'requires_capture');
      assert.strictEqual((await stripe.disputes.list({ payment_intent: manual.id })).data.length, 0);
      await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 4000 });
      assert.strictEqual((await disputeOf(manual)).amount, 4000);
    });

    it('lists newest first with charge / payment_intent filters and pagination; unknown ids and params fail', async () => {
      const payments: Stripe.PaymentIntent[] = [];
      for (let i = 0; i < 3; i++) payments.push(await disputedPayment(100 + i));
      const all = await stripe.disputes.list();
      assert.deepStrictEqual(all.data.map((d) => d.payment_intent), payments.map((p) => p.id).reverse());
      const page = await stripe.disputes.list({ limit: 2 });
      assert.strictEqual(page.has_more, true);
      const rest = await stripe.disputes.list({ limit: 2, starting_after: page.data[1].id });
      assert.deepStrictEqual(rest.data.map((d) => d.payment_intent), [payments[0].id]);
      assert.strictEqual((await stripe.disputes.list({ limit: 1 }).autoPagingToArray({ limit: 10 })).length, 3);
      const byCharge = await stripe.disputes.list({ charge: payments[1].latest_charge as string });
      assert.deepStrictEqual(byCharge.data.map((d) => d.amount), [101]);
      const missing = await rejection(stripe.disputes.retrieve('du_missing'));
      assert.deepStrictEqual([missing.statusCode, missing.code, missing.message], [404, 'resource_missing', "No such dispute: 'du_missing'"]);
      const unknown = await rejection(stripe.disputes.list({ customer: 'cus_1' } as any));
      assert.deepStrictEqual([unknown.code, unknown.param], ['parameter_unknown', 'customer']);
      const noCreate = await rejection(stripe.rawRequest('POST', '/v1/disputes', { charge: payments[0].latest_charge as string }));
      assert.strictEqual(noCreate.statusCode, 404);
    });

    it('stages and clears evidence, updates metadata, submits; test evidence wins or loses; decided disputes refuse evidence', async () => {
      const dispute = await disputeOf(await disputedPayment(2500));
      const staged = await stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Ann', product_description: 'A lamp' }, submit: false });
      assert.deepStrictEqual([staged.status, staged.evidence.customer_name, staged.evidence_details.has_evidence, staged.evidence_details.submission_count], ['needs_response', 'Ann', true, 0]);
      const cleared = await stripe.disputes.update(dispute.id, { evidence: { product_description: '' }, submit: false });
      assert.deepStrictEqual([cleared.evidence.product_description, cleared.evidence.customer_name], [null, 'Ann']);
      const tagged = await stripe.disputes.update(dispute.id, { metadata: { case: '42' } });
      assert.deepStrictEqual([tagged.metadata, tagged.status], [{ case: '42' }, 'needs_response']);
      const typo = await rejection(stripe.disputes.update(dispute.id, { evidence: { customer_nmae: 'x' } as any }));
      assert.deepStrictEqual([typo.code, typo.param], ['parameter_unknown', 'evidence[customer_nmae]']);

      // submit defaults to true, as on Stripe
      const won = await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
      assert.deepStrictEqual([won.status, won.evidence_details.submission_count, won.evidence_details.submission_method, won.evidence_details.past_due], ['won', 1, 'manual', false]);
      const late = await rejection(stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Bob' } }));
      assert.strictEqual(late.type, 'StripeInvalidRequestError');
      assert.match(late.message, /status of won/);
      assert.deepStrictEqual((await stripe.disputes.update(dispute.id, { metadata: { outcome: 'won' } })).metadata, { case: '42', outcome: 'won' });
      const events = (await stripe.events.list({ type: 'charge.dispute.*', limit: 100 })).data.reverse();
      assert.deepStrictEqual(events.map((e) => e.type), ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.updated', 'charge.dispute.updated', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.updated']);
      assert.deepStrictEqual((events[5].data as any).previous_attributes, { status: 'under_review' });
      assert.strictEqual((events[5].data.object as Stripe.Dispute).status, 'won');

      const lost = await stripe.disputes.update((await disputeOf(await disputedPayment(900))).id, { evidence: { uncategorized_text: 'losing_evidence' } });
      assert.strictEqual(lost.status, 'lost');
      const reviewed = await disputeOf(await disputedPayment(700));
      sandbox.advanceClock(30 * 86400);
      const pending = await stripe.disputes.update(reviewed.id, { evidence: { uncategorized_text: 'The customer signed for it.' } });
      assert.deepStrictEqual([pending.status, pending.evidence_details.past_due], ['under_review', true]);
      const closeReviewed = await rejection(stripe.disputes.close(reviewed.id));
      assert.match(closeReviewed.message, /status of under_review/);
    });

    it('close accepts the dispute as lost (charge.dispute.closed); a charged-back charge cannot be refunded', async () => {
      const pi = await disputedPayment(1500);
      const dispute = await disputeOf(pi);
      const refused = await rejection(stripe.refunds.create({ payment_intent: pi.id }));
      assert.deepStrictEqual([refused.statusCode, refused.code, refused.param], [400, 'charge_disputed', 'charge']);
      assert.match(refused.message, new RegExp(`${dispute.id}`));
      const closed = await stripe.disputes.close(dispute.id);
      assert.deepStrictEqual([closed.id, closed.status, closed.is_charge_refundable], [dispute.id, 'lost', false]);
      const [event] = (await stripe.events.list({ type: 'charge.dispute.closed' })).data;
      assert.deepStrictEqual([(event.data.object as Stripe.Dispute).status, (event.data as any).previous_attributes], ['lost', { status: 'needs_response' }]);
      const again = await rejection(stripe.disputes.close(dispute.id));
      assert.deepStrictEqual([again.statusCode, again.type], [400, 'StripeInvalidRequestError']);
      assert.strictEqual((await rejection(stripe.refunds.create({ charge: pi.latest_charge as string }))).code, 'charge_disputed');
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.deepStrictEqual([charge.disputed, charge.amount_refunded], [true, 0]);
      assert.strictEqual(sandbox.calls.snapshot()['POST /v1/disputes/:id/close'], 2);
    });
  });

  describe('subscriptions and invoices', () => {
    const plan = async (unitAmount = 1500, interval: 'month' | 'year' = 'month') => {
      const product = await stripe.products.create({ name: 'Pro' });
      return stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: 'usd', recurring: { interval } });
    };
    const typesSince = async (after: string[]) => {
      const all = (await stripe.events.list({ limit: 100 })).data.map((event) => event.type).reverse();
      return all.slice(after.length);
    };
    const eventTypes = () => typesSince([]);
    const invoiceOf = (subscription: Stripe.Subscription) => stripe.invoices.retrieve(subscription.latest_invoice as string, { expand: ['payments'] });

    it('a paying card: active, a paid invoice with lines and a payment, events in Stripe\'s order', async () => {
      const customer = await stripe.customers.create({ email: 's@example.com' });
      const price = await plan(1500);
      const before = await eventTypes();
      const sub = await stripe.subscriptions.create({
        customer: customer.id, items: [{ price: price.id, quantity: 2 }], default_payment_method: 'pm_card_visa', metadata: { plan: 'pro' },
      });
      assert.match(sub.id, /^sub_/);
      assert.deepStrictEqual([sub.object, sub.status, sub.customer, sub.default_payment_method, sub.cancel_at_period_end, sub.canceled_at, sub.trial_start, sub.livemode],
        ['subscription', 'active', customer.id, 'pm_card_visa', false, null, null, false]);
      assert.deepStrictEqual(sub.metadata, { plan: 'pro' });
      const [item] = sub.items.data;
      assert.match(item.id, /^si_/);
      assert.deepStrictEqual([item.object, item.price.id, item.quantity, item.subscription], ['subscription_item', price.id, 2, sub.id]);
      // A calendar month from the start, on the items (this API version has no period fields on the subscription).
      const start = new Date(item.current_period_start * 1000);
      const end = new Date(item.current_period_end * 1000);
      assert.strictEqual((end.getUTCMonth() - start.getUTCMonth() + 12) % 12, 1);
      assert.ok(item.current_period_end - item.current_period_start >= 28 * 86400 && item.current_period_end - item.current_period_start <= 31 * 86400);
      assert.strictEqual((sub as any).current_period_end, undefined);

      const invoice = await invoiceOf(sub);
      assert.match(invoice.id, /^in_/);
      assert.deepStrictEqual([invoice.status, invoice.amount_due, invoice.amount_paid, invoice.amount_remaining, invoice.currency, invoice.customer, invoice.billing_reason],
        ['paid', 3000, 3000, 0, 'usd', customer.id, 'subscription_create']);
      assert.strictEqual(invoice.parent?.subscription_details?.subscription, sub.id);
      assert.match(invoice.number!, /^[0-9A-F]{8}-0001$/);
      assert.ok(invoice.status_transitions.finalized_at && invoice.status_transitions.paid_at);
      const [line] = invoice.lines.data;
      assert.deepStrictEqual([line.object, line.amount, line.quantity, line.parent?.subscription_item_details?.subscription_item, line.pricing?.price_details?.price],
        ['line_item', 3000, 2, item.id, price.id]);
      assert.strictEqual(line.description, '2 × Pro (at $15.00 / month)');
      assert.deepStrictEqual([line.period.start, line.period.end], [item.current_period_start, item.current_period_end]);
      const payment = invoice.payments!.data[0];
      assert.deepStrictEqual([payment.object, payment.status, payment.amount_paid, payment.payment.type], ['invoice_payment', 'paid', 3000, 'payment_intent']);
      const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
      assert.deepStrictEqual([pi.status, pi.amount, pi.customer, pi.payment_method], ['succeeded', 3000, customer.id, 'pm_card_visa']);
      assert.strictEqual((await stripe.invoices.retrieve(invoice.id)).payments, undefined, 'payments is includable, not returned by default');

      assert.deepStrictEqual(await typesSince(before), [
        'customer.subscription.created', 'invoice.created', 'payment_intent.created', 'invoice.finalized', 'charge.succeeded',
        'payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated',
      ]);
      const events = (await stripe.events.list({ type: 'customer.subscription.*' })).data;
      assert.strictEqual((events[1].data.object as Stripe.Subscription).status, 'incomplete');
      assert.strictEqual((events[1].data.object as Stripe.Subscription).latest_invoice, invoice.id);
      assert.deepStrictEqual(events[0].data.previous_attributes, { status: 'incomplete' });
    });

    it('the customer\'s invoice_settings.default_payment_method pays when the subscription names none', async () => {
      const customer = await stripe.customers.create({ email: 'd@example.com', invoice_settings: { default_payment_method: 'pm_card_visa' } });
      assert.strictEqual(customer.invoice_settings.default_payment_method, 'pm_card_visa');
      const price = await plan(900, 'year');
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      assert.deepStrictEqual([sub.status, sub.default_payment_method, sub.items.data[0].quantity], ['active', null, 1]);
      const item = sub.items.data[0];
      assert.strictEqual(new Date(item.current_period_end * 1000).getUTCFullYear() - new Date(item.current_period_start * 1000).getUTCFullYear(), 1);
      const bare = await stripe.customers.create({ email: 'n@example.com' });
      const none = await rejection(stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id }] }));
      assert.deepStrictEqual([none.statusCode, none.type], [400, 'StripeInvalidRequestError']);
      assert.match(none.message, /no attached payment source or default payment method/);
      assert.strictEqual((await stripe.subscriptions.list({ customer: bare.id, status: 'all' })).data.length, 0, 'nothing created');
    });

    it('a declining card: incomplete, the invoice stays open, invoice.payment_failed; paying it later activates the subscription', async () => {
      const customer = await stripe.customers.create({ email: 'x@example.com' });
      const price = await plan(2500);
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_chargeDeclined' });
      assert.strictEqual(sub.status, 'incomplete');
      const invoice = await invoiceOf(sub);
      assert.deepStrictEqual([invoice.status, invoice.amount_paid, invoice.amount_remaining, invoice.attempt_count, invoice.attempted], ['open', 0, 2500, 1, true]);
      const pi = await stripe.paymentIntents.retrieve(invoice.payments!.data[0].payment.payment_intent as string);
      assert.deepStrictEqual([pi.status, pi.last_payment_error?.decline_code], ['requires_payment_method', 'generic_decline']);
      const types = await eventTypes();
      assert.deepStrictEqual(types.slice(types.indexOf('customer.subscription.created')), [
        'customer.subscription.created', 'invoice.created', 'payment_intent.created', 'invoice.finalized', 'charge.failed',
        'payment_intent.payment_failed', 'invoice.payment_failed',
      ]);

      const again = await rejection(stripe.invoices.pay(invoice.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
      assert.deepStrictEqual([again.type, again.statusCode, again.decline_code], ['StripeCardError', 402, 'insufficient_funds']);
      assert.strictEqual((await stripe.invoices.retrieve(invoice.id)).attempt_count, 2);
      const paid = await stripe.invoices.pay(invoice.id, { payment_method: 'pm_card_visa' });
      assert.deepStrictEqual([paid.status, paid.amount_paid, paid.amount_remaining], ['paid', 2500, 0]);
      assert.strictEqual((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
      const tail = (await eventTypes()).slice(-3);
      assert.deepStrictEqual(tail, ['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
      const twice = await rejection(stripe.invoices.pay(invoice.id));
      assert.deepStrictEqual([twice.statusCode, twice.message], [400, 'Invoice is already paid']);
    });

    it('payment_behavior error_if_incomplete refuses a declining card and creates nothing; default_incomplete leaves the invoice to pay', async () => {
      const customer = await stripe.customers.create({ email: 'e@example.com' });
      const price = await plan(700);
      const refused = await rejection(stripe.subscriptions.create({
        customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_chargeDeclined', payment_behavior: 'error_if_incomplete',
      }));
      assert.deepStrictEqual([refused.type, refused.code], ['StripeCardError', 'card_declined']);
      assert.strictEqual((await stripe.subscriptions.list({ status: 'all' })).data.length, 0);
      const pending = await stripe.subscriptions.create({
        customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_visa', payment_behavior: 'default_incomplete',
      });
      assert.strictEqual(pending.status, 'incomplete');
      const invoice = await invoiceOf(pending);
      assert.deepStrictEqual([invoice.status, invoice.attempt_count], ['open', 0]);
      assert.strictEqual((await stripe.invoices.pay(invoice.id)).status, 'paid', 'pays with the subscription\'s default payment method');
      assert.strictEqual((await stripe.subscriptions.retrieve(pending.id)).status, 'active');
    });

    it('a trial: trialing, trial_start / trial_end, a $0 paid invoice and no charge', async () => {
      const customer = await stripe.customers.create({ email: 't@example.com' });
      const price = await plan(4900);
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
      assert.strictEqual(sub.status, 'trialing');
      assert.strictEqual(sub.trial_end! - sub.trial_start!, 14 * 86400);
      assert.deepStrictEqual([sub.items.data[0].current_period_start, sub.items.data[0].current_period_end], [sub.trial_start, sub.trial_end]);
      const invoice = await invoiceOf(sub);
      assert.deepStrictEqual([invoice.status, invoice.amount_due, invoice.amount_paid, invoice.payments!.data.length], ['paid', 0, 0, 0]);
      assert.strictEqual(invoice.lines.data[0].description, 'Trial period for Pro');
      assert.strictEqual((await stripe.charges.list({ customer: customer.id })).data.length, 0);
      const types = await eventTypes();
      assert.deepStrictEqual(types.slice(types.indexOf('customer.subscription.created')),
        ['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);
    });

    it('retrieves, lists with customer / price / status filters, updates, cancels', async () => {
      const [ann, bob] = await Promise.all([stripe.customers.create({ email: 'a@example.com' }), stripe.customers.create({ email: 'b@example.com' })]);
      const [basic, pro] = [await plan(500), await plan(2000)];
      const a1 = await stripe.subscriptions.create({ customer: ann.id, items: [{ price: basic.id }], default_payment_method: 'pm_card_visa' });
      const a2 = await stripe.subscriptions.create({ customer: ann.id, items: [{ price: pro.id }], trial_period_days: 7 });
      const b1 = await stripe.subscriptions.create({ customer: bob.id, items: [{ price: pro.id }], default_payment_method: 'pm_card_chargeDeclined' });
      assert.strictEqual((await stripe.subscriptions.retrieve(a1.id)).latest_invoice, a1.latest_invoice);
      const ids = async (params: Stripe.SubscriptionListParams) => (await stripe.subscriptions.list(params)).data.map((s) => s.id);
      assert.deepStrictEqual(await ids({}), [b1.id, a2.id, a1.id]);
      assert.deepStrictEqual(await ids({ customer: ann.id }), [a2.id, a1.id]);
      assert.deepStrictEqual(await ids({ price: pro.id }), [b1.id, a2.id]);
      assert.deepStrictEqual(await ids({ status: 'incomplete' }), [b1.id]);
      assert.deepStrictEqual(await ids({ status: 'trialing' }), [a2.id]);

      const updated = await stripe.subscriptions.update(a1.id, {
        metadata: { seats: '5' }, cancel_at_period_end: true, items: [{ id: a1.items.data[0].id, quantity: 5 }],
      });
      assert.deepStrictEqual([updated.metadata, updated.cancel_at_period_end, updated.cancel_at, updated.items.data[0].quantity],
        [{ seats: '5' }, true, a1.items.data[0].current_period_end, 5]);
      const [updateEvent] = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 })).data;
      const previous = updateEvent.data.previous_attributes as any;
      assert.deepStrictEqual([previous.cancel_at_period_end, previous.cancel_at, previous.metadata, previous.items.data[0].quantity], [false, null, {}, 1]);
      const badItem = await rejection(stripe.subscriptions.update(a1.id, { items: [{ id: 'si_nope', quantity: 2 }] }));
      assert.deepStrictEqual([badItem.code, badItem.param], ['resource_missing', 'items[0][id]']);

      const canceled = await stripe.subscriptions.cancel(a1.id, { cancellation_details: { comment: 'too pricey' } });
      assert.deepStrictEqual([canceled.status, canceled.cancellation_details?.reason, canceled.cancellation_details?.comment], ['canceled', 'cancellation_requested', 'too pricey']);
      assert.ok(canceled.canceled_at && canceled.ended_at);
      assert.strictEqual((await eventTypes()).at(-1), 'customer.subscription.deleted');
      assert.strictEqual((await stripe.subscriptions.retrieve(a1.id)).status, 'canceled', 'a canceled subscription is still retrievable');
      assert.deepStrictEqual(await ids({ customer: ann.id }), [a2.id], 'canceled ones are left out by default');
      assert.deepStrictEqual(await ids({ customer: ann.id, status: 'canceled' }), [a1.id]);
      assert.deepStrictEqual(await ids({ customer: ann.id, status: 'all' }), [a2.id, a1.id]);
      const frozen = await rejection(stripe.subscriptions.update(a1.id, { cancel_at_period_end: false }));
      assert.match(frozen.message, /canceled subscription can only update its cancellation_details and metadata/);
      assert.deepStrictEqual((await stripe.subscriptions.update(a1.id, { metadata: { why: 'price' } })).metadata, { seats: '5', why: 'price' });
      const twice = await rejection(stripe.subscriptions.cancel(a1.id));
      assert.strictEqual(twice.statusCode, 400);
      const found = await stripe.subscriptions.search({ query: "status:'trialing'" });
      assert.deepStrictEqual(found.data.map((s) => s.id), [a2.id]);
    });

    it('invoices: list filters, lines, void cancels the payment; only open invoices are paid or voided', async () => {
      const customer = await stripe.customers.create({ email: 'v@example.com' });
      const price = await plan(1200);
      const ok = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_visa' });
      const bad = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_chargeDeclined' });
      const ids = async (params: Stripe.InvoiceListParams) => (await stripe.invoices.list(params)).data.map((invoice) => invoice.id);
      assert.deepStrictEqual(await ids({ customer: customer.id }), [bad.latest_invoice, ok.latest_invoice]);
      assert.deepStrictEqual(await ids({ subscription: ok.id }), [ok.latest_invoice]);
      assert.deepStrictEqual(await ids({ status: 'open' }), [bad.latest_invoice]);
      assert.deepStrictEqual(await ids({ status: 'paid', customer: customer.id }), [ok.latest_invoice]);
      const listed = await stripe.invoices.list({ subscription: bad.id, expand: ['data.payments'] });
      assert.strictEqual(listed.data[0].payments!.data.length, 1);
      const lines = await stripe.invoices.listLineItems(ok.latest_invoice as string);
      assert.deepStrictEqual(lines.data.map((line) => line.amount), [1200]);
      assert.match((await stripe.invoices.retrieve(bad.latest_invoice as string)).number!, /-0002$/);

      const voided = await stripe.invoices.voidInvoice(bad.latest_invoice as string, { expand: ['payments'] });
      assert.strictEqual(voided.status, 'void');
      assert.ok(voided.status_transitions.voided_at);
      assert.strictEqual(voided.payments!.data[0].status, 'canceled');
      const pi = await stripe.paymentIntents.retrieve(voided.payments!.data[0].payment.payment_intent as string);
      assert.deepStrictEqual([pi.status, pi.cancellation_reason], ['canceled', 'void_invoice']);
      assert.deepStrictEqual((await eventTypes()).slice(-2), ['payment_intent.canceled', 'invoice.voided']);
      for (const attempt of [stripe.invoices.voidInvoice(voided.id), stripe.invoices.voidInvoice(ok.latest_invoice as string), stripe.invoices.pay(voided.id)]) {
        const err = await rejection(attempt);
        assert.deepStrictEqual([err.statusCode, err.message], [400, "You can only pass in open invoices. This invoice isn't open."]);
      }
      const missing = await rejection(stripe.invoices.retrieve('in_missing'));
      assert.deepStrictEqual([missing.statusCode, missing.code], [404, 'resource_missing']);
    });

    it('parameter errors have Stripe\'s error shape', async () => {
      const customer = await stripe.customers.create({ email: 'p@example.com' });
      const price = await plan();
      const oneTime = await stripe.prices.create({ product: price.product as string, unit_amount: 100, currency: 'usd' });
      const cases: [() => Promise<unknown>, string | undefined, string][] = [
        [() => stripe.subscriptions.create({ items: [{ price: price.id }] } as any), 'parameter_missing', 'customer'],
        [() => stripe.subscriptions.create({ customer: customer.id }), 'parameter_missing', 'items'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trail_period_days: 3 } as any), 'parameter_unknown', 'trail_period_days'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, qty: 2 } as any] }), 'parameter_unknown', 'items[0][qty]'],
        [() => stripe.subscriptions.create({ customer: 'cus_missing', items: [{ price: price.id }] }), 'resource_missing', 'customer'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_missing' }] }), 'resource_missing', 'items[0][price]'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }], trial_period_days: 3 }), undefined, 'items[0][price]'],
        [() => stripe.subscriptions.list({ status: 'sleeping' as any }), 'parameter_invalid_string', 'status'],
        [() => stripe.invoices.list({ status: 'late' as any }), 'parameter_invalid_string', 'status'],
      ];
      for (const [call, code, param] of cases) {
        const err = await rejection(call());
        assert.strictEqual(err.type, 'StripeInvalidRequestError', `${param}: ${err.message}`);
        assert.deepStrictEqual([err.code, err.param], [code, param]);
        assert.strictEqual(typeof err.message, 'string');
        assert.match(err.requestId, /^req_/);
      }
      assert.strictEqual((await stripe.subscriptions.list({ status: 'all' })).data.length, 0);
      assert.strictEqual((await stripe.invoices.list()).data.length, 0);
    });

    it('delivers the subscription\'s events to a webhook endpoint in order, signed', async () => {
      const r = await startReceiver();
      try {
        const endpoint = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.subscription.created', 'customer.subscription.updated', 'invoice.paid', 'invoice.finalized'] });
        const customer = await stripe.customers.create({ email: 'h@example.com' });
        const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await plan()).id }], default_payment_method: 'pm_card_visa' });
        await sandbox.webhooks.idle();
        assert.deepStrictEqual(r.received.map((x) => x.event.type), ['customer.subscription.created', 'invoice.finalized', 'invoice.paid', 'customer.subscription.updated']);
        const last = r.received[3];
        const event = stripe.webhooks.constructEvent(last.body, last.headers['stripe-signature'] as string, endpoint.secret!);
        assert.deepStrictEqual([(event.data.object as Stripe.Subscription).id, (event.data.object as Stripe.Subscription).status], [sub.id, 'active']);
      } finally {
        await r.close();
      }
    });
  });

  describe('products and prices', () => {
    it('creates prices for products, filters lists, refuses deleting a product with prices', async () => {
      const product = await stripe.products.create({ name: 'Gold plan' });
      const monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } });
      assert.deepStrictEqual([monthly.type, monthly.recurring?.interval, monthly.unit_amount], ['recurring', 'month', 1500]);
      const inline = await stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Add-on' } });
      assert.notStrictEqual(inline.product, product.id);
      assert.strictEqual((await stripe.prices.list({ product: product.id })).data.length, 1);
      assert.strictEqual((await stripe.products.list()).data.length, 2);
      const refused = await rejection(stripe.products.del(product.id));
      assert.strictEqual(refused.statusCode, 400);
      const archived = await stripe.prices.update(monthly.id, { active: false });
      assert.strictEqual(archived.active, false);
      const unknownProduct = await rejection(stripe.prices.create({ product: 'prod_nope', currency: 'usd', unit_amount: 1 }));
      assert.deepStrictEqual([unknownProduct.statusCode, unknownProduct.code, unknownProduct.param], [400, 'resource_missing', 'product']);
    });
  });

  describe('idempotency', () => {
    it('replays the first response for the same key and params, with Idempotent-Replayed', async () => {
      const first = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'order-42' });
      const second = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'order-42' });
      assert.strictEqual(second.id, first.id);
      assert.strictEqual(second.lastResponse.headers['idempotent-replayed'], 'true');
      assert.strictEqual(first.lastResponse.headers['idempotent-replayed'], undefined);
      assert.strictEqual((await stripe.customers.list()).data.length, 1);
    });

    it('rejects the same key with different params or another endpoint (idempotency_error)', async () => {
      await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'k1' });
      const mismatch = await rejection(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'k1' }));
      assert.strictEqual(mismatch.type, 'StripeIdempotencyError');
      assert.strictEqual(mismatch.statusCode, 400);
      const otherEndpoint = await rejection(stripe.products.create({ name: 'x' }, { idempotencyKey: 'k1' }));
      assert.strictEqual(otherEndpoint.type, 'StripeIdempotencyError');
    });

    it('replays errors that happened during execution (a decline), not validation failures', async () => {
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 100, currency: 'usd' });
      const first = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'c1' }));
      const replay = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'c1' }));
      assert.strictEqual(replay.type, 'StripeCardError');
      assert.strictEqual(replay.headers['idempotent-replayed'], 'true');
      assert.strictEqual(replay.charge, first.charge);
      const invalid = await rejection(stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 100 } as any, { idempotencyKey: 'v1' }));
      assert.strictEqual(invalid.code, 'parameter_missing');
      const fixed = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 100, currency: 'usd' } as any, { idempotencyKey: 'v1' });
      assert.match(fixed.id, /^pi_/);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      sandbox.faults.add({ route: 'POST /v1/customers', kind: 'latency', latencyMs: 1000, times: 1 });
      const [a, b] = await Promise.allSettled([
        stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'slow' }),
        new Promise((resolve) => setTimeout(resolve, 50)).then(() => stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'slow' })),
      ]);
      assert.strictEqual(a.status, 'fulfilled');
      assert.strictEqual(b.status, 'rejected');
      assert.strictEqual((b as PromiseRejectedResult).reason.statusCode, 409);
    });

    it('forgets keys after 24 hours', async () => {
      const first = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'day' });
      sandbox.advanceClock(24 * 3600 + 1);
      const later = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'day' });
      assert.notStrictEqual(later.id, first.id);
    });

    it('the SDK keeps its automatic key across network retries, so a retried 500 creates once', async () => {
      sandbox.faults.add({ route: 'POST /v1/customers', kind: '500', times: 1 });
      const retrying = sandboxClient(sandbox, undefined, { maxNetworkRetries: 2 });
      await retrying.customers.create({ email: 'r@example.com' });
      assert.strictEqual(sandbox.calls.snapshot()['POST /v1/customers'], 2);
      assert.strictEqual((await stripe.customers.list()).data.length, 1);
    });
  });

  describe('errors and authentication', () => {
    it('wrong or missing API key → 401 StripeAuthenticationError without echoing the key', async () => {
      const wrong = await rejection(sandboxClient(sandbox, 'sk_test_wrongwrongwrong123').customers.list());
      assert.strictEqual(wrong.type, 'StripeAuthenticationError');
      assert.strictEqual(wrong.statusCode, 401);
      assert.ok(!wrong.message.includes('sk_test_wrongwrongwrong123'));
      const res = await fetch(`${sandbox.url}/v1/customers`);
      assert.strictEqual(res.status, 401);
    });

    it('missing params, unknown params, unknown ids and unknown URLs have Stripe codes', async () => {
      const missing = await rejection(stripe.paymentIntents.create({ ...NO_REDIRECTS, currency: 'usd' } as any));
      assert.deepStrictEqual([missing.type, missing.code, missing.param, missing.statusCode], ['StripeInvalidRequestError', 'parameter_missing', 'amount', 400]);
      assert.match(missing.requestId, /^req_/);
      const unknown = await rejection(stripe.customers.create({ emial: 'x' } as any));
      assert.deepStrictEqual([unknown.code, unknown.param], ['parameter_unknown', 'emial']);
      const notFound = await rejection(stripe.customers.retrieve('cus_missing'));
      assert.deepStrictEqual([notFound.statusCode, notFound.code], [404, 'resource_missing']);
      const badInt = await rejection(stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 'ten' as any, currency: 'usd' }));
      assert.strictEqual(badInt.code, 'parameter_invalid_integer');
      const url = await rejection(stripe.rawRequest('GET', '/v1/nothing_here', {}));
      assert.strictEqual(url.statusCode, 404);
    });

    it('a live key gets its own account with livemode true', async () => {
      const live = sandboxClient(sandbox, SANDBOX_LIVE_KEY);
      const customer = await live.customers.create({ email: 'l@example.com' });
      assert.strictEqual(customer.livemode, true);
      assert.strictEqual((await stripe.customers.list()).data.length, 0);
    });
  });

  describe('fault injection, rate limit and call counts', () => {
    it('429 with Retry-After surfaces as StripeRateLimitError and is not retried by the SDK', async () => {
      await control('/faults', 'POST', { route: 'GET /v1/customers/:id', kind: '429', retryAfterSeconds: 3, times: 1 });
      const customer = await stripe.customers.create({ email: 'f@example.com' });
      const retrying = sandboxClient(sandbox, undefined, { maxNetworkRetries: 2 });
      const err = await rejection(retrying.customers.retrieve(customer.id));
      assert.strictEqual(err.type, 'StripeRateLimitError');
      assert.strictEqual(err.headers['retry-after'], '3');
      assert.strictEqual((await retrying.customers.retrieve(customer.id)).id, customer.id);
      const calls = await control('/calls');
      assert.strictEqual(calls['GET /v1/customers/:id'], 2);
    });

    it('503 and 500 are StripeAPIError; probabilistic faults and per-route scoping', async () => {
      sandbox.faults.add({ route: '*', kind: '503', times: 1, retryAfterSeconds: 1 });
      const err = await rejection(stripe.customers.list());
      assert.deepStrictEqual([err.type, err.statusCode], ['StripeAPIError', 503]);
      sandbox.faults.add({ route: 'POST /v1/products', kind: '500', rate: 0 });
      await stripe.products.create({ name: 'never faulted' });
    });

    it('fault rates draw from the random source; times caps injections; latency adds up', () => {
      const draws = [0.1, 0.9, 0.2];
      const faults = new FaultInjector(() => draws.shift()!);
      faults.add({ route: 'GET /v1/customers', kind: '500', rate: 0.5, times: 2 });
      faults.add({ route: '*', kind: 'latency', latencyMs: 30 });
      faults.add({ route: '*', kind: 'latency', latencyMs: 5 });
      assert.deepStrictEqual(faults.pick('GET /v1/customers'), { latencyMs: 35, failure: { route: 'GET /v1/customers', kind: '500', rate: 0.5, times: 2 } });
      assert.strictEqual(faults.pick('GET /v1/customers').failure, undefined, 'draw 0.9 ≥ rate 0.5');
      assert.strictEqual(faults.pick('POST /v1/customers').failure, undefined, 'other route');
      assert.strictEqual(faults.pick('GET /v1/customers').failure?.kind, '500', 'draw 0.2 < 0.5');
      assert.strictEqual(faults.pick('GET /v1/customers').failure, undefined, 'times: 2 reached');
      assert.strictEqual(draws.length, 0);
      assert.throws(() => faults.add({ route: '*', kind: 'boom' as any }), /unknown fault kind/);
    });

    it('timeout: the request hangs until the SDK gives up', async () => {
      sandbox.faults.add({ route: 'GET /v1/customers', kind: 'timeout', times: 1 });
      const impatient = sandboxClient(sandbox, undefined, { timeout: 300 });
      const err = await rejection(impatient.customers.list());
      assert.strictEqual(err.type, 'StripeConnectionError');
      assert.strictEqual((await impatient.customers.list()).object, 'list');
    });

    it('enforces the per-key rate limit with 429 rate_limit', async () => {
      await control('/rate-limit', 'POST', { perSecond: 5 });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => stripe.customers.list()));
      const limited = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
      assert.ok(limited.length >= 5, `expected many of 20 parallel calls limited, got ${limited.length}`);
      assert.ok(limited.every((err) => err.type === 'StripeRateLimitError' && err.code === 'rate_limit'));
    });

    it('control API: state dump masks keys, reset clears state', async () => {
      await stripe.customers.create({ email: 'd@example.com' });
      const state = await control('/state');
      const [maskedKey] = Object.keys(state.accounts);
      assert.ok(!maskedKey.includes('sandbox') && maskedKey.includes('****'));
      assert.strictEqual(state.accounts[maskedKey].customers.length, 1);
      await control('/reset', 'POST');
      assert.deepStrictEqual((await control('/state')).accounts, {});
      const bad = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ route: '*', kind: 'boom' }) });
      assert.strictEqual(bad.status, 400);
    });
  });

  describe('webhook delivery', () => {
    let receivers: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      receivers = [];
    });
    const receiver = async (answer?: Parameters<typeof startReceiver>[0]) => {
      const r = await startReceiver(answer);
      receivers.push(r);
      return r;
    };

    it('signs each matching event so the SDK verifies it; other types are not sent', async () => {
      const r = await receiver();
      const endpoint = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created', 'payment_intent.succeeded'] });
      assert.match(endpoint.secret!, /^whsec_/);
      assert.strictEqual((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret, undefined);
      const customer = await stripe.customers.create({ email: 'w@example.com' });
      await stripe.customers.update(customer.id, { name: 'W' });
      await sandbox.webhooks.idle();
      assert.deepStrictEqual(r.received.map((x) => x.event.type), ['customer.created']);
      const [delivery] = r.received;
      const event = stripe.webhooks.constructEvent(delivery.body, delivery.headers['stripe-signature'] as string, endpoint.secret!);
      assert.strictEqual((event.data.object as Stripe.Customer).id, customer.id);
      assert.match(String(delivery.headers['content-type']), /^application\/json/);
      assert.throws(() => stripe.webhooks.constructEvent(delivery.body, delivery.headers['stripe-signature'] as string, 'whsec_other'));
      assert.strictEqual((await stripe.events.retrieve(event.id)).pending_webhooks, 0);
    });

    it('delivers a disputed payment\'s events in order, the dispute signed like any event', async () => {
      const r = await receiver();
      const endpoint = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['payment_intent.succeeded', 'charge.succeeded', 'charge.dispute.created', 'charge.dispute.closed'] });
      const pi = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 4200, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true });
      const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
      await stripe.disputes.close(dispute.id);
      await sandbox.webhooks.idle();
      assert.deepStrictEqual(r.received.map((x) => x.event.type), ['charge.succeeded', 'payment_intent.succeeded', 'charge.dispute.created', 'charge.dispute.closed']);
      const created = r.received[2];
      const event = stripe.webhooks.constructEvent(created.body, created.headers['stripe-signature'] as string, endpoint.secret!);
      const object = event.data.object as Stripe.Dispute;
      assert.deepStrictEqual([object.object, object.id, object.payment_intent, object.charge, object.status], ['dispute', dispute.id, pi.id, pi.latest_charge, 'needs_response']);
      assert.strictEqual(r.received[3].event.data.object.status, 'lost');
    });

    it('retries non-2xx with backoff, and lists undelivered events with delivery_success=false', async () => {
      const flaky = await receiver((_r, index) => (index < 2 ? 500 : 200));
      await stripe.webhookEndpoints.create({ url: flaky.url, enabled_events: ['*'] });
      const created = await stripe.products.create({ name: 'p' });
      await sandbox.webhooks.idle();
      assert.strictEqual(flaky.received.length, 3);
      assert.ok(flaky.received.every((x) => x.event.data.object.id === created.id));
      assert.strictEqual((await stripe.events.list({ delivery_success: true })).data.length, 1);

      sandbox.reset();
      sandbox.webhooks.settings.retryDelaysMs = [10, 10];
      const down = await receiver(() => 503);
      await stripe.webhookEndpoints.create({ url: down.url, enabled_events: ['*'] });
      await stripe.products.create({ name: 'lost' });
      await sandbox.webhooks.idle();
      assert.strictEqual(down.received.length, 3);
      const missed = await stripe.events.list({ delivery_success: false });
      assert.deepStrictEqual(missed.data.map((e) => e.type), ['product.created']);
      const attempts = (await control('/webhooks')).attempts;
      assert.deepStrictEqual(attempts.map((a: any) => a.status), [503, 503, 503]);
    });

    it('duplicate switch delivers each event twice with the same id', async () => {
      const r = await receiver();
      await control('/webhooks', 'POST', { duplicate: true });
      await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
      await stripe.customers.create({ email: 'dup@example.com' });
      await sandbox.webhooks.idle();
      assert.strictEqual(r.received.length, 2);
      assert.strictEqual(r.received[0].event.id, r.received[1].event.id);
    });

    it('out-of-order switch delivers held events newest first', async () => {
      const r = await receiver();
      await control('/webhooks', 'POST', { outOfOrder: true, holdMs: 10000 });
      await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await stripe.customers.create({ email: `o${i}@example.com` })).id);
      await control('/webhooks/flush', 'POST');
      await sandbox.webhooks.idle();
      assert.deepStrictEqual(r.received.map((x) => x.event.data.object.id), ids.reverse());
    });
  });
});
