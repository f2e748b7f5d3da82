// PaymentIntents (create / confirm / capture / cancel with Stripe's status machine), charges and refunds.
//
// Payment methods on this API version (2026-10-28, the installed SDK's): a PaymentIntent uses dynamic payment methods
// unless it names `allowed_payment_method_types`, so it carries `automatic_payment_methods: {enabled: true}` by default
// (https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods), and confirming it needs a `return_url`
// unless `automatic_payment_methods[allow_redirects]=never` or `off_session=true`; Stripe refuses it with the message
// below. `payment_method_types` is no longer a writable parameter: 400 `payment_method_types_no_longer_supported`
// (https://docs.stripe.com/changelog/endive/2026-09-30/removes-the-payment-method-types-parameter-from-payment-intents-and-setup-intents).
// `allowed_payment_method_types` is mutually exclusive with `automatic_payment_methods` and
// `excluded_payment_method_types` (https://docs.stripe.com/changelog/dahlia/2026-07-29/allowed-payment-method-types-parameter).
// The sandbox's account accepts cards only: other payment method types are refused as not modelled.
// A request that names an older API version (Stripe-Version, the config node's API version) gets that version's rules:
// before 2023-08-16 a PaymentIntent that names no payment methods takes `payment_method_types: ["card"]` without
// automatic payment methods (so no return_url is needed), before 2026-09-30 `payment_method_types` is writable, and
// before 2026-07-29 there is no `allowed_payment_method_types`.

import { newId, StripeObject } from './account';
import { checkChargeAmount, currencyOf } from './amounts';
import { recordBalanceTransaction } from './balance';
import { Decline, declineOf, paymentMethodFor, testCard } from './cards';
import { crudRoutes, runAfter, updateWithEvent } from './crud';
import { disputeIfTestCard, refundBlocker } from './disputes';
import { invalidRequest, missingParam, SandboxStripeError, unexpectedState } from './errors';
import { mergeMetadata, optionalBool, optionalEnum, optionalInt, optionalObject, optionalString, optionalStringList, Params, rejectUnknown, requirePositiveAmount } from './params';
import type { Route, RouteContext } from './routes';

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const SETUP_FUTURE_USAGE = ['off_session', 'on_session'] as const;
const PI_CREATE = ['amount', 'currency', 'customer', 'description', 'payment_method', 'capture_method', 'confirm', 'receipt_email',
  'statement_descriptor', 'statement_descriptor_suffix', 'setup_future_usage', 'off_session', 'return_url', 'automatic_payment_methods',
  'allowed_payment_method_types', 'excluded_payment_method_types', 'confirmation_method', 'error_on_requires_action', 'transfer_group',
  // Refused by name (payment_method_types_no_longer_supported), not as unknown.
  'payment_method_types'];
const PI_UPDATE = ['amount', 'currency', 'customer', 'description', 'payment_method', 'receipt_email', 'capture_method', 'statement_descriptor',
  'statement_descriptor_suffix', 'setup_future_usage', 'transfer_group', 'payment_method_types'];
const PI_CONFIRM = ['payment_method', 'return_url', 'off_session', 'receipt_email', 'capture_method', 'setup_future_usage', 'error_on_requires_action'];

/** Stripe's answer to a confirmation that could redirect the customer but has nowhere to send them back to. */
export const RETURN_URL_REQUIRED = 'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment '
  + 'methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept '
  + 'redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` '
  + 'to `never` when creating Setup Intents and Payment Intents.';

function checkCustomer(ctx: RouteContext): string | null {
  const customer = optionalString(ctx.params, 'customer');
  if (customer) ctx.account.getReferenced('customers', customer, 'customer', 'customer');
  return customer ?? null;
}

/** The date of the request's API version (`2026-10-28` of `2026-10-28.endive`). */
const versionDate = (ctx: RouteContext) => (ctx.request.apiVersion ?? '9999').slice(0, 10);
const AUTOMATIC_BY_DEFAULT = '2023-08-16';
const ALLOWED_TYPES_FROM = '2026-07-29';
const TYPES_REMOVED = '2026-09-30';

