// `expand[]` as Stripe documents it (https://docs.stripe.com/api/expanding_objects, https://docs.stripe.com/expand):
// an expandable id field becomes the object, an includable field (invoice `payments`, charge `refunds`) is added,
// dots go deeper (`latest_charge.customer`), list and search responses start with `data.`, at most four levels.
// Paths are checked against the route's response type before the request runs, so a bad path changes nothing:
// "This property cannot be expanded (payment_intent.b)." names the path up to the first segment that cannot be
// expanded, as Stripe does; on a list, a path without `data.` gets Stripe's hint to try `data.<path>`.
// The expandable fields below are those the installed SDK types as `string | <Object>` for the objects the sandbox
// returns (PaymentMethods and balance transactions included); a field whose target the sandbox does not model expands
// to null, since the sandbox always leaves it null.

import type { Account, StripeObject } from './account';
import { invalidRequest, SandboxStripeError } from './errors';
import { balanceTransaction } from './balance';
import { paymentMethodFor } from './cards';
import { sessionLineItems } from './checkout';

/** Stripe's limit: "Expansions have a maximum depth of four levels" (https://docs.stripe.com/api/expanding_objects). */
export const MAX_EXPAND_DEPTH = 4;

type Rule =
  /** An id of an object the sandbox keeps: becomes that object (a deleted customer / product becomes its stub). */
  | { kind: 'id'; collection: string; type: string }
  /** Not in the response unless asked for. */
  | { kind: 'include'; type: string; load(account: Account, parent: StripeObject): StripeObject }
  /** An id whose object is looked up (or, for a test PaymentMethod, made) by `load`; `type` for deeper paths. */
  | { kind: 'load'; type?: string; load(account: Account, id: string): StripeObject }
  /** Expandable on Stripe; always null in the sandbox, so it expands to null. */
  | { kind: 'null' };

interface Shape {
  expand?: Record<string, Rule>;
  /** Sub-objects a path may walk through to reach an expandable field (`items.data.price.product`). */
  within?: Record<string, string>;
}

const id = (collection: string, type: string): Rule => ({ kind: 'id', collection, type });
const none: Rule = { kind: 'null' };
const paymentMethod: Rule = { kind: 'load', type: 'payment_method', load: paymentMethodFor };
const balance: Rule = { kind: 'load', type: 'balance_transaction', load: balanceTransaction };
/** A balance transaction's source: the charge or refund that moved the funds. */
const balanceSource: Rule = {
  kind: 'load',
  load: (account, source) => structuredClone(source.startsWith('re_') ? account.get('refunds', source, 'refund') : account.get('charges', source, 'charge')),
};
const customer = id('customers', 'customer');
const list = (url: string, data: StripeObject[]) => ({ object: 'list', data, has_more: false, url } as unknown as StripeObject);

const SHAPES: Record<string, Shape> = {
  customer: {
    expand: {
      default_source: none, test_clock: none,
      subscriptions: {
        kind: 'include', type: 'list:subscription',
        load: (account, parent) => list(`/v1/customers/${parent.id}/subscriptions`,
          account.newestFirst('subscriptions', (sub) => sub.customer === parent.id && !['canceled', 'incomplete_expired'].includes(sub.status))),
      },
      sources: { kind: 'include', type: 'list:source', load: (_account, parent) => list(`/v1/customers/${parent.id}/sources`, []) },
      tax_ids: { kind: 'include', type: 'list:tax_id', load: (_account, parent) => list(`/v1/customers/${parent.id}/tax_ids`, []) },
    },
    within: { invoice_settings: 'customer.invoice_settings' },
  },
  'customer.invoice_settings': { expand: { default_payment_method: paymentMethod } },
  payment_intent: {
    expand: {
      customer, latest_charge: id('charges', 'charge'), payment_method: paymentMethod,
      application: none, on_behalf_of: none, payment_record: none, review: none, source: none,
    },
  },
  charge: {
    expand: {
      customer, payment_intent: id('payment_intents', 'payment_intent'), balance_transaction: balance,
      application: none, application_fee: none, failure_balance_transaction: none, on_behalf_of: none, review: none,
      source_transfer: none, transfer: none,
      refunds: {
        kind: 'include', type: 'list:refund',
        load: (account, parent) => list(`/v1/charges/${parent.id}/refunds`, account.newestFirst('refunds', (refund) => refund.charge === parent.id)),
      },
    },
  },
  refund: {
    expand: {
      charge: id('charges', 'charge'), payment_intent: id('payment_intents', 'payment_intent'), customer,
      balance_transaction: balance, payment_method: paymentMethod,
      failure_balance_transaction: none, source_transfer_reversal: none, transfer_reversal: none,
    },
  },
  payment_method: { expand: { customer } },
  balance_transaction: { expand: { source: balanceSource } },
  product: { expand: { default_price: id('prices', 'price'), tax_code: none } },
  price: { expand: { product: id('products', 'product') } },
  plan: { expand: { product: id('products', 'product') } },
  dispute: { expand: { charge: id('charges', 'charge'), payment_intent: id('payment_intents', 'payment_intent') } },
  subscription: {
    expand: {
      customer, latest_invoice: id('invoices', 'invoice'), default_payment_method: paymentMethod,
      application: none, default_source: none, on_behalf_of: none, pending_setup_intent: none, schedule: none, test_clock: none,
    },
    within: { items: 'list:subscription_item' },
  },
  subscription_item: { within: { price: 'price', plan: 'plan' } },
  invoice: {
    expand: {
      customer, application: none, default_payment_method: none, default_source: none, latest_revision: none, on_behalf_of: none,
      test_clock: none,
      payments: {
        kind: 'include', type: 'list:invoice_payment',
        load: (account, parent) => list(`/v1/invoices/${parent.id}/payments`, account.newestFirst('invoice_payments', (payment) => payment.invoice === parent.id)),
      },
    },
    within: { lines: 'list:line_item', parent: 'invoice.parent' },
  },
  'invoice.parent': { within: { subscription_details: 'invoice.parent.subscription_details' } },
  'invoice.parent.subscription_details': { expand: { subscription: id('subscriptions', 'subscription') } },
  line_item: { expand: { subscription: id('subscriptions', 'subscription') }, within: { pricing: 'line_item.pricing' } },
  'line_item.pricing': { within: { price_details: 'line_item.pricing.price_details' } },
  'line_item.pricing.price_details': { expand: { price: id('prices', 'price') } },
  invoice_payment: { expand: { invoice: id('invoices', 'invoice') }, within: { payment: 'invoice_payment.payment' } },
  'checkout.session': {
    expand: {
      customer, payment_intent: id('payment_intents', 'payment_intent'), subscription: id('subscriptions', 'subscription'), invoice: id('invoices', 'invoice'),
      line_items: { kind: 'include', type: 'list:item', load: sessionLineItems }, payment_link: none, setup_intent: none,
    },
  },
  item: { within: { price: 'price' } },
  'invoice_payment.payment': { expand: { payment_intent: id('payment_intents', 'payment_intent'), charge: id('charges', 'charge'), payment_record: none } },
};

