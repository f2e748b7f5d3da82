// Subscriptions (collection_method charge_automatically): create runs the first invoice at once (invoices.ts) with
// default_payment_method or the customer's invoice_settings.default_payment_method. Paid → `active`; declined →
// `incomplete` with the invoice left open; `trial_period_days` → `trialing` and a $0 paid invoice. Retrieve, update
// (metadata, cancel_at_period_end, default_payment_method, item quantities and prices with proration, discounts),
// list, search, cancel (DELETE). Coupons: `discounts[n][coupon]` (coupons.ts). Renewals, failed renewals, retries,
// `past_due` / `unpaid` happen as a test clock advances (renewals.ts).
// On this API version (2026-10-28) the billing period lives on the items (current_period_start / _end), not the subscription.
// Not modelled: incomplete_expired, pause, schedules, taxes, send_invoice, adding or removing items on update, a
// price change to another interval (Stripe resets the billing cycle then).

import { newId, StripeObject } from './account';
import { crudRoutes, runAfter } from './crud';
import { invalidRequest, missingParam, missingReference, SandboxStripeError } from './errors';
import { FormObject } from './form';
import { attemptPayment, createSubscriptionInvoice, finalizeInvoice, invoicePaymentMethod, noPaymentMethod } from './invoices';
import { mergeMetadata, optionalBool, optionalEnum, optionalInt, optionalObject, optionalString, Params, rejectUnknown } from './params';
import { declineOf } from './cards';
import type { Route, RouteContext } from './routes';
import { discountsFor } from './coupons';

const PAYMENT_BEHAVIORS = ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const;
const PRORATION_BEHAVIORS = ['always_invoice', 'create_prorations', 'none'] as const;
const LIST_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;
const DAY = 24 * 60 * 60;

/** `start` plus `count` intervals; a month end clamps (Jan 31 + 1 month = Feb 28/29), as Stripe's billing dates do. */
export function addInterval(start: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * DAY;
  if (interval === 'week') return start + count * 7 * DAY;
  const date = new Date(start * 1000);
  const months = interval === 'year' ? 12 * count : count;
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

/** The legacy `plan` view of a recurring price that subscription items still carry. */
export function planOf(price: StripeObject): StripeObject {
  return {
    id: price.id, object: 'plan', active: price.active, amount: price.unit_amount, amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme, created: price.created, currency: price.currency, interval: price.recurring.interval,
    interval_count: price.recurring.interval_count, livemode: price.livemode, metadata: price.metadata, meter: null, nickname: price.nickname,
    product: price.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: price.recurring.usage_type,
  };
}

function itemQuantity(item: FormObject, index: number): number | undefined {
  const quantity = optionalInt(item, 'quantity');
  if (quantity !== undefined && quantity < 0) {
    throw invalidRequest('Invalid integer: quantity must be at least 0', 'parameter_invalid_integer', `items[${index}][quantity]`);
  }
  return quantity;
}

function itemParams(params: Params, allowed: readonly string[]): FormObject[] {
  const items = params.items;
  if (items === undefined) return [];
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'object' && !Array.isArray(item))) {
    throw invalidRequest('Invalid array: items', 'parameter_invalid_array', 'items');
  }
  return (items as FormObject[]).map((item, index) => {
    for (const key of Object.keys(item)) {
      if (!allowed.includes(key)) throw invalidRequest(`Received unknown parameter: items[${index}][${key}]`, 'parameter_unknown', `items[${index}][${key}]`);
    }
    return item;
  });
}

