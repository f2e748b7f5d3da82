// Fidelity to Stripe's documented rules, run with the unmodified `stripe` SDK against the sandbox. Each case is named
// after the documented behaviour it pins; the source is in the comment above each block.
import * as assert from 'assert';
import Stripe from 'stripe';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { rejection } from '../support/rejection';

const RETURN_URL_REQUIRED = 'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment '
  + 'methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept '
  + 'redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` '
  + 'to `never` when creating Setup Intents and Payment Intents.';
const NO_REDIRECTS = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

describe('Stripe sandbox fidelity (documented rules, official SDK)', function () {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    sandbox.rateLimiter.perSecond = 0;
    stripe = sandboxClient(sandbox);
  });

  const eventTypes = async () => (await stripe.events.list({ limit: 100 })).data.map((event) => event.type).reverse();
  const invalid = (err: any, message: string | RegExp, code?: string, param?: string) => {
    assert.strictEqual(err.type, 'StripeInvalidRequestError', err.message);
    assert.strictEqual(err.statusCode, 400);
    if (typeof message === 'string') assert.strictEqual(err.message, message);
    else assert.match(err.message, message);
    assert.strictEqual(err.code, code, `code of "${err.message}"`);
    assert.strictEqual(err.param, param, `param of "${err.message}"`);
  };

  // https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods (and the API reference of PaymentIntents)
  describe('automatic payment methods (API 2023-08-16 and later)', () => {
    it('a PaymentIntent that names no payment methods has automatic_payment_methods enabled', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
      assert.deepStrictEqual(pi.automatic_payment_methods, { enabled: true });
      assert.deepStrictEqual(pi.payment_method_types, ['card']);
      assert.match(pi.payment_method_configuration_details!.id, /^pmc_/);
      assert.strictEqual(pi.allowed_payment_method_types, null);
      const never = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS });
      assert.deepStrictEqual(never.automatic_payment_methods, { enabled: true, allow_redirects: 'never' });
      assert.deepStrictEqual((await stripe.paymentIntents.retrieve(never.id)).automatic_payment_methods, { enabled: true, allow_redirects: 'never' });
    });

    it('confirming one that allows redirects without a return_url is refused with Stripe\'s message, and nothing is charged', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
      invalid(await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' })), RETURN_URL_REQUIRED);
      const after = await stripe.paymentIntents.retrieve(pi.id);
      assert.deepStrictEqual([after.status, after.latest_charge, after.payment_method], ['requires_payment_method', null, null]);
      assert.strictEqual((await stripe.charges.list()).data.length, 0);
      assert.deepStrictEqual(await eventTypes(), ['payment_intent.created']);
      const explicit = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'always' } });
      invalid(await rejection(stripe.paymentIntents.confirm(explicit.id, { payment_method: 'pm_card_visa' })), RETURN_URL_REQUIRED);
    });

    it('create with confirm=true and no return_url is refused before anything is created', async () => {
      const err = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: 'order-7' }));
      invalid(err, RETURN_URL_REQUIRED);
      assert.strictEqual((await stripe.paymentIntents.list()).data.length, 0);
      assert.deepStrictEqual(await eventTypes(), []);
      // A refused request is not stored under its idempotency key: the corrected one goes through.
      const fixed = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...NO_REDIRECTS }, { idempotencyKey: 'order-7' });
      assert.strictEqual(fixed.status, 'succeeded');
    });

    it('a return_url lets the confirmation go ahead', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
      const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', return_url: 'https://shop.example.com/done' });
      assert.strictEqual(confirmed.status, 'succeeded');
      const created = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, return_url: 'https://shop.example.com/done' });
      assert.strictEqual(created.status, 'succeeded');
    });

    it('allow_redirects=never needs no return_url, also for a new payment method after a decline', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS });
      const declined = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_chargeDeclined' }));
      assert.deepStrictEqual([declined.type, declined.decline_code], ['StripeCardError', 'generic_decline']);
      assert.strictEqual((await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' })).status, 'succeeded');
    });

    it('off_session=true needs no return_url', async () => {
      const customer = await stripe.customers.create({ email: 'saved@example.com' });
      const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, off_session: true });
      assert.strictEqual(pi.status, 'succeeded');
    });

    it('return_url, off_session and error_on_requires_action can only be used with confirm=true', async () => {
      for (const extra of [{ return_url: 'https://shop.example.com' }, { off_session: true }, { error_on_requires_action: true }]) {
        const err = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...extra }));
        const [param] = Object.keys(extra);
        invalid(err, `The parameter \`${param}\` can only be used with \`confirm=true\`.`, undefined, param);
      }
      assert.strictEqual((await stripe.paymentIntents.list()).data.length, 0);
    });

    // https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods: the default changed with that version; a
    // request that names an older one (the config node's API version → Stripe-Version) keeps the older default.
    it('on an API version before 2023-08-16 a PaymentIntent defaults to cards without automatic payment methods and confirms without a return_url', async () => {
      const older = sandboxClient(sandbox, undefined, { apiVersion: '2023-08-15' as any });
      const pi = await older.paymentIntents.create({ amount: 2000, currency: 'usd' });
      assert.deepStrictEqual([pi.automatic_payment_methods, pi.payment_method_types], [null, ['card']]);
      assert.strictEqual((await older.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' })).status, 'succeeded');
      const optedIn = await older.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true } });
      invalid(await rejection(older.paymentIntents.confirm(optedIn.id, { payment_method: 'pm_card_visa' })), RETURN_URL_REQUIRED);
      // The same request on the pinned version is refused.
      const current = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
      invalid(await rejection(stripe.paymentIntents.confirm(current.id, { payment_method: 'pm_card_visa' })), RETURN_URL_REQUIRED);
    });

    // The changelog entries below: payment_method_types writable until 2026-09-30, allowed_payment_method_types from 2026-07-29.
    it('payment_method_types is writable on versions before 2026-09-30, allowed_payment_method_types unknown before 2026-07-29', async () => {
      const dahlia = sandboxClient(sandbox, undefined, { apiVersion: '2026-08-26.dahlia' as any });
      const named = await dahlia.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method_types: ['card'] } as any);
      assert.deepStrictEqual([named.automatic_payment_methods, named.payment_method_types], [null, ['card']]);
      assert.strictEqual((await dahlia.paymentIntents.confirm(named.id, { payment_method: 'pm_card_visa' })).status, 'succeeded');
      const both = await rejection(dahlia.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method_types: ['card'], ...NO_REDIRECTS } as any));
      invalid(both, /only specify one of/, undefined, 'automatic_payment_methods');
      const basil = sandboxClient(sandbox, undefined, { apiVersion: '2025-04-30.basil' as any });
      invalid(await rejection(basil.paymentIntents.create({ amount: 2000, currency: 'usd', allowed_payment_method_types: ['card'] } as any)),
        'Received unknown parameter: allowed_payment_method_types', 'parameter_unknown', 'allowed_payment_method_types');
    });

    // https://docs.stripe.com/changelog/endive/2026-09-30/removes-the-payment-method-types-parameter-from-payment-intents-and-setup-intents
    it('payment_method_types is no longer writable on this API version (payment_method_types_no_longer_supported)', async () => {
      const create = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method_types: ['card'] } as any));
      invalid(create, /no longer supported/, 'payment_method_types_no_longer_supported', 'payment_method_types');
      assert.strictEqual(create.raw.doc_url, 'https://docs.stripe.com/error-codes/payment-method-types-no-longer-supported');
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS });
      invalid(await rejection(stripe.paymentIntents.update(pi.id, { payment_method_types: ['card'] } as any)), /no longer supported/, 'payment_method_types_no_longer_supported', 'payment_method_types');
      invalid(await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', payment_method_types: ['card'] } as any)), /no longer supported/, 'payment_method_types_no_longer_supported', 'payment_method_types');
      assert.strictEqual((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');
    });

    // https://docs.stripe.com/changelog/dahlia/2026-07-29/allowed-payment-method-types-parameter
    it('allowed_payment_method_types replaces automatic payment methods and is exclusive with them', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', allowed_payment_method_types: ['card'], payment_method: 'pm_card_visa', confirm: true });
      assert.deepStrictEqual([pi.status, pi.automatic_payment_methods, pi.allowed_payment_method_types, pi.payment_method_types], ['succeeded', null, ['card'], ['card']]);
      const both = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', allowed_payment_method_types: ['card'], ...NO_REDIRECTS }));
      invalid(both, /cannot be used together/, undefined, 'allowed_payment_method_types');
      const missing = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { allow_redirects: 'never' } as any }));
      invalid(missing, 'Missing required param: automatic_payment_methods[enabled].', 'parameter_missing', 'automatic_payment_methods[enabled]');
    });
  });

  // https://docs.stripe.com/api/expanding_objects and https://docs.stripe.com/expand
  describe('expand[]', () => {
    const paidIntent = async () => {
      const customer = await stripe.customers.create({ email: 'x@example.com', name: 'X' });
      return stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, ...NO_REDIRECTS });
    };

    it('retrieve expands ids into objects, and dots expand recursively', async () => {
      const pi = await paidIntent();
      const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['customer', 'latest_charge'] });
      assert.strictEqual((expanded.customer as Stripe.Customer).email, 'x@example.com');
      assert.deepStrictEqual([(expanded.latest_charge as Stripe.Charge).object, (expanded.latest_charge as Stripe.Charge).id], ['charge', pi.latest_charge]);
      const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['payment_intent.customer'] });
      const intent = charge.payment_intent as Stripe.PaymentIntent;
      assert.deepStrictEqual([intent.id, (intent.customer as Stripe.Customer).name], [pi.id, 'X']);
      // The stored objects keep their ids.
      assert.strictEqual(typeof (await stripe.paymentIntents.retrieve(pi.id)).customer, 'string');
    });

    it('create and update responses expand too', async () => {
      const customer = await stripe.customers.create({ email: 'y@example.com' });
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, ...NO_REDIRECTS, expand: ['customer'] });
      assert.strictEqual((pi.customer as Stripe.Customer).id, customer.id);
      const updated = await stripe.paymentIntents.update(pi.id, { description: 'd', expand: ['customer'] });
      assert.strictEqual((updated.customer as Stripe.Customer).email, 'y@example.com');
      const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] });
      assert.strictEqual((confirmed.latest_charge as Stripe.Charge).status, 'succeeded');
    });

    it('lists and search results expand with data.<field>; a path without data. is refused with Stripe\'s hint', async () => {
      const pi = await paidIntent();
      const listed = await stripe.paymentIntents.list({ expand: ['data.customer'] });
      assert.strictEqual((listed.data[0].customer as Stripe.Customer).email, 'x@example.com');
      const found = await stripe.charges.search({ query: "status:'succeeded'", expand: ['data.payment_intent'] });
      assert.strictEqual((found.data[0].payment_intent as Stripe.PaymentIntent).id, pi.id);
      assert.strictEqual((await stripe.paymentIntents.list({ expand: ['data'] })).data.length, 1, 'expand[]=data changes nothing');
      const hint = await rejection(stripe.paymentIntents.list({ expand: ['customer'] }));
      invalid(hint, "This property cannot be expanded (customer). You may want to try expanding 'data.customer' instead.", undefined, 'expand');
    });

    it('includable fields are added only when asked for (charge refunds, invoice payments, customer subscriptions)', async () => {
      const pi = await paidIntent();
      await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
      assert.strictEqual((await stripe.charges.retrieve(pi.latest_charge as string)).refunds, undefined);
      const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds'] });
      assert.deepStrictEqual(charge.refunds!.data.map((refund) => refund.amount), [500]);
      const customer = await stripe.customers.create({ email: 's@example.com', invoice_settings: { default_payment_method: 'pm_card_visa' } });
      const product = await stripe.products.create({ name: 'Pro' });
      const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } });
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice.payments', 'items.data.price.product'] });
      const invoice = sub.latest_invoice as Stripe.Invoice;
      assert.deepStrictEqual([invoice.status, invoice.payments!.data.length], ['paid', 1]);
      assert.strictEqual((sub.items.data[0].price.product as Stripe.Product).name, 'Pro');
      const withSubs = await stripe.customers.retrieve(customer.id, { expand: ['subscriptions'] }) as Stripe.Customer;
      assert.deepStrictEqual(withSubs.subscriptions!.data.map((s) => s.id), [sub.id]);
    });

    it('expansions go at most four levels deep (the data. of a list counts)', async () => {
      const customer = await stripe.customers.create({ email: 'd@example.com', invoice_settings: { default_payment_method: 'pm_card_visa' } });
      const product = await stripe.products.create({ name: 'Deep' });
      const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } });
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      const four = await stripe.subscriptions.retrieve(sub.id, { expand: ['items.data.price.product'] });
      assert.strictEqual((four.items.data[0].price.product as Stripe.Product).name, 'Deep');
      const five = await rejection(stripe.subscriptions.list({ expand: ['data.items.data.price.product'] }));
      invalid(five, 'You cannot expand more than 4 levels of a property. Property: data.items.data.price.product', 'property_expansion_max_depth', 'expand');
    });

    it('a path that cannot be expanded is a 400 naming it, and the request changes nothing', async () => {
      const pi = await paidIntent();
      invalid(await rejection(stripe.paymentIntents.retrieve(pi.id, { expand: ['description'] })), 'This property cannot be expanded (description).', undefined, 'expand');
      invalid(await rejection(stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.b.c'] })), 'This property cannot be expanded (latest_charge.b).', undefined, 'expand');
      invalid(await rejection(stripe.paymentIntents.retrieve(pi.id, { expand: ['nothing'] })), 'This property cannot be expanded (nothing).', undefined, 'expand');
      const before = await stripe.customers.list();
      invalid(await rejection(stripe.customers.create({ email: 'n@example.com', expand: ['email'] })), 'This property cannot be expanded (email).', undefined, 'expand');
      assert.strictEqual((await stripe.customers.list()).data.length, before.data.length, 'nothing created');
      invalid(await rejection(stripe.paymentIntents.update(pi.id, { description: 'changed', expand: ['amount'] })), 'This property cannot be expanded (amount).', undefined, 'expand');
      assert.strictEqual((await stripe.paymentIntents.retrieve(pi.id)).description, null, 'nothing updated');
    });

    // https://docs.stripe.com/api/payment_intents/object#payment_intent_object-payment_method (expandable) and
    // https://docs.stripe.com/api/payment_methods/retrieve
    it('payment_method expands to the PaymentMethod that paid, the one GET /v1/payment_methods/:id shows; an unknown id is 404', async () => {
      const pi = await paidIntent();
      const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['payment_method'] });
      const method = expanded.payment_method as Stripe.PaymentMethod;
      assert.deepStrictEqual([method.object, method.id, method.type, method.card!.brand, method.card!.last4], ['payment_method', pi.payment_method, 'card', 'visa', '4242']);
      const { lastResponse: _response, ...retrieved } = await stripe.paymentMethods.retrieve(pi.payment_method as string);
      assert.deepStrictEqual(retrieved, method, 'the same object every time');
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.strictEqual(charge.payment_method_details!.card!.fingerprint, method.card!.fingerprint);
      const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100, expand: ['payment_method'] });
      assert.strictEqual((refund as any).payment_method.id, pi.payment_method);
      const customer = await stripe.customers.create({ invoice_settings: { default_payment_method: 'pm_card_mastercard' }, expand: ['invoice_settings.default_payment_method'] });
      assert.strictEqual((customer.invoice_settings.default_payment_method as Stripe.PaymentMethod).card!.brand, 'mastercard');
      const declined = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...NO_REDIRECTS }));
      const { lastResponse: _again, ...declinedMethod } = await stripe.paymentMethods.retrieve('pm_card_chargeDeclined');
      assert.deepStrictEqual(declined.payment_method, declinedMethod, 'a card error carries the same PaymentMethod');
      const missing = await rejection(stripe.paymentMethods.retrieve('pm_never_seen'));
      assert.deepStrictEqual([missing.statusCode, missing.code, missing.message], [404, 'resource_missing', "No such PaymentMethod: 'pm_never_seen'"]);
    });

    // https://docs.stripe.com/expand#how-it-works ("expand: ['latest_charge.balance_transaction']" to see a payment's fees),
    // https://docs.stripe.com/api/balance_transactions/object, https://stripe.com/pricing (2.9% + 30¢ per US card payment)
    it('latest_charge.balance_transaction expands to the payment\'s fee and net; a refund has its own, negative one; an uncaptured charge none', async () => {
      const pi = await paidIntent();
      const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.balance_transaction'] });
      const transaction = (expanded.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
      assert.deepStrictEqual(
        [transaction.object, transaction.type, transaction.reporting_category, transaction.amount, transaction.fee, transaction.net, transaction.source, transaction.status],
        ['balance_transaction', 'charge', 'charge', 2000, 88, 1912, pi.latest_charge, 'pending'],
      );
      assert.deepStrictEqual(transaction.fee_details, [{ amount: 88, application: null, currency: 'usd', description: 'Stripe processing fees', type: 'stripe_fee' }]);
      const { lastResponse: _response, ...retrieved } = await stripe.balanceTransactions.retrieve(transaction.id);
      assert.deepStrictEqual(retrieved, transaction);
      const withSource = await stripe.balanceTransactions.retrieve(transaction.id, { expand: ['source'] });
      assert.strictEqual((withSource.source as Stripe.Charge).id, pi.latest_charge);
      const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500, expand: ['balance_transaction'] });
      const back = refund.balance_transaction as Stripe.BalanceTransaction;
      assert.deepStrictEqual([back.type, back.amount, back.fee, back.net, back.source], ['refund', -500, 0, -500, refund.id]);
      const listed = await stripe.balanceTransactions.list({ type: 'refund' });
      assert.deepStrictEqual(listed.data.map((item) => item.id), [back.id]);
      // An authorization moves no funds until it is captured.
      const held = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true, ...NO_REDIRECTS });
      assert.strictEqual((await stripe.charges.retrieve(held.latest_charge as string)).balance_transaction, null);
      const captured = await stripe.paymentIntents.capture(held.id, { amount_to_capture: 2000, expand: ['latest_charge.balance_transaction'] });
      assert.deepStrictEqual(((captured.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction).amount, 2000);
      // Funds become available two days later (the sandbox's clock moves on).
      sandbox.advanceClock(2 * 86400);
      assert.strictEqual((await stripe.balanceTransactions.retrieve(transaction.id)).status, 'available');
    });

    it('a deleted customer expands to its deleted stub; an empty expandable field stays null', async () => {
      const customer = await stripe.customers.create({ email: 'gone@example.com' });
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, ...NO_REDIRECTS });
      await stripe.customers.del(customer.id);
      const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['customer', 'latest_charge', 'review'] });
      assert.deepStrictEqual(expanded.customer, { id: customer.id, object: 'customer', deleted: true });
      assert.deepStrictEqual([expanded.latest_charge, expanded.review], [null, null]);
      const { lastResponse: _response, ...stub } = await stripe.customers.retrieve(customer.id, { expand: ['subscriptions'] });
      assert.deepStrictEqual(stub, { id: customer.id, object: 'customer', deleted: true }, 'nothing is added to a deleted object');
    });
  });

  // https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts; amount in https://docs.stripe.com/api/payment_intents/create
  describe('minimum and maximum charge amounts', () => {
    const minimums: [string, number, string][] = [['usd', 50, '$0.50'], ['eur', 50, '€0.50'], ['gbp', 30, '£0.30'], ['jpy', 50, '¥50']];

    for (const [currency, minimum, written] of minimums) {
      it(`a ${currency.toUpperCase()} payment is at least ${written} (amount_too_small below it)`, async () => {
        const err = await rejection(stripe.paymentIntents.create({ amount: minimum - 1, currency, ...NO_REDIRECTS }));
        invalid(err, `Amount must be at least ${written} ${currency}`, 'amount_too_small', 'amount');
        assert.strictEqual(err.raw.doc_url, 'https://docs.stripe.com/error-codes/amount-too-small');
        assert.strictEqual((await stripe.paymentIntents.list()).data.length, 0);
        const ok = await stripe.paymentIntents.create({ amount: minimum, currency, payment_method: 'pm_card_visa', confirm: true, ...NO_REDIRECTS });
        assert.deepStrictEqual([ok.status, ok.amount_received], ['succeeded', minimum]);
        const legacy = await rejection(stripe.charges.create({ amount: minimum - 1, currency, source: 'tok_visa' }));
        invalid(legacy, `Amount must be at least ${written} ${currency}`, 'amount_too_small', 'amount');
      });
    }

    it('the currency is lowercased before its minimum applies, and an update below the minimum is refused', async () => {
      const upper = await rejection(stripe.paymentIntents.create({ amount: 10, currency: 'USD', ...NO_REDIRECTS }));
      invalid(upper, 'Amount must be at least $0.50 usd', 'amount_too_small', 'amount');
      const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', ...NO_REDIRECTS });
      invalid(await rejection(stripe.paymentIntents.update(pi.id, { amount: 10 })), 'Amount must be at least $0.50 usd', 'amount_too_small', 'amount');
      invalid(await rejection(stripe.paymentIntents.update(pi.id, { currency: 'gbp', amount: 29 })), 'Amount must be at least £0.30 gbp', 'amount_too_small', 'amount');
      const after = await stripe.paymentIntents.retrieve(pi.id);
      assert.deepStrictEqual([after.amount, after.currency], [5000, 'usd'], 'unchanged');
    });

    it('the amount supports up to eight digits (amount_too_large above)', async () => {
      const err = await rejection(stripe.paymentIntents.create({ amount: 100_000_000, currency: 'usd', ...NO_REDIRECTS }));
      invalid(err, 'Amount must be no more than $999,999.99', 'amount_too_large', 'amount');
      assert.strictEqual((await stripe.paymentIntents.create({ amount: 99_999_999, currency: 'usd', ...NO_REDIRECTS })).amount, 99_999_999);
    });
  });

  // https://docs.stripe.com/api/metadata ("up to 50 keys, with key names up to 40 characters long and values up to 500 characters long")
  describe('metadata limits', () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));

    it('up to 50 keys; the 51st is refused with Stripe\'s message, on create and on update', async () => {
      const customer = await stripe.customers.create({ email: 'm@example.com', metadata: keys(50) });
      assert.strictEqual(Object.keys(customer.metadata).length, 50);
      const tooMany = await rejection(stripe.customers.create({ email: 'n@example.com', metadata: keys(51) }));
      invalid(tooMany, "Metadata can have up to 50 keys, but you've set 51. Email us at support+metadata@stripe.com for more information.", undefined, 'metadata');
      const update = await rejection(stripe.customers.update(customer.id, { name: 'Renamed', metadata: { extra: 'one too many' } }));
      invalid(update, "Metadata can have up to 50 keys, but you've set 51. Email us at support+metadata@stripe.com for more information.", undefined, 'metadata');
      const after = await stripe.customers.retrieve(customer.id) as Stripe.Customer;
      assert.deepStrictEqual([after.name, Object.keys(after.metadata).length], [null, 50], 'a refused update changes nothing');
      // Removing a key (empty value) makes room.
      const swapped = await stripe.customers.update(customer.id, { metadata: { k0: '', extra: 'fits' } });
      assert.deepStrictEqual([Object.keys(swapped.metadata).length, swapped.metadata.extra], [50, 'fits']);
      assert.strictEqual((await stripe.customers.list()).data.length, 1);
    });

    it('keys up to 40 characters, values up to 500 characters', async () => {
      const fits = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS, metadata: { ['k'.repeat(40)]: 'v'.repeat(500) } });
      assert.strictEqual(fits.metadata['k'.repeat(40)].length, 500);
      const longKey = 'k'.repeat(41);
      invalid(await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS, metadata: { [longKey]: 'v' } })),
        `Invalid key: ${longKey} must be a string under 40 characters`, undefined, 'metadata');
      const longValue = 'v'.repeat(501);
      invalid(await rejection(stripe.products.create({ name: 'P', metadata: { note: longValue } })), `Invalid val: ${longValue} must be a string under 500 characters`, undefined, 'metadata');
      assert.strictEqual((await stripe.paymentIntents.list()).data.length, 1);
      assert.strictEqual((await stripe.products.list()).data.length, 0);
    });

    it('a refused price creates no product from product_data', async () => {
      const err = await rejection(stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Add-on' }, metadata: keys(51) }));
      invalid(err, /Metadata can have up to 50 keys/, undefined, 'metadata');
      assert.strictEqual((await stripe.products.list()).data.length, 0);
      assert.deepStrictEqual(await eventTypes(), []);
    });
  });

  // https://docs.stripe.com/search#search-query-language and the query fields of each resource
  describe('search query language', () => {
    const unsupported = (field: string, resource: string) =>
      `Field \`${field}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, '-')} for a list of supported fields.`;
    const unparsable = 'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.';

    it('each resource answers only its query fields; any other field is a 400', async () => {
      const cases: [() => Promise<unknown>, string, string][] = [
        [() => stripe.customers.search({ query: "status:'active'" }), 'status', 'customers'],
        [() => stripe.customers.search({ query: "description:'vip'" }), 'description', 'customers'],
        [() => stripe.paymentIntents.search({ query: "email:'a@example.com'" }), 'email', 'payment_intents'],
        [() => stripe.paymentIntents.search({ query: "description:'order'" }), 'description', 'payment_intents'],
        [() => stripe.charges.search({ query: "payment_intent:'pi_1'" }), 'payment_intent', 'charges'],
        [() => stripe.products.search({ query: "unit_label:'seat'" }), 'unit_label', 'products'],
        [() => stripe.prices.search({ query: "nickname:'gold'" }), 'nickname', 'prices'],
        [() => stripe.subscriptions.search({ query: "customer:'cus_1'" }), 'customer', 'subscriptions'],
        [() => stripe.invoices.search({ query: "foo:'bar'" }), 'foo', 'invoices'],
      ];
      for (const [call, field, resource] of cases) invalid(await rejection(call()), unsupported(field, resource), undefined, 'query');
    });

    it('the documented examples parse and match', async () => {
      const customer = await stripe.customers.create({ email: 'jenny.rosen@example.com', name: 'Jenny Rosen', metadata: { foo: 'bar' } });
      await stripe.customers.create({ email: 'other@example.com', name: 'Other' });
      const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, ...NO_REDIRECTS, metadata: { order_id: '6735' } });
      await stripe.paymentIntents.create({ amount: 500, currency: 'eur', ...NO_REDIRECTS });
      const ids = async (promise: Promise<{ data: { id: string }[] }>) => (await promise).data.map((object) => object.id);
      assert.deepStrictEqual(await ids(stripe.charges.search({ query: "amount>999 AND metadata['order_id']:'6735'" })), []);
      await stripe.charges.update(pi.latest_charge as string, { metadata: { order_id: '6735' } });
      assert.deepStrictEqual(await ids(stripe.charges.search({ query: "amount>999 AND metadata['order_id']:'6735'" })), [pi.latest_charge]);
      assert.deepStrictEqual(await ids(stripe.customers.search({ query: 'email:"jenny.rosen@example.com"' })), [customer.id]);
      assert.deepStrictEqual(await ids(stripe.customers.search({ query: "name~'jenny' AND metadata['foo']:'bar'" })), [customer.id]);
      assert.deepStrictEqual(await ids(stripe.customers.search({ query: "-name:'Jenny Rosen'" })).then((found) => found.length), 1);
      assert.deepStrictEqual(await ids(stripe.paymentIntents.search({ query: "status:'succeeded' OR currency:'usd'" })), [pi.id]);
      assert.deepStrictEqual(await ids(stripe.paymentIntents.search({ query: `customer:'${customer.id}' AND amount>=1000 AND amount<=1000` })), [pi.id]);
      assert.deepStrictEqual(await ids(stripe.charges.search({ query: "payment_method_details.card.last4:'4242' AND status:'succeeded'" })), [pi.latest_charge]);
      const created = (await stripe.paymentIntents.retrieve(pi.id)).created;
      assert.strictEqual((await ids(stripe.paymentIntents.search({ query: `created>=${created}` }))).length, 2);
      assert.deepStrictEqual(await ids(stripe.customers.search({ query: "name:'Jenny AND Rosen'" })), [], 'AND inside quotes is part of the value');
    });

    // https://docs.stripe.com/api/pagination/search: total_count is not included by default; expand[]=total_count adds it.
    it('total_count is included only when expanded, counting every match across pages', async () => {
      for (let i = 0; i < 3; i++) await stripe.customers.create({ email: 'same@example.com' });
      const page = await stripe.customers.search({ query: "email:'same@example.com'", limit: 2 });
      assert.deepStrictEqual([page.total_count, page.has_more], [undefined, true]);
      const counted = await stripe.customers.search({ query: "email:'same@example.com'", limit: 2, expand: ['total_count'] });
      assert.deepStrictEqual([counted.total_count, counted.data.length], [3, 2]);
      const withData = await stripe.customers.search({ query: "email:'same@example.com'", expand: ['total_count', 'data.subscriptions'] });
      assert.deepStrictEqual([withData.total_count, withData.data[0].subscriptions!.object], [3, 'list']);
      invalid(await rejection(stripe.customers.list({ expand: ['total_count'] })), /cannot be expanded \(total_count\)/, undefined, 'expand');
    });

    it('queries outside the grammar are refused: unparsable, unquoted strings, mixed AND / OR, more than 10 clauses, ~ and > on the wrong fields', async () => {
      invalid(await rejection(stripe.customers.search({ query: 'asdf' })), unparsable, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: 'email:jenny@example.com' })), unparsable, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: "email:'a@example.com" })), unparsable, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: "email:'a@example.com' AND name:'A' OR name:'B'" })), /cannot mix AND and OR/, undefined, 'query');
      const eleven = Array.from({ length: 11 }, (_, i) => `metadata['k${i}']:'v'`).join(' AND ');
      invalid(await rejection(stripe.customers.search({ query: eleven })), /at most 10 clauses/, undefined, 'query');
      invalid(await rejection(stripe.paymentIntents.search({ query: "status~'succ'" })), /does not support substring matching/, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: "email~'ab'" })), /at least 3 characters/, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: "email>'a'" })), /only numeric fields/, undefined, 'query');
      invalid(await rejection(stripe.customers.search({ query: "metadata:'x'" })), unsupported('metadata', 'customers'), undefined, 'query');
      invalid(await rejection(stripe.customers.search({} as any)), 'Missing required param: query.', 'parameter_missing', 'query');
      // Ten clauses are fine.
      const ten = Array.from({ length: 10 }, (_, i) => `metadata['k${i}']:'v'`).join(' AND ');
      assert.strictEqual((await stripe.customers.search({ query: ten })).data.length, 0);
    });
  });

  // https://docs.stripe.com/api/errors: 404 is for "the requested resource", the object in the URL path. An object a
  // parameter names that does not exist makes the request wrong: Stripe answers 400 invalid_request_error,
  // code resource_missing, `param` naming the parameter ("No such customer: 'cus_x'", param `customer`).
  describe('a missing object: named by a parameter (400) or by the URL path (404)', () => {
    const missingReference = (err: any, kind: string, id: string, param: string) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, `${param}: ${err.message}`);
      invalid(err, `No such ${kind}: '${id}'`, 'resource_missing', param);
    };
    const missingPath = (err: any, kind: string, id: string) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.message);
      assert.deepStrictEqual([err.statusCode, err.code, err.message], [404, 'resource_missing', `No such ${kind}: '${id}'`]);
    };

    it('a parameter naming a missing customer, price, product, coupon, PaymentIntent, charge or test clock is a 400 naming the parameter, and nothing is created', async () => {
      const customer = await stripe.customers.create({ email: 'ref@example.com' });
      const product = await stripe.products.create({ name: 'Plan' });
      const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } });
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
      const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7 });
      const eventsBefore = (await eventTypes()).length;
      const cases: [() => Promise<unknown>, string, string, string][] = [
        [() => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: 'cus_missing' }), 'customer', 'cus_missing', 'customer'],
        [() => stripe.paymentIntents.update(pi.id, { customer: 'cus_missing' }), 'customer', 'cus_missing', 'customer'],
        [() => stripe.charges.create({ amount: 2000, currency: 'usd', customer: 'cus_missing' }), 'customer', 'cus_missing', 'customer'],
        [() => stripe.subscriptions.create({ customer: 'cus_missing', items: [{ price: price.id }] }), 'customer', 'cus_missing', 'customer'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_missing' }] }), 'price', 'price_missing', 'items[0][price]'],
        [() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7, discounts: [{ coupon: 'nope' }] }), 'coupon', 'nope', 'discounts[0][coupon]'],
        [() => stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0].id, price: 'price_missing' }] }), 'price', 'price_missing', 'items[0][price]'],
        [() => stripe.subscriptions.update(subscription.id, { items: [{ id: 'si_missing', quantity: 2 }] }), 'subscription item', 'si_missing', 'items[0][id]'],
        [() => stripe.prices.create({ product: 'prod_missing', unit_amount: 100, currency: 'usd' }), 'product', 'prod_missing', 'product'],
        [() => stripe.refunds.create({ payment_intent: 'pi_missing' }), 'payment_intent', 'pi_missing', 'payment_intent'],
        [() => stripe.refunds.create({ charge: 'ch_missing' }), 'charge', 'ch_missing', 'charge'],
        [() => stripe.customers.create({ email: 'c@example.com', test_clock: 'clock_missing' }), 'test clock', 'clock_missing', 'test_clock'],
        [() => stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000, customer: 'cus_missing' } as any), 'customer', 'cus_missing', 'customer'],
        [() => stripe.checkout.sessions.create({ mode: 'subscription', success_url: 'https://example.com/ok', customer: 'cus_missing', line_items: [{ price: price.id, quantity: 1 }] }), 'customer', 'cus_missing', 'customer'],
      ];
      for (const [call, kind, id, param] of cases) missingReference(await rejection(call()), kind, id, param);
      assert.strictEqual((await eventTypes()).length, eventsBefore, 'no refused request changed anything');
      assert.strictEqual((await stripe.paymentIntents.retrieve(pi.id)).customer, null);
      assert.strictEqual((await stripe.subscriptions.list()).data.length, 1);
      assert.strictEqual((await stripe.customers.list()).data.length, 1);
    });

    it('the object the URL path names, missing, is a 404', async () => {
      missingPath(await rejection(stripe.customers.retrieve('cus_missing')), 'customer', 'cus_missing');
      missingPath(await rejection(stripe.paymentIntents.retrieve('pi_missing')), 'payment_intent', 'pi_missing');
      missingPath(await rejection(stripe.paymentIntents.update('pi_missing', { description: 'x' })), 'payment_intent', 'pi_missing');
      missingPath(await rejection(stripe.prices.retrieve('price_missing')), 'price', 'price_missing');
      missingPath(await rejection(stripe.subscriptions.update('sub_missing', { metadata: { a: 'b' } })), 'subscription', 'sub_missing');
      missingPath(await rejection(stripe.testHelpers.testClocks.advance('clock_missing', { frozen_time: 1_800_000_000 })), 'test clock', 'clock_missing');
    });
  });

  // https://docs.stripe.com/api/pagination (starting_after / ending_before)
  it('list pagination: both cursors at once is refused with Stripe\'s message, after both are looked up', async () => {
    const [a, b] = [await stripe.customers.create({ email: 'a@example.com' }), await stripe.customers.create({ email: 'b@example.com' })];
    invalid(await rejection(stripe.customers.list({ starting_after: a.id, ending_before: b.id })), 'Received both starting_after and ending_before parameters. Please pass in only one.');
    const unknown = await rejection(stripe.customers.list({ starting_after: 'cus_nope', ending_before: b.id }));
    assert.deepStrictEqual([unknown.statusCode, unknown.code, unknown.param], [404, 'resource_missing', 'starting_after']);
  });

  // https://docs.stripe.com/api/pagination: limit "can range between 1 and 100"; created is a timestamp or a hash of
  // gt / gte / lt / lte (https://docs.stripe.com/api/customers/list#list_customers-created).
  it('list limit between 1 and 100, and created takes only gt, gte, lt and lte', async () => {
    await stripe.customers.create({ email: 'a@example.com' });
    for (const limit of [0, 101]) invalid(await rejection(stripe.customers.list({ limit })), /must be between 1 and 100/, 'parameter_invalid_integer', 'limit');
    assert.strictEqual((await stripe.customers.list({ limit: 100 })).data.length, 1);
    invalid(await rejection(stripe.charges.list({ created: { gte: 1, since: 2 } as any })), 'Received unknown parameter: created[since]', 'parameter_unknown', 'created[since]');
    assert.strictEqual((await stripe.customers.list({ created: { gte: 1, lt: 4_000_000_000 } })).data.length, 1);
  });

  // Stripe refuses parameters an endpoint does not have, on retrieve as on create, update and list
  // (https://docs.stripe.com/error-codes#parameter-unknown); a PaymentIntent's retrieve also takes its client_secret.
  it('a retrieve takes only expand[] (a PaymentIntent also client_secret): anything else is parameter_unknown', async () => {
    const customer = await stripe.customers.create({ email: 'r@example.com' });
    invalid(await rejection(stripe.customers.retrieve(customer.id, { email: 'r@example.com' } as any)), 'Received unknown parameter: email', 'parameter_unknown', 'email');
    invalid(await rejection(stripe.events.retrieve((await stripe.events.list()).data[0].id, { type: 'x' } as any)), 'Received unknown parameter: type', 'parameter_unknown', 'type');
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...NO_REDIRECTS });
    assert.strictEqual((await stripe.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! })).id, pi.id);
    invalid(await rejection(stripe.paymentIntents.retrieve(pi.id, { metadata: { a: 'b' } } as any)), 'Received unknown parameter: metadata', 'parameter_unknown', 'metadata');
    assert.strictEqual(((await stripe.customers.retrieve(customer.id, { expand: ['subscriptions'] })) as Stripe.Customer).subscriptions!.data.length, 0);
  });

  // https://docs.stripe.com/api/errors: request_log_url "A URL to the request log entry in your dashboard."
  it('an error on an authenticated request links its request log entry (request_log_url), replayed with it under an idempotency key', async () => {
    const err = await rejection(stripe.paymentIntents.create({ currency: 'usd' } as any, { idempotencyKey: 'no-amount' }));
    assert.strictEqual(err.raw.request_log_url, `https://dashboard.stripe.com/test/logs/${err.requestId}?t=${err.raw.request_log_url.split('?t=')[1]}`);
    assert.match(err.raw.request_log_url, /\?t=\d{10}$/);
    const declined = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...NO_REDIRECTS }, { idempotencyKey: 'decline' }));
    const replayed = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...NO_REDIRECTS }, { idempotencyKey: 'decline' }));
    assert.strictEqual(replayed.raw.request_log_url, declined.raw.request_log_url, 'the first response, as it was');
    const live = sandboxClient(sandbox, 'sk_live_flowguard_sandbox');
    assert.match((await rejection(live.customers.retrieve('cus_missing'))).raw.request_log_url, /^https:\/\/dashboard\.stripe\.com\/logs\/req_/);
    const anonymous = await rejection(sandboxClient(sandbox, 'sk_test_unknown').customers.list());
    assert.deepStrictEqual([anonymous.statusCode, anonymous.raw.request_log_url], [401, undefined], 'no account, no log');
  });

  // https://docs.stripe.com/currencies (presentment currencies); Stripe's message lists the ones it supports.
  it('a currency Stripe does not support is refused, naming the currency; codes are lowercased', async () => {
    const err = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'xyz', ...NO_REDIRECTS }));
    invalid(err, /^Invalid currency: xyz\. Stripe currently supports these currencies: usd, aed, afn, .*, eur, .*, jpy, /, 'parameter_invalid_string', 'currency');
    invalid(await rejection(stripe.prices.create({ product_data: { name: 'P' }, unit_amount: 100, currency: 'abc' })), /^Invalid currency: abc\./, 'parameter_invalid_string', 'currency');
    assert.strictEqual((await stripe.paymentIntents.list()).data.length, 0);
    assert.strictEqual((await stripe.paymentIntents.create({ amount: 2000, currency: 'SEK', ...NO_REDIRECTS })).currency, 'sek');
  });

  describe('test clocks, renewals and thin events', () => {
    const START = Date.UTC(2027, 0, 31, 9) / 1000;
    const ready = async (clock: string) => {
      for (let i = 0; i < 200 && (await stripe.testHelpers.testClocks.retrieve(clock)).status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };

    // https://docs.stripe.com/billing/testing/test-clocks (advancing is asynchronous: `advancing`, then `ready`; at
    // most two intervals of the shortest subscription per advance; objects take the clock's time)
    it('a test clock advances asynchronously, at most two intervals at a time, and its customers\' objects take its time', async () => {
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
      const customer = await stripe.customers.create({ test_clock: clock.id, invoice_settings: { default_payment_method: 'pm_card_visa' } });
      const product = await stripe.products.create({ name: 'Weekly' });
      const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 700, recurring: { interval: 'week' } });
      const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      assert.deepStrictEqual([subscription.created, subscription.start_date, customer.created], [START, START, START]);
      invalid(await rejection(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 15 * 86400 })), /two intervals/, undefined, 'frozen_time');
      assert.strictEqual((await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 14 * 86400 })).status, 'advancing');
      await ready(clock.id);
      const invoices = (await stripe.invoices.list({ subscription: subscription.id })).data;
      assert.deepStrictEqual(invoices.map((invoice) => invoice.billing_reason), ['subscription_cycle', 'subscription_cycle', 'subscription_create']);
      // The renewal at the clock's new time waits its hour as a draft.
      assert.deepStrictEqual(invoices.map((invoice) => invoice.status), ['draft', 'paid', 'paid']);
    });

    // https://docs.stripe.com/billing/subscriptions/overview#subscription-lifecycle (renewal invoices are finalized about
    // an hour after creation; a failed renewal payment makes the subscription past_due)
    it('a renewal invoice is a draft for an hour, then finalized and charged; a decline makes the subscription past_due', async () => {
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
      const customer = await stripe.customers.create({ test_clock: clock.id, invoice_settings: { default_payment_method: 'pm_card_visa' } });
      const product = await stripe.products.create({ name: 'Monthly' });
      const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 900, recurring: { interval: 'month' } });
      const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      const end = subscription.items.data[0].current_period_end;
      assert.strictEqual(end, Date.UTC(2027, 1, 28, 9) / 1000, 'Jan 31 + 1 month is the end of February');
      await stripe.subscriptions.update(subscription.id, { default_payment_method: 'pm_card_chargeDeclined' });
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 1800 });
      await ready(clock.id);
      const draft = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string);
      assert.deepStrictEqual([draft.status, draft.automatically_finalizes_at, draft.auto_advance], ['draft', end + 3600, true]);
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 7200 });
      await ready(clock.id);
      const open = await stripe.invoices.retrieve(draft.id);
      assert.deepStrictEqual([open.status, open.attempt_count, open.attempted], ['open', 1, true]);
      assert.strictEqual((await stripe.subscriptions.retrieve(subscription.id)).status, 'past_due');
    });

    // https://docs.stripe.com/api/v2/core/event-destinations/create (the signing secret is returned only when included,
    // on creation) and https://docs.stripe.com/api/v2/core/events/retrieve
    it('an event destination shows its signing secret only on creation when included; its thin events are retrievable', async () => {
      const withSecret = await stripe.v2.core.eventDestinations.create({
        name: 'a', type: 'webhook_endpoint', event_payload: 'thin', enabled_events: ['v1.customer.created'], webhook_endpoint: { url: 'http://127.0.0.1:9/hook' },
        include: ['webhook_endpoint.signing_secret'],
      });
      assert.match(withSecret.webhook_endpoint!.signing_secret!, /^whsec_/);
      const without = await stripe.v2.core.eventDestinations.create({
        name: 'b', type: 'webhook_endpoint', event_payload: 'thin', enabled_events: ['v1.customer.created'], webhook_endpoint: { url: 'http://127.0.0.1:9/hook' },
      });
      assert.strictEqual(without.webhook_endpoint!.signing_secret, null);
      assert.strictEqual((await stripe.v2.core.eventDestinations.retrieve(withSecret.id)).webhook_endpoint!.signing_secret, null);
      const customer = await stripe.customers.create({ email: 'thin@example.com' });
      sandbox.webhooks.reset();
      const [event] = (await stripe.v2.core.events.list({ object_id: customer.id } as any)).data;
      const fetched = await stripe.v2.core.events.retrieve(event.id);
      assert.deepStrictEqual([fetched.object, fetched.type, (fetched as any).related_object.url], ['v2.core.event', 'v1.customer.created', `/v1/customers/${customer.id}`]);
      assert.strictEqual(((await (fetched as any).fetchRelatedObject()) as Stripe.Customer).email, 'thin@example.com');
      const missing = await rejection(stripe.v2.core.events.retrieve('evt_test_missing'));
      assert.strictEqual(missing.statusCode, 404);
      const refused = await rejection(stripe.v2.core.eventDestinations.create({ name: 'c', type: 'webhook_endpoint', event_payload: 'thin', enabled_events: ['customer.created'], webhook_endpoint: { url: 'http://127.0.0.1:9/hook' } }));
      assert.strictEqual(refused.statusCode, 400);
    });
  });
});
