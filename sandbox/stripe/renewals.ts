// What Stripe Billing does as a test clock's time passes, in time order: a subscription's period ends → it renews
// (`customer.subscription.updated` with the new period, then a `subscription_cycle` invoice, `invoice.created`); an
// hour later the invoice is finalized (`invoice.finalized`) and charged (`invoice.paid` + `invoice.payment_succeeded`,
// or `invoice.payment_failed` and the subscription `past_due`); failed renewals are retried on the schedule below
// (each failure another `invoice.payment_failed` with `next_payment_attempt`), and after the last one the subscription
// is canceled, marked `unpaid` or left `past_due`, per the account's setting (Stripe's "if all retries for a payment
// fail"). A paid retry turns the subscription `active` again. `cancel_at_period_end` ends it at the period end. A trial
// ends into its first renewal.
//
// Retry schedule (deterministic, in place of Smart Retries' learned times): Stripe's recommended Smart Retries
// default is "8 tries within 2 weeks"; the sandbox makes the first try when the invoice is finalized and retries
// 1, 3, 5, 7, 9, 11 and 14 days after it (`retryDays`, settable through POST /_sandbox/billing).
// Not modelled: hard decline codes that stop retries, `invoice.upcoming` and `customer.subscription.trial_will_end`,
// `incomplete_expired` after 23 hours, invoices of `unpaid` subscriptions (none are created).

import type { Account, StripeObject } from './account';
import { updateWithEvent } from './crud';
import { attemptPayment, createSubscriptionInvoice, finalizeInvoice, invoicePaymentMethod } from './invoices';
import type { RouteContext } from './routes';
import { addInterval } from './subscriptions';

const DAY = 24 * 60 * 60;

export interface BillingSettings {
  /** Days after the first failed attempt on which a renewal invoice is tried again. */
  retryDays: number[];
  /** The subscription after the last retry failed: canceled, `unpaid`, or left `past_due`. */
  afterFinalFailure: 'cancel' | 'unpaid' | 'past_due';
}

export const DEFAULT_BILLING: BillingSettings = { retryDays: [1, 3, 5, 7, 9, 11, 14], afterFinalFailure: 'cancel' };

export function checkBillingSettings(value: Record<string, unknown>): Partial<BillingSettings> {
  const unknown = Object.keys(value).filter((key) => key !== 'retryDays' && key !== 'afterFinalFailure');
  if (unknown.length) throw new Error(`Unknown billing settings: ${unknown.join(', ')}`);
  const { retryDays, afterFinalFailure } = value;
  if (retryDays !== undefined && !(Array.isArray(retryDays) && retryDays.every((day, i) => typeof day === 'number' && day > 0 && (i === 0 || day > retryDays[i - 1])))) {
    throw new Error('retryDays must be increasing positive numbers of days');
  }
  if (afterFinalFailure !== undefined && !['cancel', 'unpaid', 'past_due'].includes(afterFinalFailure as string)) {
    throw new Error('afterFinalFailure must be cancel, unpaid or past_due');
  }
  return value as Partial<BillingSettings>;
}

interface Due { at: number; order: number; run(ctx: RouteContext): void }

const periodEnd = (subscription: StripeObject): number => Math.min(...subscription.items.data.map((item: StripeObject) => item.current_period_end));

function subscriptionOf(account: Account, invoice: StripeObject): StripeObject | undefined {
  const id = invoice.parent?.subscription_details?.subscription;
  return id ? account.collection('subscriptions').get(id) : undefined;
}

/** The next thing Stripe would do for the clock's objects, no later than `until`. */
function nextDue(account: Account, clockId: string, until: number): Due | undefined {
  const candidates: Due[] = [];
  for (const invoice of account.collection('invoices').values()) {
    if (invoice.test_clock !== clockId) continue;
    if (invoice.status === 'draft' && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
      candidates.push({ at: invoice.automatically_finalizes_at, order: 0, run: (ctx) => finalizeAndCharge(ctx, invoice) });
    }
    if (invoice.status === 'open' && invoice.next_payment_attempt !== null) {
      candidates.push({ at: invoice.next_payment_attempt, order: 1, run: (ctx) => charge(ctx, invoice) });
    }
  }
  for (const subscription of account.collection('subscriptions').values()) {
    if (subscription.test_clock !== clockId || !['active', 'past_due', 'trialing'].includes(subscription.status)) continue;
    const end = subscription.status === 'trialing' ? subscription.trial_end : periodEnd(subscription);
    candidates.push({ at: end, order: 2, run: (ctx) => (subscription.cancel_at_period_end ? endSubscription(ctx, subscription, 'cancellation_requested') : renew(ctx, subscription)) });
  }
  const due = candidates.filter((candidate) => candidate.at <= until).sort((a, b) => a.at - b.at || a.order - b.order);
  return due[0];
}