/** Subscription items from `items[n][price|quantity|metadata]`, with the period they are billed for. */
function buildItems(ctx: RouteContext, subscriptionId: string, periodStart: number, trialEnd: number | null): StripeObject[] {
  const requested = itemParams(ctx.params, ['price', 'quantity', 'metadata']);
  if (requested.length === 0) throw missingParam('items');
  let currency: string | undefined;
  return requested.map((item, index) => {
    const priceId = optionalString(item, 'price');
    if (!priceId) throw missingParam(`items[${index}][price]`);
    const price = ctx.account.getReferenced('prices', priceId, 'price', `items[${index}][price]`);
    if (price.type !== 'recurring') {
      throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, undefined, `items[${index}][price]`);
    }
    if (currency && price.currency !== currency) {
      throw invalidRequest(`All prices on a subscription must have the same currency (${currency}); ${price.id} is ${price.currency}.`, undefined, `items[${index}][price]`);
    }
    currency = price.currency;
    return {
      id: newId('si'), object: 'subscription_item', billing_thresholds: null, created: ctx.account.now(),
      // During a trial the current period is the trial.
      current_period_end: trialEnd ?? addInterval(periodStart, price.recurring.interval, price.recurring.interval_count),
      current_period_start: periodStart, current_trial: null, discounts: [], metadata: mergeMetadata({}, item), plan: planOf(price),
      price: structuredClone(price), quantity: itemQuantity(item, index) ?? 1, subscription: subscriptionId, tax_rates: [],
    } as StripeObject;
  });
}

/** What the first invoice will pay with (checked before the subscription exists; invoicePaymentMethod afterwards). */
function paymentMethodFor(ctx: RouteContext, subscription: { customer: string; default_payment_method: string | null }): string | null {
  const customer = ctx.account.getLive('customers', subscription.customer, 'customer', 'customer');
  return subscription.default_payment_method ?? customer.invoice_settings?.default_payment_method ?? null;
}

function isFree(items: StripeObject[]): boolean {
  return items.every((item) => item.price.unit_amount * item.quantity === 0);
}

function build(ctx: RouteContext): Record<string, unknown> {
  const customer = optionalString(ctx.params, 'customer');
  if (!customer) throw missingParam('customer');
  ctx.account.getReferenced('customers', customer, 'customer', 'customer');
  const collection = optionalEnum(ctx.params, 'collection_method', ['charge_automatically', 'send_invoice'] as const);
  if (collection === 'send_invoice') throw invalidRequest('collection_method=send_invoice is not modelled by the sandbox.', undefined, 'collection_method');
  const behavior = optionalEnum(ctx.params, 'payment_behavior', PAYMENT_BEHAVIORS) ?? 'allow_incomplete';
  if (behavior === 'pending_if_incomplete') throw invalidRequest('payment_behavior=pending_if_incomplete is not modelled by the sandbox.', undefined, 'payment_behavior');
  const trialDays = optionalInt(ctx.params, 'trial_period_days');
  if (trialDays !== undefined && (trialDays < 1 || trialDays > 730)) {
    throw invalidRequest('trial_period_days must be between 1 and 730.', 'parameter_invalid_integer', 'trial_period_days');
  }
  const now = ctx.account.now();
  const trialEnd = trialDays ? now + trialDays * DAY : null;
  const id = newId('sub');
  const items = buildItems(ctx, id, now, trialEnd);
  const defaultPaymentMethod = optionalString(ctx.params, 'default_payment_method') || null;
  const paymentMethod = paymentMethodFor(ctx, { customer, default_payment_method: defaultPaymentMethod });
  const testClock = ctx.account.getReferenced('customers', customer, 'customer', 'customer').test_clock ?? null;
  // Refused before anything exists, as on Stripe: nothing to charge with, or (error_if_incomplete) a card that declines.
  const charged = !trialEnd && !isFree(items) && behavior !== 'default_incomplete';
  if (charged && !paymentMethod) throw noPaymentMethod();
  const decline = charged && behavior === 'error_if_incomplete' ? declineOf(paymentMethod!) : undefined;
  if (decline) throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, { decline_code: decline.decline_code }, true);
  const discounts = discountsFor(ctx, ctx.params, { id, customer }) ?? [];
  return {
    id, application: null, application_fee_percent: null, automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now, billing_cycle_anchor_config: null, billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [], billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null }, collection_method: 'charge_automatically',
    currency: items[0].price.currency, customer, customer_account: null, days_until_due: null, default_payment_method: defaultPaymentMethod,
    default_source: null, default_tax_rates: [], description: optionalString(ctx.params, 'description') ?? null, discounts, ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    // The first invoice's id is known up front, so customer.subscription.created already names it.
    latest_invoice: newId('in'), managed_payments: null, next_pending_invoice_item_invoice: null, on_behalf_of: null, pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: now,
    status: trialEnd ? 'trialing' : 'incomplete', test_clock: testClock, transfer_data: null, trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } }, trial_start: trialEnd ? now : null,
  };
}

