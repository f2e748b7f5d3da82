// Checkout Sessions (https://docs.stripe.com/api/checkout/sessions) in `payment` and `subscription` mode, hosted page
// (`ui_mode: hosted_page`, the default) or embedded page: create, retrieve, update (metadata), list, expire and
// `GET /v1/checkout/sessions/:id/line_items` (line items are not in the session; `expand[]=line_items` includes them).
//
// Stripe's rules kept here: `mode` and, in payment / subscription mode, `line_items` are required; each line item names
// exactly one of `price` / `price_data` and a `quantity`; payment mode takes one-time prices only, subscription mode needs
// a recurring one; one currency per session; a payment-mode total is held to the currency's minimum charge (amounts.ts);
// `expires_at` lies 30 minutes to 24 hours ahead (default 24 hours); `success_url` / `cancel_url` belong to the hosted page,
// `return_url` to the embedded one; `customer` and `customer_email` exclude each other; metadata limits (params.ts).
// There is no `checkout.session.created` / `.updated` event on Stripe, so none here.
//
// Completion is the customer's part (the payment page), so the sandbox's control API plays it (completeSession /
// settleSession, wired in server.ts): as on Stripe the PaymentIntent is created when the customer pays (the session's
// `payment_intent` is null until then, API 2022-08-01 and later). Events, in Stripe's order:
//  - card, payment mode: [customer.created] payment_intent.created, charge.succeeded, payment_intent.succeeded,
//    checkout.session.completed (payment_status `paid`);
//  - a delayed method (ACH Direct Debit, `us_bank_account`): payment_intent.created, payment_intent.processing,
//    charge.pending, checkout.session.completed (payment_status `unpaid`); later charge.succeeded,
//    payment_intent.succeeded, checkout.session.async_payment_succeeded (payment_status `paid`), or charge.failed,
//    payment_intent.payment_failed, checkout.session.async_payment_failed;
//  - subscription mode: customer.created (unless a customer was given), the subscription's own sequence
//    (customer.subscription.created, invoice.created, invoice.finalized, payment_intent.*, charge.succeeded,
//    invoice.paid, invoice.payment_succeeded, customer.subscription.updated), then checkout.session.completed;
//  - expiry (POST …/expire, or `expires_at` passed on the sandbox clock): checkout.session.expired.
// A declining test card leaves the session open (the customer sees the error on the page and may try again).
// Not modelled: setup mode, discounts / promotion codes, taxes, shipping, adaptive pricing, Payment Links, custom fields,
// one-time prices in subscription mode, a delayed method in subscription mode, after_expiration recovery.

import { newId, paginate, RequestInfo, StripeObject } from './account';
import type { Account } from './account';
import { checkChargeAmount, currencyOf } from './amounts';
import { recordBalanceTransaction } from './balance';
import { bankPaymentMethod, declineOf } from './cards';
import { catalogRoutes } from './catalog';
import { crudRoutes } from './crud';
import { invalidRequest, missingParam, notFound, SandboxStripeError } from './errors';
import type { FormObject } from './form';
import { chargeFields, confirm, openPaymentIntent } from './payments';
import { mergeMetadata, optionalEnum, optionalInt, optionalObject, optionalString, optionalStringList, Params, rejectUnknown } from './params';
import type { Route, RouteContext } from './routes';
import { subscriptionRoutes } from './subscriptions';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const MODES = ['payment', 'subscription', 'setup'] as const;
const UI_MODES = ['hosted_page', 'embedded_page', 'elements'] as const;
/** What a session can offer: cards, and ACH Direct Debit as the delayed-notification method (USD only). */
const METHOD_TYPES = ['card', 'us_bank_account'];
const CLIENT_REFERENCE_MAX = 200;
const CREATE_PARAMS = ['mode', 'line_items', 'success_url', 'cancel_url', 'return_url', 'ui_mode', 'client_reference_id', 'customer',
  'customer_email', 'customer_creation', 'expires_at', 'payment_intent_data', 'subscription_data', 'allowed_payment_method_types',
  'locale', 'submit_type', 'currency', 'redirect_on_completion'];