/** `payment_method_types` is writable up to API 2026-09-30 (cards only in the sandbox); from then on it is refused. */
function refusePaymentMethodTypes(ctx: RouteContext): void {
  const { params } = ctx;
  if (params.payment_method_types === undefined) return;
  if (versionDate(ctx) < TYPES_REMOVED) return cardsOnly(optionalStringList(params, 'payment_method_types'), 'payment_method_types');
  throw invalidRequest('The `payment_method_types` parameter is no longer supported on this API version. Use dynamic payment methods, '
    + 'and `allowed_payment_method_types` or `excluded_payment_method_types` to narrow them.', 'payment_method_types_no_longer_supported', 'payment_method_types');
}

function cardsOnly(types: string[] | undefined, param: string): void {
  const other = types?.find((type) => type !== 'card');
  if (other) throw invalidRequest(`Payment method type ${other} is not modelled by the sandbox (its account accepts cards only).`, undefined, param);
}

interface PaymentMethodSetup {
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  allowed_payment_method_types: string[] | null;
  excluded_payment_method_types: string[] | null;
  payment_method_types: string[];
}

/** How a new PaymentIntent chooses its payment methods (see the top of this file). */
function paymentMethodSetup(ctx: RouteContext): PaymentMethodSetup {
  const { params } = ctx;
  refusePaymentMethodTypes(ctx);
  const automatic = optionalObject(params, 'automatic_payment_methods');
  if (params.allowed_payment_method_types !== undefined && versionDate(ctx) < ALLOWED_TYPES_FROM) {
    throw invalidRequest('Received unknown parameter: allowed_payment_method_types', 'parameter_unknown', 'allowed_payment_method_types');
  }
  const named = optionalStringList(params, 'payment_method_types');
  if (named && automatic) throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', undefined, 'automatic_payment_methods');
  // Named types, or an older version's default: card only, no automatic payment methods.
  if (named || (!automatic && versionDate(ctx) < AUTOMATIC_BY_DEFAULT)) {
    return { automatic_payment_methods: null, allowed_payment_method_types: null, excluded_payment_method_types: null, payment_method_types: named?.length ? named : ['card'] };
  }
  const allowed = optionalStringList(params, 'allowed_payment_method_types');
  const excluded = optionalStringList(params, 'excluded_payment_method_types');
  if (allowed && (automatic || excluded)) {
    throw invalidRequest('`allowed_payment_method_types` cannot be used together with `automatic_payment_methods` or `excluded_payment_method_types`.', undefined, 'allowed_payment_method_types');
  }
  if (allowed) {
    if (allowed.length === 0) throw invalidRequest('Invalid array', 'parameter_invalid_array', 'allowed_payment_method_types');
    cardsOnly(allowed, 'allowed_payment_method_types');
    return { automatic_payment_methods: null, allowed_payment_method_types: allowed, excluded_payment_method_types: null, payment_method_types: ['card'] };
  }
  if (excluded?.includes('card')) throw invalidRequest('Excluding cards is not modelled by the sandbox (its account accepts cards only).', undefined, 'excluded_payment_method_types');
  let allowRedirects: string | undefined;
  if (automatic) {
    for (const key of Object.keys(automatic)) {
      if (key !== 'enabled' && key !== 'allow_redirects') {
        throw invalidRequest(`Received unknown parameter: automatic_payment_methods[${key}]`, 'parameter_unknown', `automatic_payment_methods[${key}]`);
      }
    }
    const enabled = optionalBool(automatic, 'enabled');
    if (enabled === undefined) throw missingParam('automatic_payment_methods[enabled]');
    if (!enabled) throw invalidRequest('automatic_payment_methods[enabled]=false is not modelled by the sandbox: leave it on, or use allowed_payment_method_types.', undefined, 'automatic_payment_methods[enabled]');
    allowRedirects = optionalEnum(automatic, 'allow_redirects', ['always', 'never'] as const);
  }
  return {
    automatic_payment_methods: { enabled: true, ...(allowRedirects ? { allow_redirects: allowRedirects } : {}) },
    allowed_payment_method_types: null, excluded_payment_method_types: excluded?.length ? excluded : null, payment_method_types: ['card'],
  };
}

/** `off_session`: true / false, or `one_off` / `recurring`. */
function offSession(params: Params): boolean {
  const value = optionalString(params, 'off_session');
  if (value === undefined || value === 'false') return false;
  if (['true', 'one_off', 'recurring'].includes(value)) return true;
  throw invalidRequest(`Invalid off_session: must be one of true, false, one_off, recurring`, 'parameter_invalid_string', 'off_session');
}