/** Runs everything due on the clock's objects up to `target`, each at its own time. */
export function runUntil(account: Account, clockId: string, target: number): void {
  const ctx: RouteContext = { account, params: {}, ids: [], request: { requestId: null }, path: '' };
  // A bound on the work of one advance (two intervals of daily subscriptions with retries stay far below it).
  for (let step = 0; step < 10000; step++) {
    const due = nextDue(account, clockId, target);
    if (!due) return;
    account.atTime(due.at, () => due.run(ctx));
  }
  throw new Error('test clock advance did not settle');
}

function renew(ctx: RouteContext, subscription: StripeObject): void {
  const previousStart = Math.min(...subscription.items.data.map((item: StripeObject) => item.current_period_start));
  updateWithEvent(ctx, subscription, () => {
    for (const item of subscription.items.data as StripeObject[]) {
      const start = subscription.status === 'trialing' ? subscription.trial_end : item.current_period_end;
      Object.assign(item, { current_period_start: start, current_period_end: addInterval(start, item.price.recurring.interval, item.price.recurring.interval_count) });
    }
    if (subscription.status === 'trialing') subscription.status = 'active';
  }, 'customer.subscription.updated');
  createSubscriptionInvoice(ctx, subscription, false, 'subscription_cycle', previousStart);
}

function finalizeAndCharge(ctx: RouteContext, invoice: StripeObject): void {
  invoice.automatically_finalizes_at = null;
  finalizeInvoice(ctx, invoice);
  charge(ctx, invoice);
}

/** One automatic payment attempt (the first at finalization, then the retries); a failure moves the subscription on. */
function charge(ctx: RouteContext, invoice: StripeObject): void {
  const settings = billingOf(ctx.account);
  const paymentMethod = invoicePaymentMethod(ctx, invoice);
  const firstTry = invoice.status_transitions.finalized_at as number;
  let final = true;
  const scheduleNext = () => {
    const retry = settings.retryDays[invoice.attempt_count - 1];
    // Without a payment method Stripe does not retry.
    final = retry === undefined || !paymentMethod;
    invoice.next_payment_attempt = final ? null : firstTry + retry * DAY;
  };
  let failed: unknown;
  if (!paymentMethod && invoice.amount_due > 0) {
    Object.assign(invoice, { attempted: true, attempt_count: invoice.attempt_count + 1 });
    scheduleNext();
    ctx.account.emit('invoice.payment_failed', invoice, ctx.request);
    failed = true;
  } else {
    failed = attemptPayment(ctx, invoice, paymentMethod, scheduleNext);
  }
  if (!failed) return;
  const subscription = subscriptionOf(ctx.account, invoice);
  if (!subscription || subscription.status === 'canceled') return;
  if (subscription.status === 'active') updateWithEvent(ctx, subscription, () => { subscription.status = 'past_due'; }, 'customer.subscription.updated');
  if (!final) return;
  if (settings.afterFinalFailure === 'cancel') endSubscription(ctx, subscription, 'payment_failed');
  else if (settings.afterFinalFailure === 'unpaid') updateWithEvent(ctx, subscription, () => { subscription.status = 'unpaid'; }, 'customer.subscription.updated');
}

function endSubscription(ctx: RouteContext, subscription: StripeObject, reason: 'cancellation_requested' | 'payment_failed'): void {
  const now = ctx.account.now();
  Object.assign(subscription, {
    status: 'canceled', canceled_at: now, ended_at: now, cancellation_details: { ...subscription.cancellation_details, reason },
  });
  ctx.account.emit('customer.subscription.deleted', subscription, ctx.request);
}

/** The billing settings of an account (a connected account uses its platform's). */
export function billingOf(account: Account): BillingSettings {
  return (account.platform ?? account).billing ?? DEFAULT_BILLING;
}