const LINE_ITEM_PARAMS = ['price', 'price_data', 'quantity', 'adjustable_quantity'];
const PRICE_DATA_PARAMS = ['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'tax_behavior'];

const COLLECTION = 'checkout_sessions';
/** A session's line items, kept beside it (Stripe returns them only through the line_items route or expand). */
const LINE_ITEMS = 'checkout_session_line_items';

/** Events of the customer's actions on the payment page carry no API request (Stripe: `request.id` null). */
const CUSTOMER_ACTION = { requestId: null } as unknown as RequestInfo;

function checkUrl(value: string | undefined, param: string): string | null {
  if (value === undefined) return null;
  if (!/^https?:\/\/[^\s]+$/.test(value)) throw invalidRequest(`Not a valid URL`, 'url_invalid', param);
  return value;
}

interface PlannedItem { index: number; price?: StripeObject; priceData?: FormObject; quantity: number; currency: string; unitAmount: number; recurring: boolean; name: string }

/** Checks `line_items[n]` without creating anything (a refused session leaves no price or product behind). */
function planLineItems(ctx: RouteContext, mode: string): PlannedItem[] {
  const raw = ctx.params.line_items;
  if (raw === undefined || raw === '') throw missingParam('line_items');
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'object' && !Array.isArray(item))) {
    throw invalidRequest('Invalid array', 'parameter_invalid_array', 'line_items');
  }
  if (raw.length === 0) throw missingParam('line_items');
  return (raw as FormObject[]).map((item, index) => {
    const at = `line_items[${index}]`;
    for (const key of Object.keys(item)) {
      if (!LINE_ITEM_PARAMS.includes(key)) throw invalidRequest(`Received unknown parameter: ${at}[${key}]`, 'parameter_unknown', `${at}[${key}]`);
    }
    if (item.adjustable_quantity !== undefined) throw invalidRequest('adjustable_quantity is not modelled by the sandbox.', undefined, `${at}[adjustable_quantity]`);
    const priceId = optionalString(item, 'price');
    const priceData = optionalObject(item, 'price_data');
    if (priceId && priceData) throw invalidRequest(`You may only specify one of these parameters: price, price_data.`, undefined, `${at}[price]`);
    if (!priceId && !priceData) throw invalidRequest(`You must specify either \`price\` or \`price_data\` in \`${at}\`.`, 'parameter_missing', `${at}[price]`);
    const quantityText = optionalString(item, 'quantity');
    if (quantityText === undefined) throw invalidRequest(`Quantity is required. Add \`quantity\` to \`${at}\``, 'parameter_missing', `${at}[quantity]`);
    const quantity = optionalInt(item, 'quantity')!;
    if (quantity < 1 || quantity > 999_999) throw invalidRequest(`Invalid integer: quantity must be between 1 and 999999`, 'parameter_invalid_integer', `${at}[quantity]`);
    let planned: PlannedItem;
    if (priceId) {
      const price = ctx.account.getReferenced('prices', priceId, 'price', `${at}[price]`);
      if (!price.active) throw invalidRequest(`The price \`${price.id}\` is not active: only active prices can be used in Checkout.`, undefined, `${at}[price]`);
      const product = ctx.account.collection('products').get(price.product);
      planned = { index, price, quantity, currency: price.currency, unitAmount: price.unit_amount, recurring: price.type === 'recurring', name: product?.name ?? price.product };
    } else {
      const data = priceData!;
      for (const key of Object.keys(data)) {
        if (!PRICE_DATA_PARAMS.includes(key)) throw invalidRequest(`Received unknown parameter: ${at}[price_data][${key}]`, 'parameter_unknown', `${at}[price_data][${key}]`);
      }
      const currency = optionalString(data, 'currency');
      if (!currency) throw missingParam(`${at}[price_data][currency]`);
      const unitAmount = optionalInt(data, 'unit_amount');
      if (unitAmount === undefined) throw missingParam(`${at}[price_data][unit_amount]`);
      if (unitAmount < 0) throw invalidRequest('Invalid integer: unit_amount must be at least 0', 'parameter_invalid_integer', `${at}[price_data][unit_amount]`);
      const productId = optionalString(data, 'product');
      const productData = optionalObject(data, 'product_data');
      let name: string;
      if (productId) name = ctx.account.getReferenced('products', productId, 'product', `${at}[price_data][product]`).name;
      else if (productData && typeof productData.name === 'string' && productData.name) name = productData.name;
      else throw missingParam(productData ? `${at}[price_data][product_data][name]` : `${at}[price_data][product]`);
      const recurring = optionalObject(data, 'recurring');
      if (recurring && !['day', 'week', 'month', 'year'].includes(recurring.interval as string)) {
        throw invalidRequest('Invalid recurring[interval]', 'parameter_invalid_string', `${at}[price_data][recurring][interval]`);
      }
      planned = { index, priceData: data, quantity, currency: currencyOf(currency, `${at}[price_data][currency]`), unitAmount, recurring: !!recurring, name };
    }
    if (mode === 'payment' && planned.recurring) {
      throw invalidRequest('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', undefined, `${at}[price]`);
    }
    if (mode === 'subscription' && !planned.recurring) {
      throw invalidRequest('One-time prices in `subscription` mode are not modelled by the sandbox: pass recurring prices only.', undefined, `${at}[price]`);
    }
    return planned;
  });
}

