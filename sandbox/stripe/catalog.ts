// Customers, products, prices, webhook endpoints and events.

import { createHash } from 'crypto';
import { newId, paginate, StripeObject } from './account';
import { currencyOf } from './amounts';
import { crudRoutes } from './crud';
import { invalidRequest, missingParam } from './errors';
import { optionalBool, optionalInt, optionalObject, optionalString, optionalStringList, Params, requireString } from './params';
import { customerTestClock } from './test-clocks';
import type { Route, RouteContext } from './routes';

const CUSTOMER_FIELDS = ['email', 'name', 'description', 'phone'] as const;

function assignStrings(object: StripeObject, params: Params, names: readonly string[]): void {
  for (const name of names) {
    const value = optionalString(params, name);
    if (value !== undefined) object[name] = value === '' ? null : value;
  }
}

/** `invoice_settings[default_payment_method]`: what subscriptions and invoices pay with when they name none. */
function defaultPaymentMethod(params: Params): string | undefined {
  const settings = optionalObject(params, 'invoice_settings');
  if (!settings) return undefined;
  for (const key of Object.keys(settings)) {
    if (key !== 'default_payment_method') throw invalidRequest(`Received unknown parameter: invoice_settings[${key}]`, 'parameter_unknown', `invoice_settings[${key}]`);
  }
  return settings.default_payment_method === undefined ? undefined : optionalString(settings, 'default_payment_method');
}

const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'];

/** An address hash with every field Stripe returns (null when not given); `address=` clears it. */
function addressOf(params: Params, name: string): Record<string, string | null> | null | undefined {
  if (params[name] === '') return null;
  const given = optionalObject(params, name);
  if (!given) return undefined;
  const address: Record<string, string | null> = {};
  for (const key of Object.keys(given)) {
    if (!ADDRESS_FIELDS.includes(key)) throw invalidRequest(`Received unknown parameter: ${name}[${key}]`, 'parameter_unknown', `${name}[${key}]`);
  }
  for (const key of ADDRESS_FIELDS) address[key] = optionalString(given, key) || null;
  return address;
}

/** Stripe gives each customer an invoice prefix (invoice numbers are `<prefix>-0001`, `-0002`, …). */
function invoicePrefix(customerId: string): string {
  return createHash('sha256').update(customerId).digest('hex').slice(0, 8).toUpperCase();
}

const customers = crudRoutes({
  path: '/v1/customers', collection: 'customers', object: 'customer', idPrefix: 'cus',
  createParams: [...CUSTOMER_FIELDS, 'payment_method', 'address', 'balance', 'preferred_locales', 'invoice_settings', 'shipping', 'test_clock'],
  updateParams: [...CUSTOMER_FIELDS, 'address', 'balance', 'preferred_locales', 'invoice_settings', 'shipping', 'default_source'],
  listParams: ['email'],
  listFilter: (object, params) => params.email === undefined || object.email === params.email,
  build(ctx) {
    const id = newId('cus', 14);
    const object = {
      id, address: addressOf(ctx.params, 'address') ?? null, balance: optionalInt(ctx.params, 'balance') ?? 0, currency: null,
      default_source: null, delinquent: false, description: null, discount: null, email: null, invoice_prefix: invoicePrefix(id),
      invoice_settings: {
        custom_fields: null, default_payment_method: defaultPaymentMethod(ctx.params) ?? optionalString(ctx.params, 'payment_method') ?? null,
        footer: null, rendering_options: null,
      },
      name: null, next_invoice_sequence: 1, phone: null, preferred_locales: optionalStringList(ctx.params, 'preferred_locales') ?? [],
      shipping: optionalObject(ctx.params, 'shipping') ?? null, tax_exempt: 'none', test_clock: customerTestClock(ctx),
    } as unknown as StripeObject;
    assignStrings(object, ctx.params, CUSTOMER_FIELDS);
    return object;
  },
  update(object, ctx) {
    assignStrings(object, ctx.params, CUSTOMER_FIELDS);
    const balance = optionalInt(ctx.params, 'balance');
    if (balance !== undefined) object.balance = balance;
    const address = addressOf(ctx.params, 'address');
    if (address !== undefined) object.address = address;
    const paymentMethod = defaultPaymentMethod(ctx.params);
    if (paymentMethod !== undefined) object.invoice_settings = { ...object.invoice_settings, default_payment_method: paymentMethod || null };
  },
  deletable: true, searchable: true,
});

