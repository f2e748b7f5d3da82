// Checkout Sessions in the Stripe sandbox, driven with the unmodified `stripe` SDK: every endpoint (create, retrieve,
// update, list, expire, line_items), expand, Stripe's create rules, and the customer's part through the control API
// (card, declining card, delayed bank debit settling either way, subscription mode, expiry) with the events in
// Stripe's order. Sources: https://docs.stripe.com/api/checkout/sessions, https://docs.stripe.com/checkout/fulfillment,
// https://docs.stripe.com/payments/checkout/managing-limited-inventory (expires_at: 30 minutes to 24 hours).
import * as assert from 'assert';
import Stripe from 'stripe';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient, startReceiver } from '../../sandbox/stripe/testing';
import { rejection } from '../support/rejection';

describe('Stripe sandbox: Checkout Sessions (official SDK)', function () {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let shirt: Stripe.Price;
  let monthly: Stripe.Price;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
  });
  after(() => sandbox.close());
  beforeEach(async () => {
    sandbox.reset();
    sandbox.rateLimiter.perSecond = 0;
    stripe = sandboxClient(sandbox);
    shirt = await stripe.prices.create({ currency: 'usd', unit_amount: 1500, product_data: { name: 'Shirt' } });
    monthly = await stripe.prices.create({ currency: 'usd', unit_amount: 900, recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
  });

  const control = async (path: string, body: unknown = {}) => {
    const response = await fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };
  const complete = (id: string, body: unknown = {}) => control(`checkout/sessions/${id}/complete`, body);
  const settle = (id: string, outcome: string) => control(`checkout/sessions/${id}/settle`, { outcome });
  /** Event types since the catalogue was set up, oldest first. */
  const eventTypes = async () => (await stripe.events.list({ limit: 100 })).data.map((event) => event.type).reverse()
    .filter((type) => !type.startsWith('product.') && !type.startsWith('price.'));
  const order = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) => stripe.checkout.sessions.create({
    mode: 'payment', success_url: 'https://shop.example/paid?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://shop.example/cart',
    line_items: [{ price: shirt.id, quantity: 2 }], client_reference_id: 'order-42', metadata: { orderId: '42' }, ...extra,
  });
  const invalid = (err: any, message: RegExp, param?: string) => {
    assert.strictEqual(err.type, 'StripeInvalidRequestError', err.message);
    assert.strictEqual(err.statusCode, 400);
    assert.match(err.message, message);
    assert.strictEqual(err.param, param, `param of "${err.message}"`);
  };

  describe('create, retrieve, update, list, line items', () => {
    it('a payment-mode session is open and unpaid, with its totals, the hosted page url and no PaymentIntent yet', async () => {
      const session = await order({ line_items: [{ price: shirt.id, quantity: 2 }, { price_data: { currency: 'usd', unit_amount: 350, product_data: { name: 'Gift wrap' } }, quantity: 1 }] });
      assert.match(session.id, /^cs_test_/);
      assert.deepStrictEqual([session.object, session.mode, session.status, session.payment_status], ['checkout.session', 'payment', 'open', 'unpaid']);
      assert.deepStrictEqual([session.amount_subtotal, session.amount_total, session.currency], [3350, 3350, 'usd']);
      assert.deepStrictEqual([session.client_reference_id, session.metadata, session.payment_intent, session.customer], ['order-42', { orderId: '42' }, null, null]);
      assert.strictEqual(session.url, `${sandbox.url}/c/pay/${session.id}`);
      assert.strictEqual(session.expires_at - session.created, 24 * 3600);
      assert.strictEqual((session as any).line_items, undefined, 'line items only when expanded');
      assert.deepStrictEqual(await eventTypes(), [], 'Stripe has no checkout.session.created event');
      const again = await stripe.checkout.sessions.retrieve(session.id);
      assert.deepStrictEqual(again, session);
    });

    it('line_items: the list route pages them, expand[]=line_items includes them, and deeper paths expand the price\'s product', async () => {
      const session = await order({ line_items: [{ price: shirt.id, quantity: 2 }, { price_data: { currency: 'usd', unit_amount: 350, product_data: { name: 'Gift wrap' } }, quantity: 3 }] });
      const items = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1 });
      assert.deepStrictEqual([items.data.length, items.has_more, items.data[0].object, items.data[0].description], [1, true, 'item', 'Shirt']);
      assert.deepStrictEqual([items.data[0].quantity, items.data[0].amount_total, items.data[0].price!.id], [2, 3000, shirt.id]);
      const all = await stripe.checkout.sessions.listLineItems(session.id, { starting_after: items.data[0].id });
      assert.deepStrictEqual(all.data.map((item) => [item.description, item.amount_total, item.price!.active]), [['Gift wrap', 1050, false]]);
      const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items.data.price.product'] });
      assert.deepStrictEqual(expanded.line_items!.data.map((item) => (item.price!.product as Stripe.Product).name), ['Shirt', 'Gift wrap']);
      const created = await order({ expand: ['line_items'] });
      assert.strictEqual(created.line_items!.data.length, 1);
      const err = await rejection(stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items.data.nothing'] }));
      invalid(err, /This property cannot be expanded \(line_items\.data\.nothing\)/, 'expand');
    });

    it('update changes metadata only; list filters by status, customer, payment_intent and customer_details[email]', async () => {
      const first = await order();
      const updated = await stripe.checkout.sessions.update(first.id, { metadata: { note: 'gift' } });
      assert.deepStrictEqual(updated.metadata, { orderId: '42', note: 'gift' });
      invalid(await rejection(stripe.checkout.sessions.update(first.id, { shipping_options: [{ shipping_rate: 'shr_1' }] } as any)), /Received unknown parameter: shipping_options/, 'shipping_options');
      const second = await order();
      await complete(second.id, { email: 'ada@example.com' });
      const paid = await stripe.checkout.sessions.retrieve(second.id);
      assert.deepStrictEqual((await stripe.checkout.sessions.list()).data.map((s) => s.id), [second.id, first.id]);
      assert.deepStrictEqual((await stripe.checkout.sessions.list({ status: 'complete' })).data.map((s) => s.id), [second.id]);
      assert.deepStrictEqual((await stripe.checkout.sessions.list({ payment_intent: paid.payment_intent as string })).data.map((s) => s.id), [second.id]);
      assert.deepStrictEqual((await stripe.checkout.sessions.list({ customer_details: { email: 'ada@example.com' } })).data.map((s) => s.id), [second.id]);
      invalid(await rejection(stripe.checkout.sessions.list({ status: 'paid' as any })), /Invalid status/, 'status');
      const err = await rejection(stripe.checkout.sessions.retrieve('cs_test_missing'));
      assert.deepStrictEqual([err.statusCode, err.code], [404, 'resource_missing']);
    });

    it('the same Idempotency-Key returns the same session instead of a second one', async () => {
      const one = await order({}, );
      const a = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: shirt.id, quantity: 1 }] }, { idempotencyKey: 'order-77-checkout' });
      const b = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: shirt.id, quantity: 1 }] }, { idempotencyKey: 'order-77-checkout' });
      assert.strictEqual(a.id, b.id);
      assert.deepStrictEqual((await stripe.checkout.sessions.list()).data.map((s) => s.id), [a.id, one.id]);
    });
  });

  describe('create is refused as Stripe refuses it, and a refused create leaves nothing behind', () => {
    const cases: [string, () => Partial<Stripe.Checkout.SessionCreateParams> | Record<string, unknown>, RegExp, string | undefined][] = [
      ['mode is required', () => ({ mode: undefined }), /Missing required param: mode/, 'mode'],
      ['line_items are required in payment mode', () => ({ line_items: undefined }), /Missing required param: line_items/, 'line_items'],
      ['a line item names price or price_data', () => ({ line_items: [{ quantity: 1 }] }), /either `price` or `price_data`/, 'line_items[0][price]'],
      ['not both', () => ({ line_items: [{ price: shirt.id, price_data: { currency: 'usd', unit_amount: 100, product: 'prod_x' }, quantity: 1 }] }), /only specify one of these parameters: price, price_data/, 'line_items[0][price]'],
      ['a quantity is required', () => ({ line_items: [{ price: shirt.id }] }), /Quantity is required/, 'line_items[0][quantity]'],
      ['an unknown price is a 400 naming it', () => ({ line_items: [{ price: 'price_nope', quantity: 1 }] }), /No such price: 'price_nope'/, 'line_items[0][price]'],
      ['price_data needs a product or product_data[name]', () => ({ line_items: [{ price_data: { currency: 'usd', unit_amount: 500, product_data: { name: '' } }, quantity: 1 }] }), /Missing required param: line_items\[0\]\[price_data\]\[product_data\]\[name\]/, 'line_items[0][price_data][product_data][name]'],
      ['payment mode takes no recurring price', () => ({ line_items: [{ price: monthly.id, quantity: 1 }] }), /You specified `payment` mode but passed a recurring price/, 'line_items[0][price]'],
      ['the total is at least the currency\'s minimum charge', () => ({ line_items: [{ price_data: { currency: 'usd', unit_amount: 20, product_data: { name: 'Sticker' } }, quantity: 2 }] }), /Amount must be at least \$0\.50 usd/, 'line_items'],
      ['one currency per session', () => ({ line_items: [{ price: shirt.id, quantity: 1 }, { price_data: { currency: 'eur', unit_amount: 500, product_data: { name: 'EU' } }, quantity: 1 }] }), /same currency/, 'line_items[1]'],
      ['success_url must be a URL', () => ({ success_url: 'not a url' }), /Not a valid URL/, 'success_url'],
      ['the hosted page takes no return_url', () => ({ return_url: 'https://shop.example/r' }), /`return_url` can only be used with `ui_mode: embedded_page`/, 'return_url'],
      ['the embedded page takes no success_url', () => ({ ui_mode: 'embedded_page', return_url: 'https://shop.example/r' }), /`success_url` is not allowed when `ui_mode` is `embedded_page`/, 'success_url'],
      ['the embedded page needs a return_url', () => ({ ui_mode: 'embedded_page', success_url: undefined, cancel_url: undefined }), /`return_url` is required/, 'return_url'],
      ['expires_at at least 30 minutes ahead', () => ({ expires_at: Math.floor(Date.now() / 1000) + 600 }), /at least 30 minutes/, 'expires_at'],
      ['expires_at less than 24 hours ahead', () => ({ expires_at: Math.floor(Date.now() / 1000) + 25 * 3600 }), /less than 24 hours/, 'expires_at'],
      ['customer and customer_email exclude each other', () => ({ customer: 'cus_x', customer_email: 'a@example.com' }), /only specify one of these parameters: customer, customer_email/, 'customer_email'],
      ['metadata values up to 500 characters', () => ({ metadata: { note: 'x'.repeat(501) } }), /must be a string under 500 characters/, 'metadata'],
      ['client_reference_id up to 200 characters', () => ({ client_reference_id: 'r'.repeat(201) }), /between 1 and 200 characters/, 'client_reference_id'],
      ['subscription_data only in subscription mode', () => ({ subscription_data: { metadata: { a: 'b' } } }), /only specify `subscription_data` in `subscription` mode/, 'subscription_data'],
      ['subscription mode needs recurring prices', () => ({ mode: 'subscription', line_items: [{ price: shirt.id, quantity: 1 }] }), /One-time prices in `subscription` mode/, 'line_items[0][price]'],
    ];
    for (const [name, params, message, param] of cases) {
      it(name, async () => {
        const err = await rejection(order(params() as Partial<Stripe.Checkout.SessionCreateParams>));
        invalid(err, message, param);
        assert.strictEqual((await stripe.checkout.sessions.list()).data.length, 0);
        assert.strictEqual((await stripe.prices.list({ limit: 100 })).data.length, 2, 'no inline price was created');
      });
    }
  });

  describe('the customer completes the session (control API)', () => {
    it('a card pays at once: payment_intent.created, charge.succeeded, payment_intent.succeeded, then checkout.session.completed (paid)', async () => {
      const session = await order({ payment_intent_data: { metadata: { orderId: '42' } } });
      const done = await complete(session.id, { paymentMethod: 'pm_card_visa', email: 'ada@example.com', name: 'Ada' });
      assert.strictEqual(done.status, 200);
      const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
      assert.deepStrictEqual([paid.status, paid.payment_status, paid.url, paid.customer], ['complete', 'paid', null, null]);
      assert.deepStrictEqual([paid.customer_details!.email, paid.customer_details!.name], ['ada@example.com', 'Ada']);
      const pi = paid.payment_intent as Stripe.PaymentIntent;
      assert.deepStrictEqual([pi.status, pi.amount, pi.amount_received, pi.metadata], ['succeeded', 3000, 3000, { orderId: '42' }]);
      assert.deepStrictEqual(await eventTypes(), ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
      const [created] = (await stripe.events.list({ type: 'payment_intent.created' })).data;
      assert.deepStrictEqual([(created.data.object as Stripe.PaymentIntent).metadata, (created.data.object as Stripe.PaymentIntent).amount], [{ orderId: '42' }, 3000],
        'the PaymentIntent is whole when created');
      const [completed] = (await stripe.events.list({ type: 'checkout.session.completed' })).data;
      const object = completed.data.object as Stripe.Checkout.Session;
      assert.deepStrictEqual([object.id, object.client_reference_id, object.payment_status, object.metadata], [session.id, 'order-42', 'paid', { orderId: '42' }]);
      assert.strictEqual(completed.request!.id, null, 'a customer action, not an API request');
      const twice = await complete(session.id);
      assert.deepStrictEqual([twice.status, twice.body.error.type], [400, 'invalid_request_error'], 'a complete session cannot be paid again');
    });

    it('customer_creation=always creates a Customer (customer.created first); a given customer is kept', async () => {
      const session = await order({ customer_creation: 'always' });
      await complete(session.id, { email: 'new@example.com' });
      const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['customer'] });
      assert.strictEqual((paid.customer as Stripe.Customer).email, 'new@example.com');
      assert.strictEqual((await eventTypes())[0], 'customer.created');
      const known = await stripe.customers.create({ email: 'known@example.com' });
      const second = await order({ customer: known.id });
      await complete(second.id);
      const again = await stripe.checkout.sessions.retrieve(second.id);
      assert.deepStrictEqual([again.customer, again.customer_details!.email], [known.id, 'known@example.com']);
    });

    it('a declining card leaves the session open and unpaid (402); another card then pays it', async () => {
      const session = await order();
      const declined = await complete(session.id, { paymentMethod: 'pm_card_chargeDeclined' });
      assert.deepStrictEqual([declined.status, declined.body.error.code, declined.body.error.decline_code], [402, 'card_declined', 'generic_decline']);
      const still = await stripe.checkout.sessions.retrieve(session.id);
      assert.deepStrictEqual([still.status, still.payment_status], ['open', 'unpaid']);
      assert.ok(!(await eventTypes()).includes('checkout.session.completed'));
      assert.strictEqual((await complete(session.id, { paymentMethod: 'pm_card_visa' })).status, 200);
      const paid = await stripe.checkout.sessions.retrieve(session.id);
      assert.strictEqual(paid.payment_status, 'paid');
      // The second attempt confirmed the first attempt's PaymentIntent: one PaymentIntent, two charges.
      assert.deepStrictEqual((await stripe.paymentIntents.list()).data.map((pi) => [pi.id, pi.status]), [[paid.payment_intent, 'succeeded']]);
      assert.deepStrictEqual((await stripe.charges.list()).data.map((charge) => charge.status), ['succeeded', 'failed']);
    });

    it('a delayed bank debit completes unpaid, then async_payment_succeeded once the funds arrive', async () => {
      const session = await order();
      assert.deepStrictEqual(session.payment_method_types, ['card', 'us_bank_account']);
      await complete(session.id, { paymentMethod: 'us_bank_account' });
      const pending = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
      assert.deepStrictEqual([pending.status, pending.payment_status], ['complete', 'unpaid']);
      const pi = pending.payment_intent as Stripe.PaymentIntent;
      assert.deepStrictEqual([pi.status, (pi.latest_charge as Stripe.Charge).status, (pi.latest_charge as Stripe.Charge).payment_method_details!.type], ['processing', 'pending', 'us_bank_account']);
      const settled = await settle(session.id, 'succeeded');
      assert.deepStrictEqual([settled.status, settled.body.payment_status], [200, 'paid']);
      assert.deepStrictEqual(await eventTypes(), ['payment_intent.created', 'payment_intent.processing', 'charge.pending', 'checkout.session.completed',
        'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.async_payment_succeeded']);
      assert.strictEqual((await settle(session.id, 'succeeded')).status, 400, 'settled once');
    });

    it('a delayed bank debit that fails: charge.failed, payment_intent.payment_failed, checkout.session.async_payment_failed; the session stays unpaid', async () => {
      const session = await order();
      await complete(session.id, { paymentMethod: 'us_bank_account' });
      await settle(session.id, 'failed');
      const failed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
      assert.deepStrictEqual([failed.status, failed.payment_status, (failed.payment_intent as Stripe.PaymentIntent).status], ['complete', 'unpaid', 'requires_payment_method']);
      assert.deepStrictEqual((await eventTypes()).slice(-3), ['charge.failed', 'payment_intent.payment_failed', 'checkout.session.async_payment_failed']);
    });

    it('bank debit is offered for USD payment-mode sessions only', async () => {
      const euro = await order({ line_items: [{ price_data: { currency: 'eur', unit_amount: 900, product_data: { name: 'EU' } }, quantity: 1 }] });
      assert.deepStrictEqual(euro.payment_method_types, ['card']);
      assert.strictEqual((await complete(euro.id, { paymentMethod: 'us_bank_account' })).status, 400);
      const cardsOnly = await order({ allowed_payment_method_types: ['card'] } as any);
      assert.deepStrictEqual([cardsOnly.payment_method_types, cardsOnly.payment_method_configuration_details], [['card'], null]);
    });

    it('subscription mode: a Customer, the subscription and its paid first invoice, then checkout.session.completed', async () => {
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription', success_url: 'https://shop.example/ok', line_items: [{ price: monthly.id, quantity: 2 }],
        customer_email: 'sub@example.com', subscription_data: { metadata: { plan: 'pro' } }, client_reference_id: 'account-9',
      });
      assert.deepStrictEqual([session.mode, session.amount_total, session.customer_creation, session.payment_method_types], ['subscription', 1800, null, ['card']]);
      const declined = await complete(session.id, { paymentMethod: 'pm_card_chargeDeclined' });
      assert.strictEqual(declined.status, 402);
      assert.strictEqual((await stripe.subscriptions.list({ status: 'all' })).data.length, 0, 'nothing exists after a decline');
      await complete(session.id, { paymentMethod: 'pm_card_visa' });
      const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription', 'invoice', 'customer'] });
      const subscription = paid.subscription as Stripe.Subscription;
      assert.deepStrictEqual([paid.status, paid.payment_status, paid.payment_intent], ['complete', 'paid', null]);
      assert.deepStrictEqual([subscription.status, subscription.metadata, subscription.items.data[0].quantity], ['active', { plan: 'pro' }, 2]);
      assert.deepStrictEqual([(paid.invoice as Stripe.Invoice).status, (paid.invoice as Stripe.Invoice).amount_paid], ['paid', 1800]);
      assert.strictEqual((paid.customer as Stripe.Customer).email, 'sub@example.com');
      const types = await eventTypes();
      assert.deepStrictEqual([types[0], types[1], types[types.length - 1]], ['customer.created', 'customer.subscription.created', 'checkout.session.completed']);
      assert.ok(types.indexOf('invoice.paid') < types.indexOf('checkout.session.completed'));
    });
  });

  it('Connect: a session made on a connected account (Stripe-Account) lives there; paying it emits events that carry the account', async () => {
    const seller = await stripe.accounts.create({ type: 'express', country: 'US', email: 'seller@example.com' });
    const onSeller = { stripeAccount: seller.id };
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 2200, product_data: { name: 'Seller item' } }, onSeller);
    const session = await stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://shop.example/ok', line_items: [{ price: price.id, quantity: 1 }] }, onSeller);
    assert.strictEqual((await rejection(stripe.checkout.sessions.retrieve(session.id))).statusCode, 404, 'not on the platform');
    assert.strictEqual((await complete(session.id)).status, 200);
    const paid = await stripe.checkout.sessions.retrieve(session.id, {}, onSeller);
    assert.deepStrictEqual([paid.status, paid.payment_status], ['complete', 'paid']);
    const [completed] = (await stripe.events.list({ type: 'checkout.session.completed' }, onSeller)).data;
    assert.strictEqual(completed.account, seller.id);
    assert.strictEqual((await stripe.events.list({ type: 'checkout.session.completed' })).data.length, 0, 'no platform event');
  });

  describe('expiry', () => {
    it('expire: an open session becomes expired (checkout.session.expired) and can no longer be paid; only open ones expire', async () => {
      const session = await order();
      const expired = await stripe.checkout.sessions.expire(session.id);
      assert.deepStrictEqual([expired.status, expired.url, expired.payment_status], ['expired', null, 'unpaid']);
      assert.deepStrictEqual(await eventTypes(), ['checkout.session.expired']);
      assert.strictEqual((await complete(session.id)).status, 400);
      invalid(await rejection(stripe.checkout.sessions.expire(session.id)), /Only Checkout Sessions with a status in \["open"\] can be expired/, undefined);
    });

    it('a session past its expires_at on the sandbox clock expires by itself, and the event reaches webhooks', async () => {
      const receiver = await startReceiver();
      try {
        await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['checkout.session.expired'] });
        const session = await order({ expires_at: Math.floor(Date.now() / 1000) + 3600 });
        await control('clock', { advanceSeconds: 3599 });
        assert.strictEqual((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
        await control('clock', { advanceSeconds: 2 });
        await sandbox.webhooks.idle();
        assert.deepStrictEqual(receiver.received.map((r) => [r.event.type, r.event.data.object.id]), [['checkout.session.expired', session.id]]);
        assert.strictEqual((await stripe.checkout.sessions.retrieve(session.id)).status, 'expired');
      } finally {
        await receiver.close();
      }
    });
  });

  it('the hosted page at session.url shows the order and, when paid with a card, redirects to success_url with the session id', async () => {
    const session = await order();
    const page = await fetch(session.url!);
    const html = await page.text();
    assert.strictEqual(page.status, 200);
    assert.match(html, /Shirt/);
    assert.match(html, /30\.00 USD/);
    const paid = await fetch(session.url!, { method: 'POST', body: 'paymentMethod=pm_card_visa&email=page%40example.com', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    assert.strictEqual(paid.status, 303);
    assert.strictEqual(paid.headers.get('location'), `https://shop.example/paid?session=${session.id}`);
    const after = await stripe.checkout.sessions.retrieve(session.id);
    assert.deepStrictEqual([after.payment_status, after.customer_details!.email], ['paid', 'page@example.com']);
  });
});