/** A price for each `price_data` (Stripe creates one per inline price, not reusable: `active: false`). */
function inlinePrice(ctx: RouteContext, data: FormObject): StripeObject {
  const create = catalogRoutes.find((route) => route.method === 'POST' && route.pattern === '/v1/prices')!;
  const price = create.handle({ ...ctx, params: { ...data } });
  price.active = false;
  return price;
}

function lineItemObject(ctx: RouteContext, price: StripeObject, quantity: number, name: string): StripeObject {
  const amount = price.unit_amount * quantity;
  return {
    id: newId('li'), object: 'item', adjustable_quantity: null, amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount,
    currency: price.currency, description: name, metadata: {}, price: structuredClone(price), quantity,
  } as StripeObject;
}

function expiresAt(ctx: RouteContext): number {
  const now = ctx.account.now();
  const requested = optionalInt(ctx.params, 'expires_at');
  if (requested === undefined) return now + 24 * HOUR;
  if (requested < now + 30 * MINUTE) {
    throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', undefined, 'expires_at');
  }
  if (requested > now + 24 * HOUR) {
    throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', undefined, 'expires_at');
  }
  return requested;
}

/** success_url / cancel_url for the hosted page, return_url for the embedded one (Stripe refuses the others). */
function redirectUrls(ctx: RouteContext, uiMode: string): { success_url: string | null; cancel_url: string | null; return_url?: string } {
  const success = checkUrl(optionalString(ctx.params, 'success_url'), 'success_url');
  const cancel = checkUrl(optionalString(ctx.params, 'cancel_url'), 'cancel_url');
  const returnUrl = checkUrl(optionalString(ctx.params, 'return_url'), 'return_url');
  if (uiMode === 'hosted_page') {
    if (returnUrl) throw invalidRequest('`return_url` can only be used with `ui_mode: embedded_page` or `elements`; use `success_url` with the hosted page.', undefined, 'return_url');
    if (ctx.params.redirect_on_completion !== undefined) throw invalidRequest('`redirect_on_completion` can only be used with `ui_mode: embedded_page` or `elements`.', undefined, 'redirect_on_completion');
    return { success_url: success, cancel_url: cancel };
  }
  if (success) throw invalidRequest(`\`success_url\` is not allowed when \`ui_mode\` is \`${uiMode}\`: use \`return_url\`.`, undefined, 'success_url');
  if (cancel) throw invalidRequest(`\`cancel_url\` is not allowed when \`ui_mode\` is \`${uiMode}\`.`, undefined, 'cancel_url');
  const redirect = optionalEnum(ctx.params, 'redirect_on_completion', ['always', 'if_required', 'never'] as const) ?? 'always';
  if (!returnUrl && redirect !== 'never') throw invalidRequest('`return_url` is required when `redirect_on_completion` is not `never`.', 'parameter_missing', 'return_url');
  return { success_url: null, cancel_url: null, ...(returnUrl ? { return_url: returnUrl } : {}) };
}