/** After customer.subscription.created: invoice.created, invoice.finalized, then the payment attempt and its events. */
function runFirstInvoice(subscription: StripeObject, ctx: RouteContext): void {
  const invoice = createSubscriptionInvoice(ctx, subscription, subscription.status === 'trialing');
  finalizeInvoice(ctx, invoice);
  const behavior = optionalString(ctx.params, 'payment_behavior') ?? 'allow_incomplete';
  if (behavior === 'default_incomplete' && invoice.amount_due > 0) return;
  // A decline leaves the subscription incomplete and its invoice open: the create itself succeeds.
  attemptPayment(ctx, invoice, invoicePaymentMethod(ctx, invoice));
}

/** `cancellation_details[comment|feedback]`; an empty value clears one. */
function cancellationDetails(details: FormObject): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const key of Object.keys(details)) {
    if (key !== 'comment' && key !== 'feedback') throw invalidRequest(`Received unknown parameter: cancellation_details[${key}]`, 'parameter_unknown', `cancellation_details[${key}]`);
    fields[key] = optionalString(details, key) || null;
  }
  return fields;
}

function update(subscription: StripeObject, ctx: RouteContext): void {
  if (subscription.status === 'canceled') {
    const other = Object.keys(ctx.params).filter((name) => !['metadata', 'cancellation_details', 'expand'].includes(name));
    if (other.length) throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined, other[0]);
  }
  optionalEnum(ctx.params, 'proration_behavior', PRORATION_BEHAVIORS);
  const details = optionalObject(ctx.params, 'cancellation_details');
  if (details) subscription.cancellation_details = { ...subscription.cancellation_details, ...cancellationDetails(details) };
  const defaultPaymentMethod = optionalString(ctx.params, 'default_payment_method');
  if (defaultPaymentMethod !== undefined) subscription.default_payment_method = defaultPaymentMethod || null;
  const description = optionalString(ctx.params, 'description');
  if (description !== undefined) subscription.description = description || null;
  const atPeriodEnd = optionalBool(ctx.params, 'cancel_at_period_end');
  if (atPeriodEnd !== undefined) {
    const periodEnd = Math.min(...subscription.items.data.map((item: StripeObject) => item.current_period_end));
    Object.assign(subscription, { cancel_at_period_end: atPeriodEnd, cancel_at: atPeriodEnd ? periodEnd : null });
  }
  const behavior = optionalEnum(ctx.params, 'proration_behavior', PRORATION_BEHAVIORS) ?? 'create_prorations';
  const items = itemParams(ctx.params, ['id', 'quantity', 'metadata', 'price']);
  // Checked for every item before any proration item is created.
  const changes = items.map((change, index) => {
    const id = optionalString(change, 'id');
    if (!id) throw invalidRequest('Adding items is not modelled by the sandbox: pass items[n][id] of an existing item.', 'parameter_missing', `items[${index}][id]`);
    const item = subscription.items.data.find((candidate: StripeObject) => candidate.id === id);
    if (!item) throw missingReference('subscription item', id, `items[${index}][id]`);
    const priceId = optionalString(change, 'price');
    const price = priceId ? ctx.account.getReferenced('prices', priceId, 'price', `items[${index}][price]`) : item.price;
    if (price.type !== 'recurring' || price.currency !== subscription.currency) {
      throw invalidRequest(`The price ${price.id} must be recurring and in ${subscription.currency}.`, undefined, `items[${index}][price]`);
    }
    if (price.recurring.interval !== item.price.recurring.interval || price.recurring.interval_count !== item.price.recurring.interval_count) {
      throw invalidRequest('Changing to a price with another billing interval is not modelled by the sandbox.', undefined, `items[${index}][price]`);
    }
    return { change, item, price, quantity: itemQuantity(change, index) ?? item.quantity };
  });
  for (const { change, item, price, quantity } of changes) {
    if (behavior !== 'none' && ['active', 'past_due'].includes(subscription.status)) {
      prorate(ctx, subscription, item, price, quantity);
    }
    if (price.id !== item.price.id) Object.assign(item, { price: structuredClone(price), plan: planOf(price) });
    item.quantity = quantity;
    item.metadata = mergeMetadata(item.metadata, change);
  }
  const discounts = discountsFor(ctx, ctx.params, { id: subscription.id, customer: subscription.customer });
  if (discounts !== undefined) subscription.discounts = discounts;
}

