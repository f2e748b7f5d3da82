// Coupons and the discounts they give subscriptions: `POST /v1/coupons` (`percent_off` or `amount_off` + `currency`,
// `duration` once / repeating (`duration_in_months`) / forever, `max_redemptions`, `redeem_by`, `name`, `id`),
// retrieve, update (name, metadata), list, delete. A subscription created or updated with `discounts[n][coupon]`
// gets a `di_…` discount (its `discounts` lists the ids; `expand[]=discounts` is not modelled); each of its invoices
// takes the discount off the discountable lines while it lasts: `once` for the first invoice, `repeating` until
// `end`, `forever` always. Percentages round half up per invoice; an amount off never exceeds the subtotal.
// Not modelled: promotion codes, customer-level discounts, `applies_to` products, `currency_options`, invoice-item
// discounts.

import { newId, StripeObject } from './account';
import { currencyOf } from './amounts';
import { crudRoutes } from './crud';
import { invalidRequest, missingParam } from './errors';
import type { FormObject } from './form';
import { optionalEnum, optionalInt, optionalString, Params } from './params';
import type { Route, RouteContext } from './routes';
import { addInterval } from './subscriptions';

const DURATIONS = ['once', 'repeating', 'forever'] as const;

function buildCoupon(ctx: RouteContext): Record<string, unknown> {
  const p = ctx.params;
  const percentOff = p.percent_off === undefined ? undefined : Number(p.percent_off);
  const amountOff = optionalInt(p, 'amount_off');
  if ((percentOff === undefined) === (amountOff === undefined)) throw invalidRequest('You must pass exactly one of percent_off or amount_off.');
  if (percentOff !== undefined && !(percentOff > 0 && percentOff <= 100)) throw invalidRequest('Invalid percent_off: must be greater than 0 and at most 100', undefined, 'percent_off');
  if (amountOff !== undefined && amountOff <= 0) throw invalidRequest('Invalid amount_off: must be a positive integer', undefined, 'amount_off');
  const currency = optionalString(p, 'currency');
  if (amountOff !== undefined && !currency) throw missingParam('currency');
  const duration = optionalEnum(p, 'duration', DURATIONS) ?? 'once';
  const months = optionalInt(p, 'duration_in_months');
  if (duration === 'repeating' && !months) throw invalidRequest('You must specify duration_in_months when duration is repeating.', undefined, 'duration_in_months');
  if (duration !== 'repeating' && months !== undefined) throw invalidRequest('duration_in_months can only be set when duration is repeating.', undefined, 'duration_in_months');
  const id = optionalString(p, 'id') ?? newId('', 8).slice(1).toUpperCase();
  if (ctx.account.collection('coupons').has(id)) throw invalidRequest('Coupon already exists.', 'resource_already_exists', 'id');
  return {
    id, amount_off: amountOff ?? null, currency: amountOff !== undefined ? currencyOf(currency) : null, duration, duration_in_months: months ?? null,
    max_redemptions: optionalInt(p, 'max_redemptions') ?? null, name: optionalString(p, 'name') ?? null, percent_off: percentOff ?? null,
    redeem_by: optionalInt(p, 'redeem_by') ?? null, times_redeemed: 0, valid: true,
  };
}