/** `payment_intent_data` / `subscription_data`: the fields the sandbox carries over to the object it creates. */
function modeData(ctx: RouteContext, mode: string): FormObject {
  const payment = optionalObject(ctx.params, 'payment_intent_data');
  const subscription = optionalObject(ctx.params, 'subscription_data');
  if (payment && mode !== 'payment') throw invalidRequest('You can only specify `payment_intent_data` in `payment` mode.', undefined, 'payment_intent_data');
  if (subscription && mode !== 'subscription') throw invalidRequest('You can only specify `subscription_data` in `subscription` mode.', undefined, 'subscription_data');
  const [data, name, allowed] = payment ? [payment, 'payment_intent_data', ['metadata', 'description', 'capture_method', 'receipt_email', 'statement_descriptor']]
    : [subscription ?? {}, 'subscription_data', ['metadata', 'description', 'trial_period_days']];
  for (const key of Object.keys(data)) {
    if (!allowed.includes(key)) throw invalidRequest(`Received unknown parameter: ${name}[${key}]`, 'parameter_unknown', `${name}[${key}]`);
  }
  if (data.metadata !== undefined) mergeMetadata({}, data);
  if (payment) optionalEnum(payment, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
  return data;
}

function build(ctx: RouteContext): Record<string, unknown> {
  const mode = optionalEnum(ctx.params, 'mode', MODES);
  if (!mode) throw missingParam('mode');
  if (mode === 'setup') throw invalidRequest('mode=setup is not modelled by the sandbox.', undefined, 'mode');
  const uiMode = optionalEnum(ctx.params, 'ui_mode', UI_MODES) ?? 'hosted_page';
  if (uiMode === 'elements') throw invalidRequest('ui_mode=elements is not modelled by the sandbox.', undefined, 'ui_mode');
  const urls = redirectUrls(ctx, uiMode);
  const planned = planLineItems(ctx, mode);
  const currency = planned[0].currency;
  const other = planned.find((item) => item.currency !== currency);
  if (other) throw invalidRequest(`All line items must have the same currency: ${currency} and ${other.currency} were given.`, undefined, `line_items[${other.index}]`);
  const total = planned.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
  if (mode === 'payment') checkChargeAmount(total, currency, 'line_items');
  const customerId = optionalString(ctx.params, 'customer');
  const customerEmail = optionalString(ctx.params, 'customer_email');
  if (customerId && customerEmail) throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', undefined, 'customer_email');
  if (customerId) ctx.account.getReferenced('customers', customerId, 'customer', 'customer');
  const customerCreation = optionalEnum(ctx.params, 'customer_creation', ['always', 'if_required'] as const);
  if (customerCreation && mode !== 'payment') throw invalidRequest('`customer_creation` can only be used in `payment` mode.', undefined, 'customer_creation');
  if (customerCreation && customerId) throw invalidRequest('You may only specify one of these parameters: customer, customer_creation.', undefined, 'customer_creation');
  const reference = optionalString(ctx.params, 'client_reference_id');
  if (reference !== undefined && (reference.length === 0 || reference.length > CLIENT_REFERENCE_MAX)) {
    throw invalidRequest(`client_reference_id must be between 1 and ${CLIENT_REFERENCE_MAX} characters.`, undefined, 'client_reference_id');
  }
  const allowed = optionalStringList(ctx.params, 'allowed_payment_method_types');
  const unknownType = allowed?.find((type) => !METHOD_TYPES.includes(type));
  if (unknownType) throw invalidRequest(`Payment method type ${unknownType} is not modelled by the sandbox (cards and us_bank_account only).`, undefined, 'allowed_payment_method_types');
  const requestedCurrency = optionalString(ctx.params, 'currency');
  if (requestedCurrency && currencyOf(requestedCurrency) !== currency) throw invalidRequest(`currency must match the line items' currency (${currency}).`, undefined, 'currency');
  const data = modeData(ctx, mode);
  const expires = expiresAt(ctx);
  optionalEnum(ctx.params, 'submit_type', ['auto', 'book', 'donate', 'pay', 'subscribe'] as const);

  // Everything is valid: inline prices may be created now.
  const id = `cs_${ctx.account.livemode ? 'live' : 'test'}_${newId('x', 58).slice(2)}`;
  const items = planned.map((item) => lineItemObject(ctx, item.price ?? inlinePrice(ctx, item.priceData!), item.quantity, item.name));
  ctx.account.insert(LINE_ITEMS, { id, object: 'line_items', data: items } as unknown as StripeObject);
  // ACH Direct Debit is offered for USD payment-mode sessions only (and cards everywhere).
  const offered = (allowed?.length ? allowed : METHOD_TYPES).filter((type) => type === 'card' || (type === 'us_bank_account' && currency === 'usd' && mode === 'payment'));
  const embedded = uiMode === 'embedded_page';
  return {
    id, adaptive_pricing: { enabled: false }, after_expiration: null, allow_promotion_codes: null, allowed_payment_method_types: allowed?.length ? allowed : null,
    amount_subtotal: total, amount_total: total, automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null, cancel_url: urls.cancel_url, client_reference_id: reference ?? null,
    client_secret: embedded ? `${id}_secret_${newId('x', 24).slice(2)}` : null, collected_information: null, consent: null, consent_collection: null,
    currency, currency_conversion: null, custom_fields: [], custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customerId ?? null, customer_account: null, customer_creation: mode === 'payment' ? customerCreation ?? 'if_required' : null, customer_details: null,
    customer_email: customerEmail ?? null, discounts: [], expires_at: expires, integration_identifier: null, invoice: null,
    invoice_creation: mode === 'payment' ? {
      enabled: false,
      invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null },
    } : null,
    locale: optionalString(ctx.params, 'locale') ?? null, managed_payments: null, mode, origin_context: null, payment_intent: null, payment_link: null,
    payment_method_collection: mode === 'subscription' ? 'always' : null,
    payment_method_configuration_details: allowed?.length ? null : { id: paymentMethodConfiguration(ctx.account), parent: null },
    payment_method_options: {}, payment_method_types: offered, payment_status: 'unpaid', permissions: null, phone_number_collection: { enabled: false },
    recovered_from: null, saved_payment_method_options: null, setup_intent: null, shipping_address_collection: null, shipping_cost: null,
    shipping_options: [], status: 'open', submit_type: optionalString(ctx.params, 'submit_type') ?? null, subscription: null, success_url: urls.success_url,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 }, ui_mode: uiMode,
    url: embedded ? null : `${ctx.origin ?? 'https://checkout.stripe.com'}/c/pay/${id}`, wallet_options: null,
    ...(urls.return_url ? { return_url: urls.return_url } : {}),
    // Kept for completion, never shown (see view below).
    _data: data,
  };
}

