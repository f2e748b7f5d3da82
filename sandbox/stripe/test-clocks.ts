// Test clocks (`/v1/test_helpers/test_clocks`): a clock holds a frozen time; customers attached to it (created with
// `test_clock`, or named by the clock's `customer` at creation) and everything made for them (subscriptions, invoices,
// payments, their events' `created`) live at that time instead of the real one. `advance` moves it forward: the answer
// says `advancing` (`test_helpers.test_clock.advancing`), then — after the response, as on Stripe — renewals,
// finalizations and payment retries due in between run in time order (renewals.ts) and the clock turns `ready`
// (`test_helpers.test_clock.ready`). Stripe limits one advance to two intervals of the clock's shortest subscription
// (the refusal's wording is the sandbox's). A deleted clock deletes its customers. Clocks are deleted 30 days after
// creation on Stripe (`deletes_after`); the sandbox keeps them.

import { Account, newId, StripeObject } from './account';
import { crudRoutes } from './crud';
import { invalidRequest, missingParam } from './errors';
import { optionalString, Params, requireInt, rejectUnknown } from './params';
import { runUntil } from './renewals';
import type { Route, RouteContext } from './routes';
import { addInterval } from './subscriptions';

const COLLECTION = 'test_clocks';
const DAY = 24 * 60 * 60;

function clockOf(account: Account, id: string): StripeObject {
  return account.getLive(COLLECTION, id, 'test clock');
}

// Retrieve, list and delete are the generic ones (delete also deletes the clock's customers); create is below
// (a clock has no metadata, and the customer it names is attached to it).
const clockCrud = crudRoutes({
  path: '/v1/test_helpers/test_clocks', collection: COLLECTION, object: 'test_helpers.test_clock', idPrefix: 'clock',
  updateParams: [], eventPrefix: 'test_helpers.test_clock', deletable: true,
  beforeDelete(clock, ctx) {
    for (const customer of [...ctx.account.collection('customers').values()]) {
      if (customer.test_clock === clock.id) ctx.account.remove('customers', customer.id, 'customer');
    }
  },
}).filter((route) => !(route.method === 'POST' && route.pattern === '/v1/test_helpers/test_clocks/:id'));

const create: Route = {
  method: 'POST', pattern: '/v1/test_helpers/test_clocks', returns: 'test_helpers.test_clock',
  handle(ctx) {
    rejectUnknown(ctx.params, ['frozen_time', 'name', 'customer', 'expand']);
    if (ctx.params.frozen_time === undefined) throw missingParam('frozen_time');
    const frozen = requireInt(ctx.params, 'frozen_time');
    const customerId = optionalString(ctx.params, 'customer');
    const customer = customerId ? ctx.account.getReferenced('customers', customerId, 'customer', 'customer') : undefined;
    if (customer?.test_clock) throw invalidRequest(`Customer ${customer.id} is already attached to test clock ${customer.test_clock}.`, undefined, 'customer');
    const now = ctx.account.now();
    const clock = ctx.account.insert(COLLECTION, {
      id: newId('clock'), object: 'test_helpers.test_clock', created: now, deletes_after: now + 30 * DAY, frozen_time: frozen,
      livemode: ctx.account.livemode, name: optionalString(ctx.params, 'name') ?? null, status: 'ready', status_details: {},
    } as StripeObject);
    if (customer) customer.test_clock = clock.id;
    ctx.account.emit('test_helpers.test_clock.created', clock, ctx.request);
    return clock;
  },
};

/** The latest time one advance may reach: two intervals of the shortest subscription on the clock. */
function advanceLimit(account: Account, clock: StripeObject): number {
  let limit = Infinity;
  for (const subscription of account.collection('subscriptions').values()) {
    if (subscription.test_clock !== clock.id || subscription.status === 'canceled') continue;
    for (const item of subscription.items.data as StripeObject[]) {
      limit = Math.min(limit, addInterval(clock.frozen_time, item.price.recurring.interval, 2 * item.price.recurring.interval_count));
    }
  }
  return limit;
}