export const couponRoutes: Route[] = crudRoutes({
  path: '/v1/coupons', collection: 'coupons', object: 'coupon', idPrefix: 'coupon',
  createParams: ['id', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months', 'max_redemptions', 'redeem_by', 'name'],
  updateParams: ['name'],
  build: buildCoupon,
  update(coupon, ctx) {
    const name = optionalString(ctx.params, 'name');
    if (name !== undefined) coupon.name = name || null;
  },
  deletable: true,
});

/** `discounts[n][coupon]` of a subscription create / update → discount objects (redeeming each coupon once). */
export function discountsFor(ctx: RouteContext, params: Params, subscription: { id: string; customer: string }): string[] | undefined {
  const given = params.discounts;
  if (given === undefined) return undefined;
  if (given === '') return [];
  if (!Array.isArray(given)) throw invalidRequest('Invalid array', 'parameter_invalid_array', 'discounts');
  return (given as FormObject[]).map((entry, index) => {
    const couponId = typeof entry === 'object' ? optionalString(entry, 'coupon') : undefined;
    if (!couponId) throw invalidRequest('Only discounts[n][coupon] is modelled by the sandbox.', 'parameter_missing', `discounts[${index}][coupon]`);
    const coupon = ctx.account.getReferenced('coupons', couponId, 'coupon', `discounts[${index}][coupon]`);
    const now = ctx.account.now();
    if (!coupon.valid || (coupon.redeem_by !== null && coupon.redeem_by < now) || (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)) {
      throw invalidRequest(`Coupon expired: ${coupon.id}`, 'coupon_expired', `discounts[${index}][coupon]`);
    }
    coupon.times_redeemed += 1;
    if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) coupon.valid = false;
    const discount = {
      id: newId('di'), object: 'discount', checkout_session: null, customer: subscription.customer, customer_account: null,
      end: coupon.duration === 'repeating' ? addInterval(now, 'month', coupon.duration_in_months) : null, invoice: null, invoice_item: null, promotion_code: null,
      source: { coupon: coupon.id, type: 'coupon' }, start: now, subscription: subscription.id, subscription_item: null,
      // What the sandbox needs to apply it: the coupon as it was when redeemed, and whether a `once` discount was used.
      coupon: structuredClone(coupon), used: false,
    } as StripeObject;
    ctx.account.insert('discounts', discount);
    return discount.id as string;
  });
}

/** The discount as the API shows it (without the sandbox's own bookkeeping). */
export function discountView(discount: StripeObject): StripeObject {
  const { coupon: _coupon, used: _used, ...shown } = discount;
  return shown as StripeObject;
}

/** Takes the subscription's live discounts off a draft invoice's discountable lines and totals. */
export function applyDiscounts(ctx: RouteContext, subscription: StripeObject, invoice: StripeObject): void {
  const now = ctx.account.now();
  const live = ((subscription.discounts ?? []) as string[])
    .map((id) => ctx.account.collection('discounts').get(id))
    .filter((discount): discount is StripeObject => !!discount && !discount.used && (discount.end === null || discount.end > now));
  if (live.length === 0) return;
  const lines = invoice.lines.data as StripeObject[];
  let remaining = lines.filter((line) => line.discountable).reduce((sum, line) => sum + Math.max(0, line.amount), 0);
  const totals: { amount: number; discount: string }[] = [];
  for (const discount of live) {
    const coupon = discount.coupon;
    if (coupon.amount_off !== null && coupon.currency !== invoice.currency) continue;
    const amount = Math.min(remaining, coupon.percent_off !== null ? Math.round((remaining * coupon.percent_off) / 100) : coupon.amount_off);
    remaining -= amount;
    totals.push({ amount, discount: discount.id });
    if (coupon.duration === 'once') discount.used = true;
  }
  const discounted = totals.reduce((sum, entry) => sum + entry.amount, 0);
  // Spread over the discountable lines in proportion (the last line takes the rounding).
  const base = lines.filter((line) => line.discountable && line.amount > 0);
  const baseTotal = base.reduce((sum, line) => sum + line.amount, 0);
  let left = discounted;
  base.forEach((line, index) => {
    const share = index === base.length - 1 ? left : Math.round((discounted * line.amount) / baseTotal);
    left -= share;
    line.discount_amounts = totals.length ? [{ amount: share, discount: totals[0].discount }] : [];
    line.discounts = totals.map((entry) => entry.discount);
  });
  const total = invoice.subtotal - discounted;
  Object.assign(invoice, {
    discounts: totals.map((entry) => entry.discount), total_discount_amounts: totals, total, total_excluding_tax: total,
    amount_due: total, amount_remaining: total,
  });
}