/** Refuses a confirmation that Stripe refuses before it tries to pay (redirects possible, no `return_url`). */
function checkConfirmation(automatic: PaymentMethodSetup['automatic_payment_methods'], params: Params): void {
  const redirects = !!automatic?.enabled && automatic.allow_redirects !== 'never';
  if (!redirects) return;
  if (optionalBool(params, 'error_on_requires_action')) {
    // "When confirming a PaymentIntent, you can't use error_on_requires_action" with automatic payment methods (2023-08-16).
    throw invalidRequest('`error_on_requires_action` cannot be used with automatic payment methods that allow redirects.', undefined, 'error_on_requires_action');
  }
  if (!optionalString(params, 'return_url') && !offSession(params)) throw invalidRequest(RETURN_URL_REQUIRED);
}

function receiptUrl(chargeId: string): string {
  return `https://pay.stripe.com/receipts/payment/sandbox_${chargeId}`;
}

/** A card charge in the shape of API 2026-10-28 (payment_method_details for the test card, outcome, billing details). */
export function chargeFields(ctx: RouteContext, input: {
  amount: number; currency: string; customer: string | null; paymentIntent: string | null; paymentMethod: string; captured: boolean;
  decline?: Decline; description: string | null; receiptEmail: string | null;
  /** A bank debit that has not settled yet: no funds have moved (no balance transaction). */
  pending?: boolean;
}): StripeObject {
  const id = newId('ch');
  const card = testCard(input.paymentMethod);
  const { decline } = input;
  const charge = {
    id, object: 'charge', amount: input.amount, amount_captured: decline || !input.captured ? 0 : input.amount, amount_refunded: 0,
    application: null, application_fee: null, application_fee_amount: null, balance_transaction: decline || !input.captured || input.pending ? null
      : recordBalanceTransaction(ctx.account, { type: 'charge', amount: input.amount, currency: input.currency, source: id, description: input.description }),
    billing_details: { address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'FLOWGUARD SANDBOX', captured: !decline && input.captured, created: ctx.account.now(), currency: input.currency,
    customer: input.customer, description: input.description, disputed: false, failure_balance_transaction: null,
    failure_code: decline?.code ?? null, failure_message: decline?.message ?? null, fraud_details: {}, livemode: ctx.account.livemode, metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null, network_advice_code: null, network_decline_code: decline?.network_decline_code ?? null,
      network_status: decline ? 'declined_by_network' : 'approved_by_network', reason: decline?.decline_code ?? null, risk_level: 'normal',
      risk_score: 20, seller_message: decline ? 'The bank did not return any further details with this decline.' : 'Payment complete.',
      type: decline ? 'issuer_declined' : 'authorized',
    },
    paid: !decline, payment_intent: input.paymentIntent, payment_method: input.paymentMethod,
    payment_method_details: {
      card: {
        amount_authorized: decline ? null : input.amount, authorization_code: decline ? null : String(100000 + (input.amount % 900000)), brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, country: card.country,
        electronic_commerce_indicator: null, exp_month: card.exp_month, exp_year: card.exp_year, extended_authorization: { status: 'disabled' }, fingerprint: card.fingerprint,
        funding: card.funding, incremental_authorization: { status: 'unavailable' }, installments: null, last4: card.last4, mandate: null,
        multicapture: { status: 'unavailable' }, network: card.brand, network_token: { used: false }, network_transaction_id: newId('ntx', 15).slice(4),
        overcapture: { maximum_amount_capturable: input.amount, status: 'unavailable' }, regulated_status: 'unregulated', three_d_secure: null, transaction_link_id: null, wallet: null,
      },
      type: 'card',
    },
    receipt_email: input.receiptEmail, receipt_number: null, receipt_url: receiptUrl(id), refunded: false, review: null, shipping: null,
    source: null, source_transfer: null, statement_descriptor: null, statement_descriptor_suffix: null, status: decline ? 'failed' : 'succeeded',
    transfer_data: null, transfer_group: null,
  } as unknown as StripeObject;
  return charge;
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
  const decline = declineOf(paymentMethod);
  const manual = pi.capture_method === 'manual';
  const before = structuredClone(pi);
  const charge = ctx.account.insert('charges', chargeFields(ctx, {
    amount: pi.amount, currency: pi.currency, customer: pi.customer, paymentIntent: pi.id, paymentMethod, captured: !manual, decline,
    description: pi.description, receiptEmail: pi.receipt_email,
  }));
  Object.assign(pi, { payment_method: paymentMethod, latest_charge: charge.id });
  if (decline) {
    ctx.account.emit('charge.failed', charge, ctx.request);
    const lastError = {
      charge: charge.id, code: decline.code, decline_code: decline.decline_code, doc_url: `https://docs.stripe.com/error-codes/${decline.code.replace(/_/g, '-')}`,
      message: decline.message, payment_method: paymentMethodFor(ctx.account, paymentMethod), payment_method_type: 'card', type: 'card_error',
    };
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: lastError, payment_method: null });
    ctx.account.emit('payment_intent.payment_failed', pi, ctx.request, { status: before.status });
    // A decline happens after execution began, so Stripe stores it under the idempotency key.
    throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, {
      decline_code: decline.decline_code, charge: charge.id, payment_intent: structuredClone(pi), payment_method: paymentMethodFor(ctx.account, paymentMethod),
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
  captureMethod: string; methods: PaymentMethodSetup; receiptEmail: string | null;
  statementDescriptor?: string | null; statementDescriptorSuffix?: string | null; setupFutureUsage?: string | null; transferGroup?: string | null;
}

