// Object shapes: every object type the Stripe sandbox returns, fetched raw through the unmodified SDK (rawRequest, so
// the wire JSON is compared, not the SDK's coerced values), is held against
//  - Stripe's own fixture of that resource (stripe-fixtures3.json, from stripe/openapi): every fixture field that the
//    pinned API version still has must be there;
//  - the installed SDK's types of the pinned API version (stripe-sdk-types.ts): every non-optional field must be there,
//    no field the API does not have, and every value of a JSON kind the SDK allows (null only where it is nullable).
// Nested objects are checked the same way where the fixture shows them.
import * as assert from 'assert';
import type * as ts from 'typescript';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import fixtures from './stripe-fixtures3.json';
import { Kind, SdkTypes } from './stripe-sdk-types';

/**
 * Fields that are in the fixture but that the API returns only when asked (`expand[]`): the charge's `refunds` list
 * stopped being included by default in API 2022-11-15 (https://docs.stripe.com/changelog/2022-11-15/removes-charges-refunds-property).
 */
const INCLUDABLE: Record<string, string[]> = { charge: ['refunds'] };

/** Object types the sandbox returns; each must be seen at least once. */
const TYPES = [
  'account', 'customer', 'deleted_customer', 'product', 'deleted_product', 'price', 'plan', 'payment_intent', 'charge', 'refund', 'dispute', 'event',
  'webhook_endpoint', 'deleted_webhook_endpoint', 'subscription', 'subscription_item', 'invoice', 'line_item', 'invoice_payment',
  'checkout.session', 'item',
  'test_helpers.test_clock', 'deleted_test_helpers.test_clock', 'coupon', 'deleted_coupon', 'invoiceitem',
  'payment_method', 'balance_transaction',
];

type Json = Record<string, unknown>;

const kindOf = (value: unknown): Kind =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : (typeof value as Kind);
const isObject = (value: unknown): value is Json => kindOf(value) === 'object';

