// Charge amounts as Stripe checks them on PaymentIntents and charges: amounts are in the currency's smallest unit
// (zero-decimal currencies such as JPY have none), at least the currency's minimum charge amount and at most eight
// digits. Sources: https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, the `amount` parameter of
// https://docs.stripe.com/api/payment_intents/create ("The minimum amount is $0.50 US or equivalent in charge
// currency. The amount value supports up to eight digits"), https://docs.stripe.com/currencies#zero-decimal.
// The messages are Stripe's ("Amount must be at least $0.50 usd", code amount_too_small; "Amount must be no more
// than $999,999.99", code amount_too_large). Currencies outside the table below are only held to ≥ 1: Stripe
// converts them to the account's settlement currency first, which the sandbox does not model.

import { invalidRequest } from './errors';

/** Minimum charge amounts in the smallest unit, from Stripe's table (settlement currency = charge currency). */
export const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50, eur: 50, gbp: 30, jpy: 50, aud: 50, cad: 50, chf: 50, nzd: 50, sgd: 50, brl: 50,
  dkk: 250, nok: 300, sek: 300, hkd: 400, mxn: 1000,
};

export const MAXIMUM_CHARGE = 99_999_999;

/**
 * The presentment currencies of https://docs.stripe.com/currencies (usd first, as Stripe lists them in its message).
 * Stripe refuses any other code: "Invalid currency: xyz. Stripe currently supports these currencies: usd, aed, …".
 */
export const SUPPORTED_CURRENCIES: readonly string[] = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf clp cny cop '
  + 'crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes '
  + 'kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd '
  + 'pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs '
  + 'uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw').split(' ');
const SUPPORTED = new Set(SUPPORTED_CURRENCIES);

/** `value` lowercased (Stripe lowercases what it gets), or Stripe's 400 for a code it does not support. */
export function currencyOf(value: string | undefined, param = 'currency'): string {
  const code = (value ?? '').toLowerCase();
  if (!SUPPORTED.has(code)) {
    throw invalidRequest(`Invalid currency: ${code}. Stripe currently supports these currencies: ${SUPPORTED_CURRENCIES.join(', ')}`, 'parameter_invalid_string', param);
  }
  return code;
}

const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥', aud: '$', cad: '$', nzd: '$', sgd: '$', hkd: '$', mxn: '$', brl: 'R$' };

/** `$0.50`, `¥50`, `2.50` (no symbol known): how Stripe writes an amount in its messages. */
export function formatAmount(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : 2;
  const major = (amount / 10 ** digits).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${SYMBOLS[currency] ?? ''}${major}`;
}

/** Refuses what Stripe refuses for a charge of `amount` in `currency` (lowercase). */
export function checkChargeAmount(amount: number, currency: string, param = 'amount'): void {
  const minimum = MINIMUM_CHARGE[currency] ?? 1;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, 'amount_too_small', param);
  }
  if (amount > MAXIMUM_CHARGE) {
    throw invalidRequest(`Amount must be no more than ${formatAmount(MAXIMUM_CHARGE, currency)}`, 'amount_too_large', param);
  }
}
