// Subscriptions (collection_method charge_automatically): create runs the first invoice at once (invoices.ts) with
// default_payment_method or the customer's invoice_settings.default_payment_method. Paid → `active`; declined →
// `incomplete` with the invoice left open; `trial_period_days` → `trialing` and a $0 paid invoice. Retrieve, update
// (metadata, cancel_at_period_end, default_payment_method, item quantities), list, search, cancel (DELETE).
// On this API version (2026-10-28) the billing period lives on the items (current_period_start / _end), not the subscription.
// Not modelled: proration, time advancing into renewals, past_due / unpaid / incomplete_expired, pause, schedules,
// coupons and discounts, taxes, send_invoice, adding or removing items on update.

import { newId, StripeObject } from './account';
import { crudRoutes, runAfter } from './crud';
import { invalidRequest, missingParam, SandboxStripeError } from './errors';
import { FormObject } from './form';
import { attemptPayment, createSubscriptionInvoice, finalizeInvoice, invoicePaymentMethod, noPaymentMethod } from './invoices';
import { mergeMetadata, optionalBool, optionalEnum, optionalInt, optionalObject, optionalString, Params, rejectUnknown } from './params';
import { declineOf } from './cards';
import type { Route, RouteContext } from './routes';

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
function planOf(price: StripeObject): StripeObject {
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
    const price = ctx.account.getLive('prices', priceId, 'price', `items[${index}][price]`);
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
  ctx.account.getLive('customers', customer, 'customer', 'customer');
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
  // Refused before anything exists, as on Stripe: nothing to charge with, or (error_if_incomplete) a card that declines.
  const charged = !trialEnd && !isFree(items) && behavior !== 'default_incomplete';
  if (charged && !paymentMethod) throw noPaymentMethod();
  const decline = charged && behavior === 'error_if_incomplete' ? declineOf(paymentMethod!) : undefined;
  if (decline) throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, { decline_code: decline.decline_code }, true);
  return {
    id, application: null, application_fee_percent: null, automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now, billing_cycle_anchor_config: null, billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [], billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null }, collection_method: 'charge_automatically',
    currency: items[0].price.currency, customer, customer_account: null, days_until_due: null, default_payment_method: defaultPaymentMethod,
    default_source: null, default_tax_rates: [], description: optionalString(ctx.params, 'description') ?? null, discounts: [], ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    // The first invoice's id is known up front, so customer.subscription.created already names it.
    latest_invoice: newId('in'), managed_payments: null, next_pending_invoice_item_invoice: null, on_behalf_of: null, pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: now,
    status: trialEnd ? 'trialing' : 'incomplete', test_clock: null, transfer_data: null, trial_end: trialEnd,
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
  const items = itemParams(ctx.params, ['id', 'quantity', 'metadata']);
  items.forEach((change, index) => {
    const id = optionalString(change, 'id');
    if (!id) throw invalidRequest('Changing prices or adding items is not modelled by the sandbox: pass items[n][id] of an existing item.', 'parameter_missing', `items[${index}][id]`);
    const item = subscription.items.data.find((candidate: StripeObject) => candidate.id === id);
    if (!item) throw invalidRequest(`No such subscription item: '${id}'`, 'resource_missing', `items[${index}][id]`);
    const quantity = itemQuantity(change, index);
    if (quantity !== undefined) item.quantity = quantity;
    item.metadata = mergeMetadata(item.metadata, change);
  });
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
    'collection_method', 'off_session', 'proration_behavior'],
  updateParams: ['items', 'default_payment_method', 'cancel_at_period_end', 'description', 'proration_behavior', 'off_session', 'payment_behavior',
    'cancellation_details'],
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

export const subscriptionRoutes: Route[] = [...subscriptionCrud, cancel];