/** The account's payment method configuration (the one payments.ts gives dynamic PaymentIntents). */
function paymentMethodConfiguration(account: Account): string {
  const settings = account.collection('settings');
  let config = settings.get('payment_method_configuration');
  if (!config) config = account.insert('settings', { id: 'payment_method_configuration', object: 'setting', value: newId('pmc') });
  return config.value;
}

const view = (session: StripeObject): StripeObject => {
  const { _data: _hidden, ...shown } = session;
  return shown as StripeObject;
};

/** Sessions whose `expires_at` has passed on the sandbox clock expire (Stripe does it within minutes). */
export function expireDueSessions(account: Account): void {
  const now = account.now();
  for (const session of account.collection(COLLECTION).values()) {
    if (session.status === 'open' && session.expires_at <= now) expire(account, session, CUSTOMER_ACTION);
  }
}

function expire(account: Account, session: StripeObject, request: RequestInfo): void {
  Object.assign(session, { status: 'expired', url: null });
  account.emit('checkout.session.expired', view(session), request);
}

function statusFilter(params: Params): (session: StripeObject) => boolean {
  const status = optionalEnum(params, 'status', ['open', 'complete', 'expired'] as const);
  const details = optionalObject(params, 'customer_details');
  const email = details ? optionalString(details, 'email') : undefined;
  return (session) =>
    (status === undefined || session.status === status) &&
    (params.customer === undefined || session.customer === params.customer) &&
    (params.payment_intent === undefined || session.payment_intent === params.payment_intent) &&
    (params.subscription === undefined || session.subscription === params.subscription) &&
    (params.payment_link === undefined || session.payment_link === params.payment_link) &&
    (email === undefined || session.customer_details?.email === email);
}

const sessionCrud = crudRoutes({
  path: '/v1/checkout/sessions', collection: COLLECTION, object: 'checkout.session', idPrefix: 'cs', events: false,
  createParams: CREATE_PARAMS,
  updateParams: [],
  build,
  listParams: ['status', 'customer', 'payment_intent', 'subscription', 'payment_link', 'customer_details'],
  listFilter: (session, params) => statusFilter(params)(session),
  checkListParams: (params) => {
    statusFilter(params);
  },
  view, createView: view,
}).map((route): Route => (route.method !== 'GET' ? route : {
  // Reading or listing first lets sessions past their expires_at expire.
  ...route, handle: (ctx) => { expireDueSessions(ctx.account); return route.handle(ctx); },
}));