function productName(ctx: RouteContext, price: StripeObject): string {
  return ctx.account.collection('products').get(price.product)?.name ?? price.product;
}

/**
 * Proration of an item change at now(): a credit for the unused time of the old price × quantity and a charge for
 * the remaining time at the new one, each the period's remaining fraction (to the second, as Stripe prorates) of the
 * full amount, rounded. They wait as pending invoice items for the next invoice (or `always_invoice`'s invoice now).
 */
function prorate(ctx: RouteContext, subscription: StripeObject, item: StripeObject, price: StripeObject, quantity: number): void {
  const now = ctx.account.now();
  const { current_period_start: start, current_period_end: end } = item;
  if (now < start || now >= end) return;
  const oldAmount = item.price.unit_amount * item.quantity;
  const newAmount = price.unit_amount * quantity;
  if (oldAmount === newAmount && price.id === item.price.id) return;
  const fraction = (end - now) / (end - start);
  const after = new Date(now * 1000).toUTCString().slice(5, 16);
  const pending = (amount: number, description: string, used: StripeObject, count: number) => ctx.account.insert('invoiceitems', {
    id: newId('ii'), object: 'invoiceitem', amount, currency: subscription.currency, customer: subscription.customer, customer_account: null,
    date: now, description, discountable: false, discounts: [], invoice: null, livemode: ctx.account.livemode, metadata: {}, net_amount: amount,
    parent: { subscription_details: { subscription: subscription.id, subscription_item: item.id }, type: 'subscription_details' },
    period: { end, start: now }, pricing: { price_details: { price: used.id, product: used.product }, type: 'price_details', unit_amount_decimal: used.unit_amount_decimal },
    proration: true, quantity: count, quantity_decimal: String(count), tax_rates: [], test_clock: subscription.test_clock ?? null,
  } as StripeObject);
  pending(-Math.round(oldAmount * fraction), `Unused time on ${item.quantity} × ${productName(ctx, item.price)} after ${after}`, item.price, item.quantity);
  pending(Math.round(newAmount * fraction), `Remaining time on ${quantity} × ${productName(ctx, price)} after ${after}`, price, quantity);
}

/** `proration_behavior=always_invoice`: the prorations are invoiced and charged at once (`billing_reason: subscription_update`). */
function invoiceProrationsNow(subscription: StripeObject, ctx: RouteContext): void {
  if (optionalString(ctx.params, 'proration_behavior') !== 'always_invoice') return;
  const pending = ctx.account.newestFirst('invoiceitems', (item) => item.invoice === null && item.parent?.subscription_details?.subscription === subscription.id);
  if (pending.length === 0) return;
  const invoice = createSubscriptionInvoice(ctx, subscription, false, 'subscription_update');
  finalizeInvoice(ctx, invoice);
  if (invoice.amount_due > 0) attemptPayment(ctx, invoice, invoicePaymentMethod(ctx, invoice));
  else attemptPayment(ctx, invoice, null);
}