/** A product as API 2026-10-28 returns it (products created through the API are services unless said otherwise). */
export function productFields(ctx: RouteContext, name: string): Record<string, unknown> {
  return {
    active: optionalBool(ctx.params, 'active') ?? true, default_price: null, description: null, images: [], marketing_features: [], name,
    package_dimensions: null, shippable: null, statement_descriptor: null, tax_code: null, tax_details: null, type: 'service', unit_label: null,
    updated: ctx.account.now(), url: null,
  };
}

const products = crudRoutes({
  path: '/v1/products', collection: 'products', object: 'product', idPrefix: 'prod',
  createParams: ['name', 'active', 'description', 'images', 'url', 'unit_label', 'tax_code', 'id'],
  updateParams: ['name', 'active', 'description', 'images', 'url', 'unit_label', 'tax_code', 'default_price'],
  listParams: ['active', 'ids'],
  listFilter: (object, params) => params.active === undefined || String(object.active) === params.active,
  build(ctx) {
    const object = productFields(ctx, requireString(ctx.params, 'name')) as StripeObject;
    object.images = optionalStringList(ctx.params, 'images') ?? [];
    assignStrings(object, ctx.params, ['description', 'url', 'unit_label', 'tax_code']);
    const customId = optionalString(ctx.params, 'id');
    if (customId) {
      if (ctx.account.collection('products').has(customId)) throw invalidRequest(`Product already exists.`, 'resource_already_exists', 'id');
      object.id = customId;
    }
    return object;
  },
  update(object, ctx) {
    assignStrings(object, ctx.params, ['name', 'description', 'url', 'unit_label', 'tax_code', 'default_price']);
    const active = optionalBool(ctx.params, 'active');
    if (active !== undefined) object.active = active;
    object.updated = ctx.account.now();
  },
  deletable: true,
  beforeDelete(object, ctx) {
    const hasPrices = [...ctx.account.collection('prices').values()].some((price) => price.product === object.id);
    if (hasPrices) throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.', 'resource_in_use');
  },
  searchable: true,
});