function session(ctx: RouteContext): StripeObject {
  expireDueSessions(ctx.account);
  return ctx.account.getLive(COLLECTION, ctx.ids[0], 'checkout.session');
}

export const checkoutRoutes: Route[] = [
  ...sessionCrud,
  {
    method: 'POST', pattern: '/v1/checkout/sessions/:id/expire', returns: 'checkout.session',
    handle(ctx) {
      rejectUnknown(ctx.params, []);
      const found = session(ctx);
      if (found.status !== 'open') {
        throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${found.status}".`);
      }
      expire(ctx.account, found, ctx.request);
      return view(found);
    },
  },
  {
    method: 'GET', pattern: '/v1/checkout/sessions/:id/line_items', returns: 'list:item',
    handle(ctx) {
      const found = ctx.account.get(COLLECTION, ctx.ids[0], 'checkout.session');
      const items = ctx.account.get(LINE_ITEMS, found.id, 'checkout.session').data as StripeObject[];
      return paginate(items, ctx.params, `/v1/checkout/sessions/${found.id}/line_items`, 'item', []);
    },
  },
];

/** For expand.ts: a session's line items as the includable `line_items` list. */
export function sessionLineItems(account: Account, parent: StripeObject): StripeObject {
  const items = account.collection(LINE_ITEMS).get(parent.id)?.data ?? [];
  return { object: 'list', data: structuredClone(items), has_more: false, url: `/v1/checkout/sessions/${parent.id}/line_items` } as unknown as StripeObject;
}

// ---- the customer's part, for the control API -------------------------------------------------------------------

export interface CompleteOptions {
  /** A test card (`pm_card_visa`, `pm_card_chargeDeclined`, …) or `us_bank_account` (ACH Direct Debit: delayed). */
  paymentMethod?: string;
  email?: string;
  name?: string;
}

/** The session `id` in any of these accounts (platform or connected), with its account. */
export function findSession(accounts: Iterable<Account>, id: string): { account: Account; session: StripeObject } {
  for (const account of accounts) {
    for (const candidate of [account, ...account.connected.values()]) {
      const found = candidate.collection(COLLECTION).get(id);
      if (found) return { account: candidate, session: found };
    }
  }
  throw notFound('checkout.session', id);
}

function contextFor(account: Account, params: Params = {}): RouteContext {
  return { account, params, ids: [], request: CUSTOMER_ACTION, path: '/c/pay' };
}

function customerFor(account: Account, session: StripeObject, options: CompleteOptions, email: string): string | null {
  if (session.customer) return session.customer;
  // Payment mode creates a Customer only with customer_creation=always; subscription mode always needs one.
  if (session.mode === 'payment' && session.customer_creation !== 'always') return null;
  const create = catalogRoutes.find((route) => route.method === 'POST' && route.pattern === '/v1/customers')!;
  const params: Params = { email, ...(options.name ? { name: options.name } : {}) };
  return create.handle(contextFor(account, params)).id;
}

function customerDetails(email: string, name: string | null): Record<string, unknown> {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, business_name: null, email,
    individual_name: null, name, phone: null, tax_exempt: 'none', tax_ids: [],
  };
}

/**
 * The customer pays on the hosted page. Card: the payment goes through now (a declining test card throws its 402 and
 * the session stays open). `us_bank_account`: the session completes with payment_status `unpaid` and the payment stays
 * `processing` until settleSession.
 */
