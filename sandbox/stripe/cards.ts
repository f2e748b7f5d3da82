// Stripe's test payment methods and tokens (https://docs.stripe.com/testing): the card each one stands for (what a
// charge's payment_method_details.card shows) and the ones that decline, with their decline codes.

import { createHash } from 'crypto';

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