/** Per account, the payment method configuration that dynamic payment methods use (Stripe's default one). */
function paymentMethodConfiguration(ctx: RouteContext): string {
  const settings = ctx.account.collection('settings');
  let config = settings.get('payment_method_configuration');
  if (!config) config = ctx.account.insert('settings', { id: 'payment_method_configuration', object: 'setting', value: newId('pmc') });
  return config.value;
}

/** Every field of a PaymentIntent on API 2026-10-28, as Stripe returns it for a card payment. */
function paymentIntentFields(ctx: RouteContext, input: PaymentIntentInput): Record<string, unknown> {
  const id = newId('pi');
  return {
    id, allowed_payment_method_types: input.methods.allowed_payment_method_types, amount: input.amount, amount_capturable: 0,
    amount_details: { tip: {} }, amount_received: 0, application: null, application_fee_amount: null,
    automatic_payment_methods: input.methods.automatic_payment_methods, canceled_at: null, cancellation_reason: null,
    capture_method: input.captureMethod, client_secret: `${id}_secret_${newId('x', 25).slice(2)}`, confirmation_method: 'automatic',
    currency: input.currency, customer: input.customer, customer_account: null, description: input.description,
    excluded_payment_method_types: input.methods.excluded_payment_method_types, last_payment_error: null, latest_charge: null,
    managed_payments: null, next_action: null, on_behalf_of: null, payment_method: input.paymentMethod,
    payment_method_configuration_details: input.methods.automatic_payment_methods ? { id: paymentMethodConfiguration(ctx), parent: null } : null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: input.methods.payment_method_types, payment_record: null, processing: null, receipt_email: input.receiptEmail,
    review: null, setup_future_usage: input.setupFutureUsage ?? null, shipping: null, source: null,
    statement_descriptor: input.statementDescriptor ?? null, statement_descriptor_suffix: input.statementDescriptorSuffix ?? null,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method', transfer_data: null, transfer_group: input.transferGroup ?? null,
  };
}

/**
 * A PaymentIntent opened by Stripe itself (an invoice being finalized, a Checkout Session being paid), with its
 * `payment_intent.created` event; `overrides` (Checkout's payment_intent_data, methods) apply before the event.
 */
export function openPaymentIntent(ctx: RouteContext, fields: { amount: number; currency: string; customer: string | null; description: string | null },
  overrides: Record<string, unknown> = {}): StripeObject {
  // Invoices pay with the invoice's payment settings, not dynamic payment methods: automatic_payment_methods is null.
  const methods: PaymentMethodSetup = { automatic_payment_methods: null, allowed_payment_method_types: null, excluded_payment_method_types: null, payment_method_types: ['card'] };
  const pi = {
    object: 'payment_intent', created: ctx.account.now(), livemode: ctx.account.livemode, metadata: {},
    ...paymentIntentFields(ctx, { ...fields, paymentMethod: null, captureMethod: 'automatic', methods, receiptEmail: null }), ...overrides,
  } as unknown as StripeObject;
  ctx.account.insert('payment_intents', pi);
  ctx.account.emit('payment_intent.created', pi, ctx.request);
  return pi;
}