export function completeSession(account: Account, session: StripeObject, options: CompleteOptions = {}): StripeObject {
  expireDueSessions(account);
  if (session.status !== 'open') {
    throw invalidRequest(`This Checkout Session is ${session.status}: only an open session can be paid.`, undefined, 'id');
  }
  const paymentMethod = options.paymentMethod ?? 'pm_card_visa';
  const delayed = paymentMethod === 'us_bank_account';
  if (delayed && !session.payment_method_types.includes('us_bank_account')) {
    throw invalidRequest(`This session does not offer us_bank_account (it offers ${session.payment_method_types.join(', ')}; ACH Direct Debit is for USD payment-mode sessions).`, undefined, 'paymentMethod');
  }
  if (!delayed && !/^(pm_card_|tok_)/.test(paymentMethod)) throw invalidRequest('paymentMethod is a test card (pm_card_visa, pm_card_chargeDeclined, …) or us_bank_account.', undefined, 'paymentMethod');
  const existing = session.customer ? account.collection('customers').get(session.customer) : undefined;
  const email = options.email ?? session.customer_email ?? existing?.email ?? 'customer@example.com';
  const decline = delayed ? undefined : declineOf(paymentMethod);
  if (decline && session.mode === 'subscription') {
    // Checkout creates the subscription only once the card is accepted: nothing exists after a decline.
    throw new SandboxStripeError(402, 'card_error', decline.message, decline.code, undefined, { decline_code: decline.decline_code });
  }
  const ctx = contextFor(account);
  if (session.mode === 'subscription') return completeSubscription(account, session, paymentMethod, email, options);

  const customer = customerFor(account, session, options, email);
  const data = session._data as FormObject;
  // A payment attempt that was declined left its PaymentIntent on the session: the next attempt confirms that one.
  const earlier = session.payment_intent ? account.collection('payment_intents').get(session.payment_intent) : undefined;
  const pi = earlier?.status === 'requires_payment_method' ? earlier : openPaymentIntent(ctx, {
    amount: session.amount_total, currency: session.currency, customer, description: optionalString(data, 'description') ?? null,
  }, {
    metadata: mergeMetadata({}, data), capture_method: optionalString(data, 'capture_method') ?? 'automatic_async',
    receipt_email: optionalString(data, 'receipt_email') ?? null, statement_descriptor: optionalString(data, 'statement_descriptor') ?? null,
    payment_method_types: session.payment_method_types, payment_method_configuration_details: session.payment_method_configuration_details,
  });
  session.payment_intent = pi.id;
  if (delayed) {
    startBankDebit(ctx, pi);
  } else {
    // A decline throws here: the PaymentIntent stays requires_payment_method and the session open, as on the page.
    confirm(pi, ctx, paymentMethod);
  }
  Object.assign(session, {
    status: 'complete', payment_status: pi.status === 'succeeded' ? 'paid' : 'unpaid', customer, url: null,
    customer_details: customerDetails(email, options.name ?? null),
    collected_information: { business_name: null, individual_name: null, shipping_details: null },
  });
  account.emit('checkout.session.completed', view(session), CUSTOMER_ACTION);
  return view(session);
}

function completeSubscription(account: Account, session: StripeObject, paymentMethod: string, email: string, options: CompleteOptions): StripeObject {
  const customer = customerFor(account, session, options, email)!;
  const data = session._data as FormObject;
  const items = (account.get(LINE_ITEMS, session.id, 'checkout.session').data as StripeObject[]).map((item) => ({ price: item.price.id, quantity: String(item.quantity) }));
  const params: Params = { customer, items, default_payment_method: paymentMethod, ...pick(data, ['metadata', 'description', 'trial_period_days']) };
  const create = subscriptionRoutes.find((route) => route.method === 'POST' && route.pattern === '/v1/subscriptions')!;
  // The subscription takes the inline (inactive) prices of the session too: Checkout made them for it.
  const inactive = items.map((item) => account.get('prices', item.price, 'price')).filter((price) => !price.active);
  inactive.forEach((price) => { price.active = true; });
  let subscription: StripeObject;
  try {
    subscription = create.handle(contextFor(account, params));
  } finally {
    inactive.forEach((price) => { price.active = false; });
  }
  const invoice = account.collection('invoices').get(subscription.latest_invoice);
  Object.assign(session, {
    status: 'complete', payment_status: invoice && invoice.amount_due > 0 ? (invoice.status === 'paid' ? 'paid' : 'unpaid') : 'no_payment_required',
    customer, subscription: subscription.id, invoice: invoice?.id ?? null, url: null,
    customer_details: customerDetails(email, options.name ?? null),
    collected_information: { business_name: null, individual_name: null, shipping_details: null },
  });
  account.emit('checkout.session.completed', view(session), CUSTOMER_ACTION);
  return view(session);
}

