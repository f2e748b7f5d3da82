// Stripe's test payment methods and tokens (https://docs.stripe.com/testing): the card each one stands for (what a
// charge's payment_method_details.card shows) and the ones that decline, with their decline codes.

import { createHash } from 'crypto';
import { Account, newId, StripeObject } from './account';
import { notFound } from './errors';
import type { Route } from './routes';

export interface TestCard { brand: string; last4: string; funding: string; country: string }

const CARDS: Record<string, TestCard> = {
  visa: { brand: 'visa', last4: '4242', funding: 'credit', country: 'US' },
  visa_debit: { brand: 'visa', last4: '5556', funding: 'debit', country: 'US' },
  mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', country: 'US' },
  amex: { brand: 'amex', last4: '8431', funding: 'credit', country: 'US' },
  chargeDeclined: { brand: 'visa', last4: '0002', funding: 'credit', country: 'US' },
  chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', funding: 'credit', country: 'US' },
  chargeDeclinedExpiredCard: { brand: 'visa', last4: '0069', funding: 'credit', country: 'US' },
  createDispute: { brand: 'visa', last4: '0259', funding: 'credit', country: 'US' },
  createDisputeProductNotReceived: { brand: 'visa', last4: '2685', funding: 'credit', country: 'US' },
};

/** The card behind `pm_card_<name>` / `tok_<name>`; any other payment method is a plain Visa. */
export function testCard(paymentMethod: string): TestCard & { fingerprint: string; exp_month: number; exp_year: number } {
  const name = paymentMethod.replace(/^(pm_card_|tok_)/, '');
  const card = CARDS[name] ?? CARDS.visa;
  // Stripe's fingerprint identifies the card number; the same test card always has the same one.
  const fingerprint = createHash('sha256').update(card.last4 + card.brand).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  return { ...card, fingerprint, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3 };
}

export interface Decline { code: string; decline_code: string; message: string; network_decline_code: string }

/** Test payment methods that decline (https://docs.stripe.com/testing#declined-payments). */
const DECLINES: Record<string, Decline> = {
  pm_card_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', network_decline_code: '01' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', network_decline_code: '51' },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.', network_decline_code: '54' },
  tok_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', network_decline_code: '01' },
};

/** How a test payment method declines, if it does. */
export function declineOf(paymentMethod: string): Decline | undefined {
  return DECLINES[paymentMethod];
}

const PAYMENT_METHODS = 'payment_methods';
const NO_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/**
 * The PaymentMethod behind a payment method id the sandbox was given (`pm_card_visa`, any other `pm_…`), stored on first
 * use so that every later look-up (`GET /v1/payment_methods/:id`, `expand[]=payment_method`, a card error's
 * `payment_method`) shows the same object. Simplified: the id stays the one given (Stripe makes a new `pm_…` from a
 * `pm_card_…` test id) and nothing is attached to a customer. A copy: callers may embed it.
 */
export function paymentMethodFor(account: Account, id: string): StripeObject {
  let stored = account.collection(PAYMENT_METHODS).get(id);
  if (!stored) {
    const card = testCard(id);
    stored = account.insert(PAYMENT_METHODS, {
      id, object: 'payment_method', allow_redisplay: 'unspecified',
      billing_details: { address: NO_ADDRESS, email: null, name: null, phone: null, tax_id: null },
      card: {
        brand: card.brand, checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null }, country: card.country, display_brand: card.brand,
        exp_month: card.exp_month, exp_year: card.exp_year, fingerprint: card.fingerprint, funding: card.funding, generated_from: null, last4: card.last4,
        networks: { available: [card.brand], preferred: null }, regulated_status: 'unregulated', three_d_secure_usage: { supported: true }, wallet: null,
      },
      created: account.now(), customer: null, customer_account: null, livemode: account.livemode, metadata: {}, type: 'card',
    } as unknown as StripeObject);
  }
  return structuredClone(stored);
}

/** Stripe's test bank account as a `us_bank_account` PaymentMethod (Checkout's ACH Direct Debit); its id. */
export function bankPaymentMethod(account: Account, name: string | null, email: string | null): string {
  const method = {
    id: newId('pm'), object: 'payment_method', allow_redisplay: 'unspecified',
    billing_details: { address: NO_ADDRESS, email, name, phone: null, tax_id: null },
    created: account.now(), customer: null, customer_account: null, livemode: account.livemode, metadata: {}, type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: 'individual', account_type: 'checking', bank_name: 'STRIPE TEST BANK', financial_connections_account: null,
      fingerprint: 'FlowGuardTestBnk', last4: '6789', networks: { preferred: 'ach', supported: ['ach'] }, routing_number: '110000000', status_details: {},
    },
  } as unknown as StripeObject;
  return account.insert(PAYMENT_METHODS, method).id;
}

export const paymentMethodRoutes: Route[] = [{
  method: 'GET', pattern: '/v1/payment_methods/:id', returns: 'payment_method',
  handle(ctx) {
    const [id] = ctx.ids;
    // Stripe's test ids (pm_card_…) always exist; any other id only once the sandbox was given it.
    if (!id.startsWith('pm_card_') && !ctx.account.collection(PAYMENT_METHODS).has(id)) throw notFound('PaymentMethod', id);
    return paymentMethodFor(ctx.account, id);
  },
}];