function paymentIntent(ctx: RouteContext): StripeObject {
  return ctx.account.getLive('payment_intents', ctx.ids[0], 'payment_intent');
}

function requireCurrency(params: Params): string {
  const currency = optionalString(params, 'currency');
  if (!currency) throw missingParam('currency');
  return currencyOf(currency);
}

const paymentIntentCrud = crudRoutes({
  path: '/v1/payment_intents', collection: 'payment_intents', object: 'payment_intent', idPrefix: 'pi',
  createParams: PI_CREATE, updateParams: PI_UPDATE,
  listParams: ['customer'],
  listFilter: (object, params) => params.customer === undefined || object.customer === params.customer,
  build(ctx) {
    const amount = requirePositiveAmount(ctx.params, 'amount');
    const currency = requireCurrency(ctx.params);
    checkChargeAmount(amount, currency);
    const methods = paymentMethodSetup(ctx);
    const confirming = optionalBool(ctx.params, 'confirm') ?? false;
    // "This parameter can only be used with confirm=true" (return_url, off_session, error_on_requires_action).
    for (const name of ['return_url', 'off_session', 'error_on_requires_action']) {
      if (ctx.params[name] !== undefined && !confirming) throw invalidRequest(`The parameter \`${name}\` can only be used with \`confirm=true\`.`, undefined, name);
    }
    if (confirming) checkConfirmation(methods.automatic_payment_methods, ctx.params);
    return paymentIntentFields(ctx, {
      amount, currency, customer: checkCustomer(ctx), description: optionalString(ctx.params, 'description') ?? null,
      paymentMethod: optionalString(ctx.params, 'payment_method') ?? null,
      captureMethod: optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS) ?? 'automatic_async', methods,
      receiptEmail: optionalString(ctx.params, 'receipt_email') ?? null,
      statementDescriptor: optionalString(ctx.params, 'statement_descriptor'), statementDescriptorSuffix: optionalString(ctx.params, 'statement_descriptor_suffix'),
      setupFutureUsage: optionalEnum(ctx.params, 'setup_future_usage', SETUP_FUTURE_USAGE), transferGroup: optionalString(ctx.params, 'transfer_group'),
    });
  },
  update(pi, ctx) {
    refusePaymentMethodTypes(ctx);
    const types = optionalStringList(ctx.params, 'payment_method_types');
    if (types?.length) Object.assign(pi, { payment_method_types: types, automatic_payment_methods: null });
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(`You cannot update this PaymentIntent because it has a status of ${pi.status}.`);
    const currency = optionalString(ctx.params, 'currency');
    if (currency) pi.currency = currencyOf(currency);
    if (ctx.params.amount !== undefined) pi.amount = requirePositiveAmount(ctx.params, 'amount');
    if (ctx.params.amount !== undefined || currency) checkChargeAmount(pi.amount, pi.currency);
    if (ctx.params.customer !== undefined) pi.customer = checkCustomer(ctx);
    for (const name of ['description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_group'] as const) {
      const value = optionalString(ctx.params, name);
      if (value !== undefined) pi[name] = value || null;
    }
    const paymentMethod = optionalString(ctx.params, 'payment_method');
    if (paymentMethod) Object.assign(pi, { payment_method: paymentMethod, status: 'requires_confirmation' });
    const captureMethod = optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS);
    if (captureMethod) pi.capture_method = captureMethod;
    const futureUsage = optionalEnum(ctx.params, 'setup_future_usage', SETUP_FUTURE_USAGE);
    if (futureUsage) pi.setup_future_usage = futureUsage;
  },
  searchable: true,
});

