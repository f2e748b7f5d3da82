// Balance transactions (https://docs.stripe.com/api/balance_transactions): one per movement of funds the sandbox makes,
// a captured card charge (type `charge`), a settled bank debit (`payment`) and a refund (`refund`), so
// `latest_charge.balance_transaction` expands to the fee and net of a payment, as Stripe's docs show. Simplified: the
// account settles in the charge's currency (no exchange_rate), fees are Stripe's standard US prices (cards 2.9% + 30 in
// the smallest unit, ACH Direct Debit 0.8% capped at 5.00, refunds none), funds are available two days after creation.

import { Account, newId, paginate, StripeObject } from './account';
import { optionalString } from './params';
import type { Route, RouteContext } from './routes';

const COLLECTION = 'balance_transactions';
const DAY = 24 * 60 * 60;

export type BalanceType = 'charge' | 'payment' | 'refund';

function feeFor(type: BalanceType, amount: number): number {
  if (type === 'refund') return 0;
  if (type === 'payment') return Math.min(Math.round(amount * 0.008), 500);
  return Math.round(amount * 0.029) + 30;
}

/** Records the balance transaction of a charge, bank payment or refund (`amount` signed: refunds are negative); its id. */
export function recordBalanceTransaction(account: Account, input: { type: BalanceType; amount: number; currency: string; source: string; description: string | null }): string {
  const fee = feeFor(input.type, input.amount);
  const created = account.now();
  const transaction = {
    id: newId('txn'), object: 'balance_transaction', amount: input.amount, available_on: created + 2 * DAY, balance_type: 'payments', created,
    currency: input.currency, description: input.description, exchange_rate: null, fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: input.currency, description: 'Stripe processing fees', type: 'stripe_fee' }] : [],
    net: input.amount - fee, reporting_category: input.type === 'refund' ? 'refund' : 'charge', source: input.source, status: 'pending', type: input.type,
  } as unknown as StripeObject;
  account.insert(COLLECTION, transaction);
  return transaction.id;
}

/** As the API shows it: `available` once its available_on has passed (at the account's time, which test clocks move). */
function view(account: Account, transaction: StripeObject): StripeObject {
  return { ...transaction, status: account.now() >= transaction.available_on ? 'available' : 'pending' };
}

/** A balance transaction as the API shows it (for `expand[]`). */
export function balanceTransaction(account: Account, id: string): StripeObject {
  return view(account, account.get(COLLECTION, id, 'balance transaction'));
}

export const balanceRoutes: Route[] = [
  {
    method: 'GET', pattern: '/v1/balance_transactions/:id', returns: 'balance_transaction',
    handle: (ctx) => balanceTransaction(ctx.account, ctx.ids[0]),
  },
  {
    method: 'GET', pattern: '/v1/balance_transactions', returns: 'list:balance_transaction',
    handle(ctx: RouteContext) {
      const [type, source, currency] = ['type', 'source', 'currency'].map((name) => optionalString(ctx.params, name));
      const items = ctx.account.newestFirst(COLLECTION, (transaction) => (!type || transaction.type === type) && (!source || transaction.source === source)
        && (!currency || transaction.currency === currency.toLowerCase()));
      return paginate(items.map((transaction) => view(ctx.account, transaction)), ctx.params, '/v1/balance_transactions', 'balance transaction', ['type', 'source', 'currency']);
    },
  },
];
