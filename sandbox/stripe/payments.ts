// PaymentIntents (create / confirm / capture / cancel with Stripe's status machine), charges and refunds.

import { newId, StripeObject } from './account';
import { crudRoutes, currencyOf, runAfter, updateWithEvent } from './crud';
import { disputeIfTestCard, refundBlocker } from './disputes';
import { invalidRequest, missingParam, SandboxStripeError, unexpectedState } from './errors';
import { mergeMetadata, optionalBool, optionalEnum, optionalInt, optionalString, optionalStringList, rejectUnknown, requirePositiveAmount } from './params';
import type { Route, RouteContext } from './routes';

/** Stripe's test payment methods that decline, with their decline codes. */
const DECLINES: Record<string, { code: string; decline_code: string; message: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.' },
  tok_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
};

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const PI_CREATE = ['amount', 'currency', 'customer', 'description', 'payment_method', 'payment_method_types', 'capture_method', 'confirm',
  'receipt_email', 'statement_descriptor', 'setup_future_usage', 'off_session', 'return_url', 'automatic_payment_methods', 'confirmation_method'];
const PI_UPDATE = ['amount', 'currency', 'customer', 'description', 'payment_method', 'payment_method_types', 'receipt_email', 'capture_method',
  'statement_descriptor', 'setup_future_usage'];

function checkCustomer(ctx: RouteContext): string | null {
  const customer = optionalString(ctx.params, 'customer');
  if (customer) ctx.account.getLive('customers', customer, 'customer', 'customer');
  return customer ?? null;
}

function newCharge(ctx: RouteContext, fields: Record<string, unknown>): StripeObject {
  const charge = {
    id: newId('ch'), object: 'charge', created: ctx.account.now(), livemode: ctx.account.livemode, metadata: {},
    amount_refunded: 0, refunded: false, balance_transaction: newId('txn'), description: null, disputed: false, failure_code: null,
    failure_message: null, ...fields,
  } as StripeObject;
  return ctx.account.insert('charges', charge);
}

/** How a test payment method declines, if it does (for callers that must refuse before creating anything). */
export function declineOf(paymentMethod: string): { code: string; decline_code: string; message: string } | undefined {
  return DECLINES[paymentMethod];
}