describe('Stripe sandbox object shapes (Stripe\'s fixtures and the SDK\'s types of the pinned API version)', function () {
  this.timeout(180000);
  let sandbox: StripeSandbox;
  let sdk: SdkTypes;
  const seen = new Map<string, Json[]>();

  const add = (object: Json) => {
    const type = object.deleted ? `deleted_${object.object}` : String(object.object);
    seen.set(type, [...(seen.get(type) ?? []), object]);
    // Objects inside objects (subscription items, invoice lines, expanded payments, plans) are checked on their own too.
    for (const value of Object.values(object)) {
      if (isObject(value) && Array.isArray(value.data) && value.object === 'list') value.data.filter(isObject).forEach(add);
      if (isObject(value) && typeof value.object === 'string' && value.object !== 'list' && typeof value.id === 'string') add(value);
    }
  };

  before(async () => {
    sdk = new SdkTypes();
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
    const stripe = sandboxClient(sandbox);
    // rawRequest takes GET / DELETE params in the path.
    const query = (params: Record<string, unknown>) => Object.entries(params)
      .flatMap(([key, value]) => (Array.isArray(value) ? value.map((item, i) => `${key}[${i}]=${encodeURIComponent(String(item))}`) : [`${key}=${encodeURIComponent(String(value))}`]))
      .join('&');
    const raw = (method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, unknown> = {}) =>
      (method === 'POST' ? stripe.rawRequest(method, path, params) : stripe.rawRequest(method, Object.keys(params).length ? `${path}?${query(params)}` : path))
        .then((response) => response as unknown as Json);
    const pay = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

    // A little of everything, in the states Stripe returns them in.
    const customer = await stripe.customers.create({ email: 'shape@example.com', name: 'Shape', address: { city: 'Oslo', country: 'NO' }, metadata: { k: 'v' } });
    await stripe.customers.create({ email: 'bare@example.com' });
    const gone = await stripe.customers.create({ email: 'gone@example.com' });
    await stripe.customers.del(gone.id);
    const product = await stripe.products.create({ name: 'Pro' });
    const temporary = await stripe.products.create({ name: 'Temporary' });
    await stripe.products.del(temporary.id);
    const monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } });
    await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500 });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id });
    const paid = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, ...pay });
    await stripe.refunds.create({ payment_intent: paid.id, amount: 500 });
    const declined = await stripe.paymentIntents.create({ amount: 3000, currency: 'eur', ...pay });
    await stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' }).catch(() => undefined);
    const held = await stripe.paymentIntents.create({ amount: 4000, currency: 'gbp', capture_method: 'manual', payment_method: 'pm_card_mastercard', confirm: true, ...pay });
    await stripe.paymentIntents.cancel(held.id);
    await stripe.paymentIntents.create({ amount: 500, currency: 'jpy', allowed_payment_method_types: ['card'], payment_method: 'pm_card_visa', confirm: true });
    const disputed = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true, ...pay });
    const [dispute] = (await stripe.disputes.list({ payment_intent: disputed.id })).data;
    await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    await stripe.charges.create({ amount: 999, currency: 'usd', source: 'tok_visa' });
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id, quantity: 2 }], default_payment_method: 'pm_card_visa' });
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 7 });
    const failing = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: 'pm_card_chargeDeclined' });
    await stripe.invoices.voidInvoice(failing.latest_invoice as string);
    await stripe.subscriptions.cancel(failing.id);
    // Over time: a test clock's customer, a renewal that fails, a price change with proration, coupons.
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: 'shapes' });
    const clocked = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id, invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const percent = await stripe.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 3, name: 'twenty' });
    await stripe.coupons.create({ amount_off: 300, currency: 'usd', duration: 'once', max_redemptions: 5, redeem_by: Math.floor(Date.now() / 1000) + 86400 });
    const renewing = await stripe.subscriptions.create({ customer: clocked.id, items: [{ price: monthly.id }], discounts: [{ coupon: percent.id }] });
    const annual = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2500, recurring: { interval: 'month' } });
    await stripe.subscriptions.update(renewing.id, { items: [{ id: renewing.items.data[0].id, price: annual.id }] });
    await stripe.customers.update(clocked.id, { invoice_settings: { default_payment_method: 'pm_card_chargeDeclined' } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: renewing.items.data[0].current_period_end + 7200 });
    while ((await stripe.testHelpers.testClocks.retrieve(clock.id)).status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 5));
    add(await raw('GET', `/v1/test_helpers/test_clocks/${clock.id}`));
    const gone2 = await stripe.testHelpers.testClocks.create({ frozen_time: 1700000000 });
    add(await raw('DELETE', `/v1/test_helpers/test_clocks/${gone2.id}`));
    const dropped = await stripe.coupons.create({ percent_off: 5 });
    add(await raw('DELETE', `/v1/coupons/${dropped.id}`));
    ((await raw('GET', '/v1/coupons', { limit: 100 })).data as Json[]).forEach(add);
    ((await raw('GET', '/v1/invoiceitems', { limit: 100 })).data as Json[]).forEach(add);
    const endpoint = await raw('POST', '/v1/webhook_endpoints', { url: 'https://example.com/hook', enabled_events: ['charge.succeeded'] });
    add(endpoint);
    const doomed = await stripe.webhookEndpoints.create({ url: 'https://example.com/old', enabled_events: ['*'] });
    add(await raw('DELETE', `/v1/webhook_endpoints/${doomed.id}`));

    for (const path of ['/v1/customers', '/v1/products', '/v1/prices', '/v1/payment_intents', '/v1/charges', '/v1/refunds', '/v1/disputes', '/v1/events',
      '/v1/webhook_endpoints']) {
      ((await raw('GET', path, { limit: 100 })).data as Json[]).forEach(add);
    }
    ((await raw('GET', '/v1/subscriptions', { limit: 100, status: 'all' })).data as Json[]).forEach(add);
    ((await raw('GET', '/v1/invoices', { limit: 100, expand: ['data.payments'] })).data as Json[]).forEach(add);
    // Checkout: sessions open, paid by card, paid late by bank debit, failed by bank debit, subscribed, expired.
    const control = (path: string, body: unknown) => fetch(`${sandbox.url}/_sandbox/checkout/sessions/${path}`, { method: 'POST', body: JSON.stringify(body) });
    const oneTime = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2500 });
    const checkout = (extra: Record<string, unknown> = {}) => stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'https://example.com/ok', cancel_url: 'https://example.com/back', client_reference_id: 'order-1', metadata: { order: '1' },
      line_items: [{ price: oneTime.id, quantity: 2 }, { price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Gift wrap' } }, quantity: 1 }], ...extra,
    });
    await checkout();
    await control(`${(await checkout({ customer_creation: 'always' })).id}/complete`, { paymentMethod: 'pm_card_visa', name: 'Ada' });
    const late = await checkout();
    await control(`${late.id}/complete`, { paymentMethod: 'us_bank_account' });
    await control(`${late.id}/settle`, { outcome: 'succeeded' });
    const bounced = await checkout({ customer: customer.id });
    await control(`${bounced.id}/complete`, { paymentMethod: 'us_bank_account' });
    await control(`${bounced.id}/settle`, { outcome: 'failed' });
    const subscribed = await stripe.checkout.sessions.create({ mode: 'subscription', success_url: 'https://example.com/ok', line_items: [{ price: monthly.id, quantity: 1 }] });
    await control(`${subscribed.id}/complete`, { paymentMethod: 'pm_card_visa', email: 'sub@example.com' });
    await stripe.checkout.sessions.expire((await checkout()).id);
    await stripe.checkout.sessions.create({ mode: 'payment', ui_mode: 'embedded_page', return_url: 'https://example.com/r', line_items: [{ price: oneTime.id, quantity: 1 }] });
    const sessions = (await raw('GET', '/v1/checkout/sessions', { limit: 100, expand: ['data.line_items'] })).data as Json[];
    sessions.forEach(add);
    ((await raw('GET', `/v1/checkout/sessions/${sessions[0].id}/line_items`)).data as Json[]).forEach(add);
    // The charges and PaymentIntents Checkout made are held to their shapes too.
    for (const path of ['/v1/payment_intents', '/v1/charges', '/v1/events']) ((await raw('GET', path, { limit: 100 })).data as Json[]).forEach(add);
    // Every charge's and refund's balance transaction, and the PaymentMethods (cards, Checkout's bank account) payments used.
    ((await raw('GET', '/v1/balance_transactions', { limit: 100 })).data as Json[]).forEach(add);
    const charges = (await raw('GET', '/v1/charges', { limit: 100 })).data as Json[];
    for (const method of new Set(charges.map((charge) => charge.payment_method as string).filter((id) => id.startsWith('pm_')))) add(await raw('GET', `/v1/payment_methods/${method}`));
    add(await raw('GET', '/v1/account'));
    add(await raw('GET', `/v1/customers/${gone.id}`));
    add(await raw('GET', `/v1/products/${temporary.id}`));
  });
  after(() => sandbox?.close());

  /** Problems of `actual` against the fixture `expected` and the SDK type `type`, at `where`. */
  function compare(actual: Json, expected: unknown, type: ts.Type, where: string, problems: Set<string>, includable: string[] = []): void {
    const parts = sdk.objectParts(type);
    if (parts.length === 0 || parts.every((part) => sdk.freeForm(part) || sdk.fields([part]).size === 0)) return;
    const fields = sdk.fields(parts);
    const fixture = isObject(expected) ? expected : undefined;
    const required = new Set([...fields.values()].filter((field) => !field.optional).map((field) => field.name));
    // A sub-object per payment method type (the fixture's `card`) is required only where `type` names that type.
    const otherType = (key: string) => typeof actual.type === 'string' && fixture?.type === key && actual.type !== key;
    for (const key of Object.keys(fixture ?? {})) if (fields.has(key) && !otherType(key)) required.add(key);
    for (const key of includable) required.delete(key);
    for (const key of required) if (!(key in actual)) problems.add(`${where}.${key}: missing`);
    for (const [key, value] of Object.entries(actual)) {
      const field = fields.get(key);
      if (!field) {
        problems.add(`${where}.${key}: not a field on this API version`);
        continue;
      }
      const kind = kindOf(value);
      if (!field.kinds.has(kind)) problems.add(`${where}.${key}: ${kind}, the SDK types it ${[...field.kinds].join(' | ')}`);
      if (isObject(value)) compare(value, fixture?.[key], field.type, `${where}.${key}`, problems);
      if (Array.isArray(value)) {
        const element = sdk.elementType(field.type);
        const example = Array.isArray(fixture?.[key]) ? (fixture![key] as unknown[])[0] : undefined;
        for (const item of value) {
          const itemKind = kindOf(item);
          const allowed = element ? sdk.kinds(element) : new Set<Kind>();
          if (element && !allowed.has(itemKind)) problems.add(`${where}.${key}[]: ${itemKind}, the SDK types it ${[...allowed].join(' | ')}`);
          if (element && isObject(item)) compare(item, example, element, `${where}.${key}[]`, problems);
        }
      }
    }
  }

  for (const type of TYPES) {
    it(`every ${type} carries the fields Stripe returns, typed as the pinned API version declares them`, () => {
      const objects = seen.get(type) ?? [];
      assert.ok(objects.length > 0, `the scenario produced no ${type}`);
      const expected = (fixtures.resources as Record<string, unknown>)[type];
      assert.ok(isObject(expected), `stripe-fixtures3.json has ${type}`);
      assert.ok(sdk.knows(type), `stripe-sdk-types.ts knows ${type}`);
      const problems = new Set<string>();
      for (const object of objects) compare(object, expected, sdk.root(type), type, problems, INCLUDABLE[type]);
      assert.deepStrictEqual([...problems].sort(), [], `${type}: ${objects.length} objects checked`);
    });
  }

  it('the check itself fails on a missing field, an invented field and a value of the wrong kind', () => {
    const problems = new Set<string>();
    const [customer] = seen.get('customer')!;
    const { email: _email, ...withoutEmail } = customer;
    compare({ ...withoutEmail, invented: 1, balance: 'zero' }, fixtures.resources.customer, sdk.root('customer'), 'customer', problems);
    assert.deepStrictEqual([...problems].sort(), ['customer.balance: string, the SDK types it number', 'customer.email: missing', 'customer.invented: not a field on this API version']);
  });
});