const advance: Route = {
  method: 'POST', pattern: '/v1/test_helpers/test_clocks/:id/advance', returns: 'test_helpers.test_clock',
  handle(ctx) {
    rejectUnknown(ctx.params, ['frozen_time']);
    if (ctx.params.frozen_time === undefined) throw missingParam('frozen_time');
    const target = requireInt(ctx.params, 'frozen_time');
    const clock = clockOf(ctx.account, ctx.ids[0]);
    if (clock.status !== 'ready') throw invalidRequest(`Test clock ${clock.id} is ${clock.status}; wait until it is ready before advancing it again.`);
    if (target <= clock.frozen_time) throw invalidRequest('The frozen_time must be after the test clock\'s current frozen_time.', undefined, 'frozen_time');
    const limit = advanceLimit(ctx.account, clock);
    if (target > limit) {
      throw invalidRequest(`A test clock can advance at most two intervals of its shortest subscription at a time (to ${limit} or earlier).`, undefined, 'frozen_time');
    }
    const from = clock.frozen_time;
    const account = ctx.account;
    account.atTime(from, () => {
      Object.assign(clock, { status: 'advancing', frozen_time: target });
      account.emit('test_helpers.test_clock.advancing', clock, ctx.request);
    });
    // The work runs after the answer, as Stripe's does; clients poll until `ready`.
    setImmediate(() => {
      try {
        runUntil(account, clock.id, target);
        account.atTime(target, () => {
          clock.status = 'ready';
          account.emit('test_helpers.test_clock.ready', clock, { requestId: null });
        });
      } catch (err) {
        Object.assign(clock, { status: 'internal_failure', status_details: { advancing: { target_frozen_time: target } } });
        account.emit('test_helpers.test_clock.internal_failure', clock, { requestId: null });
        void err;
      }
    });
    return structuredClone(clock);
  },
};

export const testClockRoutes: Route[] = [...clockCrud, create, advance];

/** A customer's clock for `POST /v1/customers` with `test_clock` (checked to exist). */
export function customerTestClock(ctx: RouteContext): string | null {
  const id = optionalString(ctx.params, 'test_clock');
  return id ? ctx.account.getReferenced(COLLECTION, id, 'test clock', 'test_clock').id : null;
}

function clockTime(account: Account, clockId: unknown): number | undefined {
  if (typeof clockId !== 'string') return undefined;
  return account.collection(COLLECTION).get(clockId)?.frozen_time;
}

const OWNED: Record<string, string> = {
  '/v1/customers/:id': 'customers', '/v1/subscriptions/:id': 'subscriptions', '/v1/invoices/:id': 'invoices', '/v1/invoices/:id/pay': 'invoices',
  '/v1/invoices/:id/void': 'invoices', '/v1/payment_intents/:id': 'payment_intents', '/v1/payment_intents/:id/confirm': 'payment_intents',
};

/**
 * The time a request runs at: a test clock's frozen time when it acts on a clock's customer (named by `test_clock`,
 * `customer`, or the object the path names), otherwise undefined (real time).
 */
export function requestClockTime(account: Account, pattern: string, params: Params, ids: string[]): number | undefined {
  const direct = clockTime(account, params.test_clock);
  if (direct !== undefined) return direct;
  const customerOf = (id: unknown) => (typeof id === 'string' ? account.collection('customers').get(id) : undefined);
  const fromParams = customerOf(params.customer);
  if (fromParams) return clockTime(account, fromParams.test_clock);
  const collection = OWNED[pattern];
  const object = collection ? account.collection(collection).get(ids[0]) : undefined;
  if (!object) return undefined;
  if (object.object === 'customer') return clockTime(account, object.test_clock);
  return clockTime(account, object.test_clock ?? customerOf(object.customer)?.test_clock);
}