/** Confirms `pi` with `requested`, else the request's `payment_method`, else the one on the intent; a decline throws a 402. */
export function confirm(pi: StripeObject, ctx: RouteContext, requested?: string): StripeObject {
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`, { payment_intent: pi });
  }
  const paymentMethod = requested ?? optionalString(ctx.params, 'payment_method') ?? pi.payment_method;
  if (!paymentMethod) {
    throw unexpectedState("You cannot confirm this PaymentIntent because it's missing a payment method.", { payment_intent: pi });
  }
  const decline = DECLINES[paymentMethod];
  const manual = pi.capture_method === 'manual';
  const before = structuredClone(pi);
  const charge = newCharge(ctx, {
    amount: pi.amount, amount_captured: decline || manual ? 0 : pi.amount, captured: !decline && !manual, currency: pi.currency,
    customer: pi.customer, payment_intent: pi.id, payment_method: paymentMethod, paid: !decline, status: decline ? 'failed' : 'succeeded',
    failure_code: decline?.code ?? null, failure_message: decline?.message ?? null, outcome: { type: decline ? 'issuer_declined' : 'authorized' },
  });
  Object.assign(pi, { payment_method: paymentMethod, latest_charge: charge.id });
  if (decline) {
    ctx.account.emit('charge.failed', charge, ctx.request);
    const lastError = { type: 'card_error', charge: charge.id, code: decline.code, decline_code: decline.decline_code, message: decline.message, payment_method: { id: paymentMethod } };
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: lastError, payment_method: null });
    ctx.account.emit('payment_intent.payment_failed', pi, ctx.request, { status: before.status });
    // A decline happens after execution began, so Stripe stores it under the idempotency key.
    throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, {
      decline_code: decline.decline_code, charge: charge.id, payment_intent: structuredClone(pi), payment_method: { id: paymentMethod },
    });
  }
  ctx.account.emit('charge.succeeded', charge, ctx.request);
  if (manual) {
    Object.assign(pi, { status: 'requires_capture', amount_capturable: pi.amount, last_payment_error: null });
    ctx.account.emit('payment_intent.amount_capturable_updated', pi, ctx.request, { status: before.status, amount_capturable: 0 });
  } else {
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, last_payment_error: null });
    ctx.account.emit('payment_intent.succeeded', pi, ctx.request, { status: before.status, amount_received: 0 });
    disputeIfTestCard(ctx, charge);
  }
  return pi;
}

interface PaymentIntentInput {
  amount: number; currency: string; customer: string | null; description: string | null; paymentMethod: string | null;
  captureMethod: string; paymentMethodTypes: string[]; receiptEmail: string | null;
}

function paymentIntentFields(input: PaymentIntentInput): Record<string, unknown> {
  const id = newId('pi');
  return {
    id, amount: input.amount, amount_capturable: 0, amount_received: 0, canceled_at: null, cancellation_reason: null,
    capture_method: input.captureMethod, client_secret: `${id}_secret_${newId('x', 16).slice(2)}`, confirmation_method: 'automatic',
    currency: input.currency, customer: input.customer, description: input.description, last_payment_error: null, latest_charge: null,
    payment_method: input.paymentMethod, payment_method_types: input.paymentMethodTypes, receipt_email: input.receiptEmail,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
  };
}

/** A PaymentIntent opened by Stripe itself (an invoice being finalized), with its `payment_intent.created` event. */
export function openPaymentIntent(ctx: RouteContext, fields: { amount: number; currency: string; customer: string; description: string }): StripeObject {
  const pi = {
    object: 'payment_intent', created: ctx.account.now(), livemode: ctx.account.livemode, metadata: {},
    ...paymentIntentFields({ ...fields, paymentMethod: null, captureMethod: 'automatic', paymentMethodTypes: ['card'], receiptEmail: null }),
  } as unknown as StripeObject;
  ctx.account.insert('payment_intents', pi);
  ctx.account.emit('payment_intent.created', pi, ctx.request);
  return pi;
}

function paymentIntent(ctx: RouteContext): StripeObject {
  return ctx.account.getLive('payment_intents', ctx.ids[0], 'payment_intent');
}

const paymentIntents: Route[] = [
  ...crudRoutes({
    path: '/v1/payment_intents', collection: 'payment_intents', object: 'payment_intent', idPrefix: 'pi',
    createParams: PI_CREATE, updateParams: PI_UPDATE,
    listParams: ['customer'],
    listFilter: (object, params) => params.customer === undefined || object.customer === params.customer,
    build(ctx) {
      const amount = requirePositiveAmount(ctx.params, 'amount');
      const currency = optionalString(ctx.params, 'currency');
      if (!currency) throw missingParam('currency');
      return paymentIntentFields({
        amount, currency: currencyOf(currency), customer: checkCustomer(ctx), description: optionalString(ctx.params, 'description') ?? null,
        paymentMethod: optionalString(ctx.params, 'payment_method') ?? null,
        captureMethod: optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS) ?? 'automatic_async',
        paymentMethodTypes: optionalStringList(ctx.params, 'payment_method_types') ?? ['card'],
        receiptEmail: optionalString(ctx.params, 'receipt_email') ?? null,
      });
    },
    update(pi, ctx) {
      if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(`You cannot update this PaymentIntent because it has a status of ${pi.status}.`);
      const amount = ctx.params.amount === undefined ? undefined : requirePositiveAmount(ctx.params, 'amount');
      if (amount !== undefined) pi.amount = amount;
      const currency = optionalString(ctx.params, 'currency');
      if (currency) pi.currency = currencyOf(currency);
      if (ctx.params.customer !== undefined) pi.customer = checkCustomer(ctx);
      for (const name of ['description', 'receipt_email'] as const) {
        const value = optionalString(ctx.params, name);
        if (value !== undefined) pi[name] = value || null;
      }
      const paymentMethod = optionalString(ctx.params, 'payment_method');
      if (paymentMethod) Object.assign(pi, { payment_method: paymentMethod, status: 'requires_confirmation' });
      const captureMethod = optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS);
      if (captureMethod) pi.capture_method = captureMethod;
    },
    searchable: true,
  }).map((route) => {
    // `confirm=true` on create runs confirmation in the same request, as on Stripe.
    if (route.method !== 'POST' || route.pattern !== '/v1/payment_intents') return route;
    return { ...route, handle: (ctx: RouteContext) => {
      const shouldConfirm = optionalBool(ctx.params, 'confirm');
      const pi = route.handle(ctx);
      return shouldConfirm ? confirm(pi, ctx) : pi;
    } };
  }),
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/confirm',
    handle(ctx) {
      rejectUnknown(ctx.params, ['payment_method', 'return_url', 'off_session', 'receipt_email', 'capture_method', 'payment_method_types']);
      const pi = paymentIntent(ctx);
      const captureMethod = optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS);
      if (captureMethod) pi.capture_method = captureMethod;
      return confirm(pi, ctx);
    },
  },
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/capture',
    handle(ctx) {
      rejectUnknown(ctx.params, ['amount_to_capture', 'statement_descriptor', 'final_capture']);
      const pi = paymentIntent(ctx);
      if (pi.status !== 'requires_capture') {
        throw unexpectedState(`This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`, { payment_intent: pi });
      }
      const amount = optionalInt(ctx.params, 'amount_to_capture') ?? pi.amount_capturable;
      if (amount < 1 || amount > pi.amount_capturable) {
        throw invalidRequest(`The amount to capture must be between 1 and ${pi.amount_capturable}.`, 'amount_too_large', 'amount_to_capture');
      }
      const charge = ctx.account.getLive('charges', pi.latest_charge, 'charge');
      updateWithEvent(ctx, charge, () => Object.assign(charge, { captured: true, amount_captured: amount }), 'charge.captured');
      const before = { status: pi.status, amount_received: pi.amount_received, amount_capturable: pi.amount_capturable };
      Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0, metadata: mergeMetadata(pi.metadata, ctx.params) });
      ctx.account.emit('payment_intent.succeeded', pi, ctx.request, before);
      disputeIfTestCard(ctx, charge);
      return pi;
    },
  },
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/cancel',
    handle(ctx) {
      rejectUnknown(ctx.params, ['cancellation_reason']);
      const pi = paymentIntent(ctx);
      if (!CANCELABLE.includes(pi.status)) {
        throw unexpectedState(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`, { payment_intent: pi });
      }
      const reason = optionalEnum(ctx.params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
      if (pi.status === 'requires_capture') {
        const charge = ctx.account.getLive('charges', pi.latest_charge, 'charge');
        Object.assign(charge, { refunded: true, amount_refunded: charge.amount });
      }
      const before = { status: pi.status, amount_capturable: pi.amount_capturable };
      Object.assign(pi, { status: 'canceled', canceled_at: ctx.account.now(), cancellation_reason: reason ?? null, amount_capturable: 0 });
      ctx.account.emit('payment_intent.canceled', pi, ctx.request, before);
      return pi;
    },
  },
];