const paymentIntents: Route[] = [
  ...paymentIntentCrud.map((route) => {
    // `confirm=true` on create runs confirmation in the same request, as on Stripe.
    if (route.method !== 'POST' || route.pattern !== '/v1/payment_intents') return route;
    return { ...route, handle: (ctx: RouteContext) => {
      const shouldConfirm = optionalBool(ctx.params, 'confirm');
      const pi = route.handle(ctx);
      return shouldConfirm ? confirm(pi, ctx) : pi;
    } };
  }),
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/confirm', returns: 'payment_intent',
    handle(ctx) {
      if (versionDate(ctx) >= TYPES_REMOVED) refusePaymentMethodTypes(ctx);
      rejectUnknown(ctx.params, PI_CONFIRM);
      const pi = paymentIntent(ctx);
      if (CONFIRMABLE.includes(pi.status)) checkConfirmation(pi.automatic_payment_methods, ctx.params);
      const captureMethod = optionalEnum(ctx.params, 'capture_method', CAPTURE_METHODS);
      const futureUsage = optionalEnum(ctx.params, 'setup_future_usage', SETUP_FUTURE_USAGE);
      offSession(ctx.params);
      if (captureMethod && CONFIRMABLE.includes(pi.status)) pi.capture_method = captureMethod;
      if (futureUsage && CONFIRMABLE.includes(pi.status)) pi.setup_future_usage = futureUsage;
      return confirm(pi, ctx);
    },
  },
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/capture', returns: 'payment_intent',
    handle(ctx) {
      rejectUnknown(ctx.params, ['amount_to_capture', 'statement_descriptor', 'statement_descriptor_suffix', 'final_capture']);
      const pi = paymentIntent(ctx);
      if (pi.status !== 'requires_capture') {
        throw unexpectedState(`This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`, { payment_intent: pi });
      }
      const amount = optionalInt(ctx.params, 'amount_to_capture') ?? pi.amount_capturable;
      if (amount < 1 || amount > pi.amount_capturable) {
        throw invalidRequest(`The amount to capture must be between 1 and ${pi.amount_capturable}.`, 'amount_too_large', 'amount_to_capture');
      }
      const metadata = mergeMetadata(pi.metadata, ctx.params);
      const charge = ctx.account.getLive('charges', pi.latest_charge, 'charge');
      updateWithEvent(ctx, charge, () => Object.assign(charge, {
        captured: true, amount_captured: amount,
        balance_transaction: charge.balance_transaction ?? recordBalanceTransaction(ctx.account, { type: 'charge', amount, currency: charge.currency, source: charge.id, description: charge.description }),
      }), 'charge.captured');
      const before = { status: pi.status, amount_received: pi.amount_received, amount_capturable: pi.amount_capturable };
      Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0, metadata });
      ctx.account.emit('payment_intent.succeeded', pi, ctx.request, before);
      disputeIfTestCard(ctx, charge);
      return pi;
    },
  },
  {
    method: 'POST', pattern: '/v1/payment_intents/:id/cancel', returns: 'payment_intent',
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
    checkChargeAmount(amount, currency);
    const customer = checkCustomer(ctx);
    const source = optionalString(ctx.params, 'source');
    if (!source && !customer) throw missingParam('source');
    const decline = source ? declineOf(source) : undefined;
    if (decline) throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, { decline_code: decline.decline_code });
    return chargeFields(ctx, {
      amount, currency, customer, paymentIntent: null, paymentMethod: source ?? 'card_sandbox', captured: optionalBool(ctx.params, 'capture') ?? true,
      description: optionalString(ctx.params, 'description') ?? null, receiptEmail: optionalString(ctx.params, 'receipt_email') ?? null,
    });
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
  path: '/v1/refunds', collection: 'refunds', object: 'refund', idPrefix: 're', livemode: false,
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
      const pi = ctx.account.getReferenced('payment_intents', piId, 'payment_intent', 'payment_intent');
      if (!pi.latest_charge || pi.status !== 'succeeded') throw invalidRequest(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
      chargeId = pi.latest_charge;
    }
    const charge = ctx.account.getReferenced('charges', chargeId!, 'charge', 'charge');
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
    const id = newId('re');
    return {
      id, amount, balance_transaction: recordBalanceTransaction(ctx.account, { type: 'refund', amount: -amount, currency: charge.currency, source: id, description: null }), charge: charge.id, currency: charge.currency, customer: charge.customer, customer_account: null,
      // A refund of a card payment goes back to the card (`reversal` before the charge settled, as in the sandbox's instant refunds).
      destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'reversal' }, type: 'card' },
      payment_intent: charge.payment_intent, payment_method: charge.payment_method, reason, receipt_number: null, source_transfer_reversal: null,
      status: 'succeeded', transfer_reversal: null,
    };
  },
});

export const paymentRoutes: Route[] = [...paymentIntents, ...charges, ...refunds];