function pick(data: FormObject, names: string[]): FormObject {
  return Object.fromEntries(Object.entries(data).filter(([key]) => names.includes(key)));
}

/** ACH Direct Debit started: a pending charge, the PaymentIntent `processing` (payment_intent.processing, charge.pending). */
function startBankDebit(ctx: RouteContext, pi: StripeObject): void {
  const charge = chargeFields(ctx, {
    amount: pi.amount, currency: pi.currency, customer: pi.customer, paymentIntent: pi.id, paymentMethod: bankPaymentMethod(ctx.account, null, null), captured: true,
    description: pi.description, receiptEmail: pi.receipt_email, pending: true,
  });
  Object.assign(charge, {
    status: 'pending', paid: false,
    outcome: { ...charge.outcome, network_status: 'approved_by_network', seller_message: 'Payment pending.', type: 'authorized' },
    payment_method_details: { type: 'us_bank_account', us_bank_account: bankAccountDetails(ctx.account.now()) },
  });
  ctx.account.insert('charges', charge);
  const before = { status: pi.status };
  Object.assign(pi, { status: 'processing', payment_method: charge.payment_method, latest_charge: charge.id });
  ctx.account.emit('payment_intent.processing', pi, ctx.request, before);
  ctx.account.emit('charge.pending', charge, ctx.request);
}

/** Stripe's test bank account (routing 110000000, account 000123456789). */
function bankAccountDetails(now: number): Record<string, unknown> {
  // ACH debits settle about four business days later; the date is a calendar date.
  const debitDate = new Date((now + 4 * 24 * HOUR) * 1000).toISOString().slice(0, 10);
  return {
    account_holder_type: 'individual', account_type: 'checking', bank_name: 'STRIPE TEST BANK', expected_debit_date: debitDate,
    fingerprint: 'FlowGuardTestBnk', last4: '6789', mandate: newId('mandate'), payment_reference: null, routing_number: '110000000',
  };
}

/** The bank answers a delayed payment: `succeeded` (funds arrived) or `failed` (e.g. insufficient funds). */
export function settleSession(account: Account, session: StripeObject, outcome: 'succeeded' | 'failed'): StripeObject {
  const pi = session.payment_intent ? account.collection('payment_intents').get(session.payment_intent) : undefined;
  if (session.status !== 'complete' || pi?.status !== 'processing') {
    throw invalidRequest('Only a completed session whose delayed payment is still processing can be settled (complete it with paymentMethod us_bank_account first).', undefined, 'id');
  }
  const charge = account.getLive('charges', pi.latest_charge, 'charge');
  const before = { status: pi.status };
  if (outcome === 'succeeded') {
    const balance = recordBalanceTransaction(account, { type: 'payment', amount: charge.amount, currency: charge.currency, source: charge.id, description: charge.description });
    Object.assign(charge, { status: 'succeeded', paid: true, balance_transaction: balance, outcome: { ...charge.outcome, seller_message: 'Payment complete.' } });
    account.emit('charge.succeeded', charge, CUSTOMER_ACTION);
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount });
    account.emit('payment_intent.succeeded', pi, CUSTOMER_ACTION, { ...before, amount_received: 0 });
    session.payment_status = 'paid';
    account.emit('checkout.session.async_payment_succeeded', view(session), CUSTOMER_ACTION);
  } else {
    const failure = { code: 'insufficient_funds', message: 'The customer\'s account has insufficient funds to cover this payment.' };
    Object.assign(charge, {
      status: 'failed', paid: false, captured: false, amount_captured: 0, failure_code: 'insufficient_funds', failure_message: failure.message,
      outcome: { ...charge.outcome, network_status: 'declined_by_network', seller_message: failure.message, type: 'issuer_declined' },
    });
    account.emit('charge.failed', charge, CUSTOMER_ACTION);
    Object.assign(pi, {
      status: 'requires_payment_method', payment_method: null,
      last_payment_error: { ...failure, charge: charge.id, doc_url: 'https://docs.stripe.com/error-codes/insufficient-funds', payment_method_type: 'us_bank_account', type: 'invalid_request_error' },
    });
    account.emit('payment_intent.payment_failed', pi, CUSTOMER_ACTION, before);
    account.emit('checkout.session.async_payment_failed', view(session), CUSTOMER_ACTION);
  }
  return view(session);
}