// A legacy charge with tok_createDispute is disputed right after it is created.
const charges = runAfter(crudRoutes({
  path: '/v1/charges', collection: 'charges', object: 'charge', idPrefix: 'ch',
  // Direct charges (legacy API): `source` is a test token such as tok_visa / tok_chargeDeclined.
  createParams: ['amount', 'currency', 'customer', 'source', 'description', 'capture', 'receipt_email'],
  updateParams: ['description', 'receipt_email'],
  listParams: ['customer', 'payment_intent'],
  listFilter: (object, params) =>
    (params.customer === undefined || object.customer === params.customer) &&
    (params.payment_intent === undefined || object.payment_intent === params.payment_intent),
  build(ctx) {
    const amount = requirePositiveAmount(ctx.params, 'amount');
    const currency = currencyOf(optionalString(ctx.params, 'currency'));
    const customer = checkCustomer(ctx);
    const source = optionalString(ctx.params, 'source');
    if (!source && !customer) throw missingParam('source');
    const decline = source ? DECLINES[source] : undefined;
    if (decline) throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, { decline_code: decline.decline_code });
    const capture = optionalBool(ctx.params, 'capture') ?? true;
    return {
      amount, amount_captured: capture ? amount : 0, amount_refunded: 0, balance_transaction: newId('txn'), captured: capture, currency, customer,
      description: optionalString(ctx.params, 'description') ?? null, disputed: false, failure_code: null, failure_message: null, paid: true, payment_intent: null,
      payment_method: source ?? null, refunded: false, status: 'succeeded', outcome: { type: 'authorized' },
    };
  },
  update(object, ctx) {
    for (const name of ['description', 'receipt_email']) {
      const value = optionalString(ctx.params, name);
      if (value !== undefined) object[name] = value || null;
    }
  },
  searchable: true,
}), 'POST', '/v1/charges', (charge, ctx) => disputeIfTestCard(ctx, charge));

const refunds = crudRoutes({
  path: '/v1/refunds', collection: 'refunds', object: 'refund', idPrefix: 're',
  createParams: ['charge', 'payment_intent', 'amount', 'reason'],
  updateParams: [],
  listParams: ['charge', 'payment_intent'],
  listFilter: (object, params) =>
    (params.charge === undefined || object.charge === params.charge) &&
    (params.payment_intent === undefined || object.payment_intent === params.payment_intent),
  build(ctx) {
    let chargeId = optionalString(ctx.params, 'charge');
    const piId = optionalString(ctx.params, 'payment_intent');
    if (!chargeId && !piId) throw missingParam('charge');
    if (piId) {
      const pi = ctx.account.getLive('payment_intents', piId, 'payment_intent', 'payment_intent');
      if (!pi.latest_charge || pi.status !== 'succeeded') throw invalidRequest(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
      chargeId = pi.latest_charge;
    }
    const charge = ctx.account.getLive('charges', chargeId!, 'charge', 'charge');
    if (charge.status !== 'succeeded' || !charge.captured) throw invalidRequest(`Charge ${charge.id} cannot be refunded because it has not been captured.`, 'charge_not_refundable', 'charge');
    const chargedBack = refundBlocker(ctx, charge);
    if (chargedBack) throw chargedBack;
    const available = charge.amount_captured - charge.amount_refunded;
    if (available <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded', 'charge');
    const amount = optionalInt(ctx.params, 'amount') ?? available;
    if (amount < 1) throw invalidRequest('Amount must be at least 1.', 'amount_too_small', 'amount');
    if (amount > available) throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${available})`, 'amount_too_large', 'amount');
    const reason = optionalEnum(ctx.params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null;
    updateWithEvent(ctx, charge, () => Object.assign(charge, { amount_refunded: charge.amount_refunded + amount, refunded: charge.amount_refunded + amount === charge.amount_captured }), 'charge.refunded');
    return {
      amount, balance_transaction: newId('txn'), charge: charge.id, currency: charge.currency, payment_intent: charge.payment_intent,
      reason, status: 'succeeded',
    };
  },
});

export const paymentRoutes: Route[] = [...paymentIntents, ...charges, ...refunds];
