// Invoices as subscriptions make them: `draft` → finalized (`open`, a number, a PaymentIntent when something is due) →
// `paid`, or left `open` after a failed attempt; pay and void routes. Shapes follow the installed SDK (API 2026-10-28):
// the subscription lives in `parent.subscription_details`, payments in the includable `payments` list (expand[]=payments),
// not in the removed `subscription` / `payment_intent` fields.
// Renewal invoices (`subscription_cycle`, auto_advance) take the subscription's pending proration items and its
// discounts; test clocks finalize and retry them (test-clocks.ts, renewals.ts).
// Not modelled: manual invoices (POST /v1/invoices), the invoice items API, drafts edited before finalization, credit
// notes, taxes, uncollectible.

import { newId, paginate, StripeObject } from './account';
import { crudRoutes, updateWithEvent } from './crud';
import { invalidRequest, SandboxStripeError } from './errors';
import { confirm, openPaymentIntent } from './payments';
import { optionalEnum, optionalString, Params, rejectUnknown } from './params';
import type { Route, RouteContext } from './routes';
import { applyDiscounts } from './coupons';

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

/** The subscription an invoice belongs to (null for other invoices). */
function invoiceSubscription(invoice: StripeObject): string | null {
  return invoice.parent?.subscription_details?.subscription ?? null;
}

function money(amount: number, currency: string): string {
  const value = (amount / 100).toFixed(2);
  return currency === 'usd' ? `$${value}` : `${value} ${currency.toUpperCase()}`;
}

/** A line per subscription item, as Stripe words it ("1 × Pro (at $10.00 / month)", "Trial period for Pro"). */
function subscriptionLine(ctx: RouteContext, invoiceId: string, subscription: StripeObject, item: StripeObject, trial: boolean): StripeObject {
  const price = item.price;
  const product = ctx.account.collection('products').get(price.product);
  const name = product?.name ?? price.product;
  const amount = trial ? 0 : price.unit_amount * item.quantity;
  const interval = price.recurring.interval_count === 1 ? price.recurring.interval : `${price.recurring.interval_count} ${price.recurring.interval}s`;
  return {
    id: newId('il'), object: 'line_item', amount, currency: price.currency,
    description: trial ? `Trial period for ${name}` : `${item.quantity} × ${name} (at ${money(price.unit_amount, price.currency)} / ${interval})`,
    discount_amounts: [], discountable: true, discounts: [], invoice: invoiceId, livemode: ctx.account.livemode, metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscription.id, subscription_item: item.id,
      },
      type: 'subscription_item_details',
    },
    period: { start: item.current_period_start, end: item.current_period_end }, pretax_credit_amounts: [],
    pricing: { price_details: { price: price.id, product: price.product }, type: 'price_details', unit_amount_decimal: trial ? '0' : price.unit_amount_decimal },
    quantity: item.quantity, quantity_decimal: String(item.quantity), subscription: subscription.id, subtotal: amount, taxes: [],
  } as StripeObject;
}

/** A pending proration invoice item as a line of the invoice that bills it. */
function prorationLine(ctx: RouteContext, invoiceId: string, item: StripeObject): StripeObject {
  item.invoice = invoiceId;
  return {
    id: newId('il'), object: 'line_item', amount: item.amount, currency: item.currency, description: item.description, discount_amounts: [],
    discountable: item.discountable, discounts: [], invoice: invoiceId, livemode: ctx.account.livemode, metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: item.id, proration: true, proration_details: { credited_items: null }, subscription: item.parent.subscription_details.subscription,
        subscription_item: item.parent.subscription_details.subscription_item,
      },
      type: 'subscription_item_details',
    },
    period: { ...item.period }, pretax_credit_amounts: [], pricing: { ...item.pricing }, quantity: item.quantity, quantity_decimal: String(item.quantity),
    subscription: item.parent.subscription_details.subscription, subtotal: item.amount, taxes: [],
  } as StripeObject;
}

export type BillingReason = 'subscription_create' | 'subscription_cycle' | 'subscription_update';