const prices = crudRoutes({
  path: '/v1/prices', collection: 'prices', object: 'price', idPrefix: 'price',
  createParams: ['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'nickname', 'active', 'lookup_key', 'billing_scheme', 'tax_behavior'],
  updateParams: ['active', 'nickname', 'lookup_key', 'tax_behavior'],
  listParams: ['product', 'active', 'currency', 'type', 'lookup_keys'],
  listFilter: (object, params) =>
    (params.product === undefined || object.product === params.product) &&
    (params.active === undefined || String(object.active) === params.active) &&
    (params.currency === undefined || object.currency === params.currency) &&
    (params.type === undefined || object.type === params.type),
  build(ctx) {
    const productData = optionalObject(ctx.params, 'product_data');
    let product = optionalString(ctx.params, 'product');
    if (!product && !productData) throw missingParam('product');
    if (product) ctx.account.getReferenced('products', product, 'product', 'product');
    else {
      const name = productData!.name;
      if (typeof name !== 'string' || !name) throw missingParam('product_data[name]');
      product = newId('prod');
      const created = { id: product, object: 'product', created: ctx.account.now(), livemode: ctx.account.livemode, metadata: {}, ...productFields(ctx, name), active: true };
      ctx.account.insert('products', created);
      ctx.account.emit('product.created', created, ctx.request);
    }
    const unitAmount = optionalInt(ctx.params, 'unit_amount');
    if (unitAmount === undefined) throw missingParam('unit_amount');
    const recurring = optionalObject(ctx.params, 'recurring');
    if (recurring) {
      const interval = recurring.interval;
      if (!['day', 'week', 'month', 'year'].includes(interval as string)) throw invalidRequest('Invalid recurring[interval]', 'parameter_invalid_string', 'recurring[interval]');
    }
    return {
      active: optionalBool(ctx.params, 'active') ?? true, billing_scheme: 'per_unit', currency: currencyOf(optionalString(ctx.params, 'currency')),
      custom_unit_amount: null, lookup_key: optionalString(ctx.params, 'lookup_key') ?? null, nickname: optionalString(ctx.params, 'nickname') ?? null, product,
      recurring: recurring
        ? { interval: recurring.interval, interval_count: Number(recurring.interval_count ?? 1), meter: null, trial_period_days: null, usage_type: 'licensed' }
        : null,
      tax_behavior: optionalString(ctx.params, 'tax_behavior') ?? 'unspecified', tiers_mode: null, transform_quantity: null,
      type: recurring ? 'recurring' : 'one_time', unit_amount: unitAmount, unit_amount_decimal: String(unitAmount),
    };
  },
  update(object, ctx) {
    assignStrings(object, ctx.params, ['nickname', 'lookup_key', 'tax_behavior']);
    const active = optionalBool(ctx.params, 'active');
    if (active !== undefined) object.active = active;
  },
  searchable: true,
});

/** The signing secret is shown only in the create response, as on Stripe; `connect` is kept but not part of the object. */
const hideSecret = (object: StripeObject): StripeObject => {
  const { secret: _secret, connect: _connect, ...rest } = object;
  return rest as StripeObject;
};
const hideConnect = (object: StripeObject): StripeObject => {
  const { connect: _connect, ...rest } = object;
  return rest as StripeObject;
};

function enabledEvents(params: Params): string[] | undefined {
  const events = optionalStringList(params, 'enabled_events');
  if (events && events.length === 0) throw invalidRequest('enabled_events cannot be empty', 'parameter_invalid_array', 'enabled_events');
  return events;
}

function checkUrl(url: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw invalidRequest(`Invalid URL: ${url}`, 'url_invalid', 'url');
  return url;
}

const webhookEndpoints = crudRoutes({
  path: '/v1/webhook_endpoints', collection: 'webhook_endpoints', object: 'webhook_endpoint', idPrefix: 'we',
  createParams: ['url', 'enabled_events', 'description', 'api_version', 'connect'],
  updateParams: ['url', 'enabled_events', 'description', 'disabled'],
  build(ctx) {
    const events = enabledEvents(ctx.params);
    if (!events) throw missingParam('enabled_events');
    return {
      api_version: optionalString(ctx.params, 'api_version') ?? null, application: null, description: optionalString(ctx.params, 'description') ?? null,
      enabled_events: events, secret: newId('whsec', 32), status: 'enabled', url: checkUrl(requireString(ctx.params, 'url')),
      // Connect endpoint: receives the events of the platform's connected accounts (with `account` set).
      connect: optionalBool(ctx.params, 'connect') ?? false,
    };
  },
  update(object, ctx) {
    const url = optionalString(ctx.params, 'url');
    if (url !== undefined) object.url = checkUrl(url);
    const events = enabledEvents(ctx.params);
    if (events) object.enabled_events = events;
    assignStrings(object, ctx.params, ['description']);
    const disabled = optionalBool(ctx.params, 'disabled');
    if (disabled !== undefined) object.status = disabled ? 'disabled' : 'enabled';
  },
  deletable: true, events: false, view: hideSecret, createView: hideConnect,
});

/** `type` accepts a trailing `*` wildcard (`charge.*`), as on Stripe. */
function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

const events: Route[] = [
  { method: 'GET', pattern: '/v1/events/:id', returns: 'event', handle: (ctx) => ctx.account.get('events', ctx.ids[0], 'event') },
  {
    method: 'GET', pattern: '/v1/events', returns: 'list:event',
    handle(ctx: RouteContext) {
      const type = optionalString(ctx.params, 'type');
      const types = optionalStringList(ctx.params, 'types');
      const success = optionalBool(ctx.params, 'delivery_success');
      const items = ctx.account.newestFirst('events', (event) => {
        if (type && !typeMatches(event.type, type)) return false;
        if (types && !types.some((pattern) => typeMatches(event.type, pattern))) return false;
        if (success === undefined) return true;
        const state = ctx.account.delivery.get(event.id);
        const delivered = !state || (state.pending === 0 && !state.failed);
        return delivered === success;
      });
      return paginate(items, ctx.params, '/v1/events', 'event', ['type', 'types', 'delivery_success']);
    },
  },
];

export const catalogRoutes: Route[] = [...customers, ...products, ...prices, ...webhookEndpoints, ...events];