function listFilter(subscription: StripeObject, params: Params): boolean {
  const status = params.status;
  // Without a status filter Stripe leaves canceled subscriptions out.
  const statusMatches = status === undefined ? subscription.status !== 'canceled'
    : status === 'all' ? true
      : status === 'ended' ? ['canceled', 'incomplete_expired'].includes(subscription.status)
        : subscription.status === status;
  return statusMatches &&
    (params.customer === undefined || subscription.customer === params.customer) &&
    (params.price === undefined || subscription.items.data.some((item: StripeObject) => item.price.id === params.price)) &&
    (params.collection_method === undefined || subscription.collection_method === params.collection_method);
}

const subscriptionCrud = runAfter(crudRoutes({
  path: '/v1/subscriptions', collection: 'subscriptions', object: 'subscription', idPrefix: 'sub', eventPrefix: 'customer.subscription',
  createParams: ['customer', 'items', 'default_payment_method', 'trial_period_days', 'cancel_at_period_end', 'payment_behavior', 'description',
    'collection_method', 'off_session', 'proration_behavior', 'discounts'],
  updateParams: ['items', 'default_payment_method', 'cancel_at_period_end', 'description', 'proration_behavior', 'off_session', 'payment_behavior',
    'cancellation_details', 'discounts'],
  build(ctx) {
    optionalEnum(ctx.params, 'proration_behavior', PRORATION_BEHAVIORS);
    const fields = build(ctx);
    if (optionalBool(ctx.params, 'cancel_at_period_end')) {
      const items = (fields.items as { data: StripeObject[] }).data;
      Object.assign(fields, { cancel_at_period_end: true, cancel_at: Math.min(...items.map((item) => item.current_period_end)) });
    }
    return fields;
  },
  update,
  listParams: ['customer', 'price', 'status', 'collection_method'],
  listFilter,
  checkListParams: (params) => optionalEnum(params, 'status', LIST_STATUSES),
  searchable: true,
}), 'POST', '/v1/subscriptions', runFirstInvoice);

const subscriptionRoutesWithProration = runAfter(subscriptionCrud, 'POST', '/v1/subscriptions/:id', invoiceProrationsNow);

const cancel: Route = {
  method: 'DELETE', pattern: '/v1/subscriptions/:id', returns: 'subscription',
  handle(ctx) {
    rejectUnknown(ctx.params, ['cancellation_details', 'invoice_now', 'prorate']);
    const subscription = ctx.account.getLive('subscriptions', ctx.ids[0], 'subscription');
    if (subscription.status === 'canceled') throw invalidRequest(`This subscription (${subscription.id}) has already been canceled.`);
    const details = optionalObject(ctx.params, 'cancellation_details') ?? {};
    const now = ctx.account.now();
    Object.assign(subscription, {
      status: 'canceled', canceled_at: now, ended_at: now,
      cancellation_details: { ...subscription.cancellation_details, ...cancellationDetails(details), reason: 'cancellation_requested' },
    });
    ctx.account.emit('customer.subscription.deleted', subscription, ctx.request);
    return subscription;
  },
};

/** The proration items (`ii_…`) readable as Stripe lists them: `GET /v1/invoiceitems[/:id]` (`customer`, `invoice`, `pending`). */
const invoiceItemRoutes = crudRoutes({
  path: '/v1/invoiceitems', collection: 'invoiceitems', object: 'invoiceitem', idPrefix: 'ii', updateParams: [], events: false,
  listParams: ['customer', 'invoice', 'pending'],
  listFilter: (item, params) => (params.customer === undefined || item.customer === params.customer) &&
    (params.invoice === undefined || item.invoice === params.invoice) &&
    (params.pending === undefined || (params.pending === 'true') === (item.invoice === null)),
}).filter((route) => route.method === 'GET');

export const subscriptionRoutes: Route[] = [...subscriptionRoutesWithProration, cancel, ...invoiceItemRoutes];