/**
 * A subscription's invoice as a draft with `invoice.created`: the first one (`subscription_create`, id known up front),
 * a renewal (`subscription_cycle`) or an immediate proration invoice (`subscription_update`). Renewals and updates also
 * bill the subscription's pending proration items; discounts apply to every kind.
 */
export function createSubscriptionInvoice(ctx: RouteContext, subscription: StripeObject, trial: boolean, reason: BillingReason = 'subscription_create', periodStart?: number): StripeObject {
  const id = reason === 'subscription_create' ? subscription.latest_invoice as string : newId('in');
  const customer = ctx.account.getLive('customers', subscription.customer, 'customer', 'customer');
  const pending = reason === 'subscription_create' ? [] : ctx.account.newestFirst('invoiceitems', (item) => item.invoice === null && item.parent?.subscription_details?.subscription === subscription.id).reverse();
  const lines = [
    ...pending.map((item) => prorationLine(ctx, id, item)),
    ...(reason === 'subscription_update' ? [] : (subscription.items.data as StripeObject[]).map((item) => subscriptionLine(ctx, id, subscription, item, trial))),
  ];
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  const created = ctx.account.now();
  const invoice = {
    id, object: 'invoice', account_country: 'US', account_name: 'FlowGuard Sandbox', account_tax_ids: null,
    amount_due: total, amount_overpaid: 0, amount_paid: 0, amount_remaining: total, amount_shipping: 0, application: null,
    // Stripe finalizes and collects renewal invoices itself (auto_advance); the first one is collected by the create.
    attempt_count: 0, attempted: false, auto_advance: reason !== 'subscription_create',
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: reason === 'subscription_create' ? null : created + 3600, billing_reason: reason, collection_method: 'charge_automatically', created,
    currency: subscription.currency, custom_fields: null, customer: customer.id, customer_account: null, customer_address: customer.address,
    customer_email: customer.email, customer_name: customer.name, customer_phone: customer.phone, customer_shipping: customer.shipping,
    customer_tax_exempt: 'none', customer_tax_ids: [], default_payment_method: null, default_source: null, default_tax_rates: [],
    description: null, discounts: [], due_date: null, effective_at: null, ending_balance: null, footer: null, from_invoice: null,
    hosted_invoice_url: null, invoice_pdf: null, issuer: { type: 'self' }, last_finalization_error: null, latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: ctx.account.livemode, metadata: {}, next_payment_attempt: null, number: null, on_behalf_of: null,
    parent: {
      quote_details: null, subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id }, type: 'subscription_details',
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    // The first invoice of a subscription covers an instant; a renewal the period that just ended. Lines carry the billed period.
    period_end: created, period_start: periodStart ?? created, post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0,
    receipt_number: null, rendering: null, shipping_cost: null, shipping_details: null, starting_balance: customer.balance ?? 0,
    statement_descriptor: null, status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total, subtotal_excluding_tax: total, test_clock: customer.test_clock ?? null, total, total_discount_amounts: [], total_excluding_tax: total,
    total_pretax_credit_amounts: [], total_taxes: [], webhooks_delivered_at: created,
  } as StripeObject;
  if (!trial) applyDiscounts(ctx, subscription, invoice);
  // Proration credits larger than the charges leave nothing due (Stripe would credit the customer balance; not modelled).
  if (invoice.amount_due < 0) Object.assign(invoice, { amount_due: 0, amount_remaining: 0 });
  if (reason !== 'subscription_create') subscription.latest_invoice = id;
  ctx.account.insert('invoices', invoice);
  ctx.account.emit('invoice.created', invoice, ctx.request);
  return invoice;
}