const isList = (type: string) => type.startsWith('list:') || type.startsWith('search:');
const itemType = (type: string) => type.slice(type.indexOf(':') + 1);

function cannotExpand(path: string, listHint: boolean): SandboxStripeError {
  const hint = listHint ? ` You may want to try expanding 'data.${path}' instead.` : '';
  return invalidRequest(`This property cannot be expanded (${path}).${hint}`, undefined, 'expand');
}

/** Refuses paths the response of type `type` cannot expand (before anything runs, so nothing changes). */
export function checkExpand(type: string | undefined, paths: string[]): void {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) {
      // "You cannot expand more than 4 levels of a property." (the `data.` of a list counts as a level).
      throw invalidRequest(`You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`, 'property_expansion_max_depth', 'expand').withoutDocUrl();
    }
    let current = type;
    segments.forEach((segment, index) => {
      const last = index === segments.length - 1;
      const sofar = segments.slice(0, index + 1).join('.');
      // A search result's total_count is left out unless asked for (search.ts adds it).
      if (current?.startsWith('search:') && index === 0 && path === 'total_count') return;
      if (current && isList(current)) {
        if (segment !== 'data') throw cannotExpand(sofar, index === 0);
        current = itemType(current);
        return;
      }
      const shape = current ? SHAPES[current] : undefined;
      const rule = shape?.expand?.[segment];
      if (rule?.kind === 'load' && !rule.type && !last) {
        throw invalidRequest(`Expanding beyond ${sofar} is not modelled by the sandbox.`, undefined, 'expand');
      }
      if (rule) {
        current = rule.kind === 'null' ? undefined : rule.type;
        return;
      }
      const within = shape?.within?.[segment];
      if (within && !last) {
        current = within;
        return;
      }
      throw cannotExpand(sofar, false);
    });
  }
}

function expandInto(account: Account, node: unknown, type: string, segments: string[]): void {
  if (node === null || typeof node !== 'object' || segments.length === 0) return;
  const record = node as Record<string, unknown>;
  if (isList(type)) {
    if (segments[0] !== 'data') return;
    // `expand[]=data` alone changes nothing.
    for (const item of (record.data as unknown[]) ?? []) expandInto(account, item, itemType(type), segments.slice(1));
    return;
  }
  // A deleted object (`{id, object, deleted: true}`) has nothing left to expand.
  if (record.deleted === true) return;
  const [segment, ...rest] = segments;
  const shape = SHAPES[type];
  const rule = shape?.expand?.[segment];
  if (!rule) {
    const within = shape?.within?.[segment];
    if (within) expandInto(account, record[segment], within, rest);
    return;
  }
  if (rule.kind === 'null') return;
  if (rule.kind === 'include') {
    if (record[segment] === undefined) record[segment] = rule.load(account, record as StripeObject);
  } else if (rule.kind === 'load') {
    if (typeof record[segment] === 'string') record[segment] = rule.load(account, record[segment] as string);
  } else if (typeof record[segment] === 'string') {
    record[segment] = structuredClone(account.get(rule.collection, record[segment] as string, rule.type));
  }
  if (rule.type) expandInto(account, record[segment], rule.type, rest);
}

/** A copy of `result` (of type `type`) with `paths` expanded; the stored objects are not touched. */
export function applyExpand(account: Account, type: string | undefined, result: StripeObject, paths: string[]): StripeObject {
  if (!type || paths.length === 0) return result;
  const copy = structuredClone(result);
  for (const path of paths) expandInto(account, copy, type, path.split('.'));
  return copy;
}