/** `<customer's invoice_prefix>-0001`, numbered by the customer's `next_invoice_sequence` in finalization order. */
function invoiceNumber(ctx: RouteContext, customerId: string): string {
  const customer = ctx.account.getLive('customers', customerId, 'customer', 'customer');
  const sequence = customer.next_invoice_sequence;
  customer.next_invoice_sequence = sequence + 1;
  return `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
}

/** draft → open (`invoice.finalized`); an amount due opens the PaymentIntent that will collect it. */
export function finalizeInvoice(ctx: RouteContext, invoice: StripeObject): void {
  const now = ctx.account.now();
  Object.assign(invoice, {
    status: 'open', number: invoiceNumber(ctx, invoice.customer), effective_at: now, ending_balance: invoice.starting_balance,
    status_transitions: { ...invoice.status_transitions, finalized_at: now },
  });
  if (invoice.amount_due > 0) {
    const description = invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update';
    const pi = openPaymentIntent(ctx, { amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer, description });
    ctx.account.insert('invoice_payments', {
      id: newId('inpay'), object: 'invoice_payment', amount_paid: null, amount_requested: invoice.amount_due, created: now,
      currency: invoice.currency, invoice: invoice.id, is_default: true, livemode: ctx.account.livemode,
      payment: { payment_intent: pi.id, type: 'payment_intent' }, status: 'open', status_transitions: { canceled_at: null, paid_at: null },
    } as StripeObject);
  }
  ctx.account.emit('invoice.finalized', invoice, ctx.request);
}

function defaultPayment(ctx: RouteContext, invoice: StripeObject): StripeObject | undefined {
  return ctx.account.newestFirst('invoice_payments', (payment) => payment.invoice === invoice.id && payment.is_default)[0];
}

/**
 * A paid first invoice makes its `incomplete` subscription `active`; a paid latest invoice does the same for a
 * `past_due` or `unpaid` one (`customer.subscription.updated`).
 */
function activateSubscription(ctx: RouteContext, invoice: StripeObject): void {
  const id = invoiceSubscription(invoice);
  const subscription = id ? ctx.account.collection('subscriptions').get(id) : undefined;
  if (!subscription) return;
  const recovered = ['past_due', 'unpaid'].includes(subscription.status) && subscription.latest_invoice === invoice.id;
  if (subscription.status !== 'incomplete' && !recovered) return;
  updateWithEvent(ctx, subscription, () => { subscription.status = 'active'; }, 'customer.subscription.updated');
}

function markPaid(ctx: RouteContext, invoice: StripeObject): void {
  const now = ctx.account.now();
  const payment = defaultPayment(ctx, invoice);
  if (payment) Object.assign(payment, { status: 'paid', amount_paid: invoice.amount_due, status_transitions: { ...payment.status_transitions, paid_at: now } });
  Object.assign(invoice, {
    status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0, attempted: true, next_payment_attempt: null,
    status_transitions: { ...invoice.status_transitions, paid_at: now },
  });
  ctx.account.emit('invoice.paid', invoice, ctx.request);
  ctx.account.emit('invoice.payment_succeeded', invoice, ctx.request);
  activateSubscription(ctx, invoice);
}

/** What pays an invoice when the request names nothing: the invoice's, the subscription's, then the customer's default. */
export function invoicePaymentMethod(ctx: RouteContext, invoice: StripeObject): string | null {
  const subscriptionId = invoiceSubscription(invoice);
  const subscription = subscriptionId ? ctx.account.collection('subscriptions').get(subscriptionId) : undefined;
  const customer = ctx.account.collection('customers').get(invoice.customer);
  return invoice.default_payment_method ?? subscription?.default_payment_method ?? customer?.invoice_settings?.default_payment_method ?? null;
}

export function noPaymentMethod(param?: string): SandboxStripeError {
  return invalidRequest('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', undefined, param);
}

/**
 * Charges an open invoice through its PaymentIntent. Success: `invoice.paid`, `invoice.payment_succeeded` (and the
 * subscription turns active). A decline: `invoice.payment_failed`, the invoice stays open and the 402 is returned.
 */
export function attemptPayment(ctx: RouteContext, invoice: StripeObject, paymentMethod: string | null, beforeFailedEvent?: () => void): SandboxStripeError | undefined {
  if (invoice.amount_due === 0) {
    markPaid(ctx, invoice);
    return undefined;
  }
  if (!paymentMethod) throw noPaymentMethod();
  const payment = defaultPayment(ctx, invoice)!;
  const pi = ctx.account.getLive('payment_intents', payment.payment.payment_intent, 'payment_intent');
  Object.assign(invoice, { attempted: true, attempt_count: invoice.attempt_count + 1 });
  try {
    confirm(pi, ctx, paymentMethod);
  } catch (err) {
    if (!(err instanceof SandboxStripeError) || err.status !== 402) throw err;
    // The retry schedule sets next_payment_attempt before the event goes out, so the event carries it.
    beforeFailedEvent?.();
    ctx.account.emit('invoice.payment_failed', invoice, ctx.request);
    return err;
  }
  markPaid(ctx, invoice);
  return undefined;
}

function openInvoice(ctx: RouteContext, action: 'pay' | 'void'): StripeObject {
  const invoice = ctx.account.getLive('invoices', ctx.ids[0], 'invoice');
  if (action === 'pay' && invoice.status === 'paid') throw invalidRequest('Invoice is already paid');
  if (invoice.status !== 'open') throw invalidRequest("You can only pass in open invoices. This invoice isn't open.");
  return invoice;
}

const listFilter = (invoice: StripeObject, params: Params): boolean =>
  (params.customer === undefined || invoice.customer === params.customer) &&
  (params.subscription === undefined || invoiceSubscription(invoice) === params.subscription) &&
  (params.status === undefined || invoice.status === params.status) &&
  (params.collection_method === undefined || invoice.collection_method === params.collection_method);

const invoiceCrud: Route[] = crudRoutes({
  path: '/v1/invoices', collection: 'invoices', object: 'invoice', idPrefix: 'in',
  updateParams: ['description', 'footer'],
  update(invoice, ctx) {
    for (const name of ['description', 'footer']) {
      const value = optionalString(ctx.params, name);
      if (value !== undefined) invoice[name] = value || null;
    }
  },
  listParams: ['customer', 'subscription', 'status', 'collection_method'],
  listFilter,
  checkListParams: (params) => optionalEnum(params, 'status', INVOICE_STATUSES),
  searchable: true,
});

export const invoiceRoutes: Route[] = [
  ...invoiceCrud,
  {
    method: 'GET', pattern: '/v1/invoices/:id/lines', returns: 'list:line_item',
    handle(ctx) {
      const invoice = ctx.account.get('invoices', ctx.ids[0], 'invoice');
      return paginate(invoice.lines.data, ctx.params, `/v1/invoices/${invoice.id}/lines`, 'line_item', []);
    },
  },
  {
    method: 'POST', pattern: '/v1/invoices/:id/pay', returns: 'invoice',
    handle(ctx) {
      rejectUnknown(ctx.params, ['payment_method', 'off_session']);
      const invoice = openInvoice(ctx, 'pay');
      const paymentMethod = optionalString(ctx.params, 'payment_method') ?? invoicePaymentMethod(ctx, invoice);
      if (!paymentMethod && invoice.amount_due > 0) throw noPaymentMethod('payment_method');
      const declined = attemptPayment(ctx, invoice, paymentMethod);
      if (declined) throw declined;
      return invoice;
    },
  },
  {
    method: 'POST', pattern: '/v1/invoices/:id/void', returns: 'invoice',
    handle(ctx) {
      rejectUnknown(ctx.params, []);
      const invoice = openInvoice(ctx, 'void');
      const now = ctx.account.now();
      const payment = defaultPayment(ctx, invoice);
      if (payment?.status === 'open') {
        // Voiding cancels the invoice's PaymentIntent, as on Stripe (cancellation_reason void_invoice).
        const pi = ctx.account.getLive('payment_intents', payment.payment.payment_intent, 'payment_intent');
        const before = { status: pi.status };
        Object.assign(pi, { status: 'canceled', canceled_at: now, cancellation_reason: 'void_invoice' });
        ctx.account.emit('payment_intent.canceled', pi, ctx.request, before);
        Object.assign(payment, { status: 'canceled', status_transitions: { ...payment.status_transitions, canceled_at: now } });
      }
      Object.assign(invoice, { status: 'void', status_transitions: { ...invoice.status_transitions, voided_at: now } });
      ctx.account.emit('invoice.voided', invoice, ctx.request);
      return invoice;
    },
  },
];
