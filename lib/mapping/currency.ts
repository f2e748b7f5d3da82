// Currency exponents as Stripe's API uses them (minor units per major unit = 10^exponent).
// Stripe differs from ISO 4217 in places: ISK stays two-decimal in the API (100 = 1 króna)
// and MGA is zero-decimal. Source: https://docs.stripe.com/currencies (zero-decimal and
// three-decimal lists, special cases).

const ZERO_DECIMAL = ['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const THREE_DECIMAL = ['BHD', 'JOD', 'KWD', 'OMR', 'TND',
  // Not Stripe presentment currencies; three-decimal in ISO 4217.
  'IQD', 'LYD'];
// Every other known code is two-decimal. Unknown codes are rejected rather than guessed.
const TWO_DECIMAL = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY ' +
  'COP CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ' +
  'ILS INR IRR ISK JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MKD MMK MNT MOP MRO MRU MUR MVR MWK MXN ' +
  'MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS ' +
  'SRD SSP STD STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VEF VES WST XCD XCG YER ZAR ZMW ZWG ZWL'
).split(' ');

const EXPONENTS = new Map<string, number>();
for (const code of TWO_DECIMAL) EXPONENTS.set(code, 2);
for (const code of ZERO_DECIMAL) EXPONENTS.set(code, 0);
for (const code of THREE_DECIMAL) EXPONENTS.set(code, 3);

/** Minor-unit exponent for a currency code (case-insensitive, as Stripe sends lower case). */
export function currencyExponent(code: unknown): number {
  if (typeof code !== 'string' || !/^[A-Za-z]{3}$/.test(code)) {
    throw new Error(`currency ${JSON.stringify(code)} is not a three-letter code`);
  }
  const exponent = EXPONENTS.get(code.toUpperCase());
  if (exponent === undefined) {
    throw new Error(`currency "${code}" is unknown; set the transform's "exponent" option`);
  }
  return exponent;
}

/** An integer amount in minor units → exact decimal text ("1999", USD → "19.99"). */
export function minorToDecimalText(amount: unknown, exponent: number): string {
  let digits: string;
  if (typeof amount === 'number') {
    if (!Number.isSafeInteger(amount)) throw new Error('minor-unit amount must be a safe integer');
    digits = String(amount);
  } else if (typeof amount === 'string' && /^-?\d+$/.test(amount.trim())) {
    digits = amount.trim();
  } else if (typeof amount === 'bigint') {
    digits = amount.toString();
  } else {
    throw new Error('minor-unit amount must be an integer');
  }
  const negative = digits.startsWith('-');
  if (negative) digits = digits.slice(1);
  digits = digits.replace(/^0+(?=\d)/, '');
  if (exponent === 0) return (negative && digits !== '0' ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const text = `${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
  return (negative && /[1-9]/.test(text) ? '-' : '') + text;
}

/** Normalises a decimal amount (number or string) into plain decimal text, without rounding. */
function plainDecimal(amount: unknown): string {
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) throw new Error('amount must be a finite number');
    const text = String(amount);
    if (!/e/i.test(text)) return text;
    if (Math.abs(amount) >= 1e21) throw new Error('amount is too large');
    return amount.toFixed(20).replace(/\.?0+$/, '');
  }
  if (typeof amount === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(amount)) return amount.trim();
  throw new Error('amount must be a decimal number');
}

/** A decimal amount → integer minor units. Refuses to round: extra decimals are an error. */
export function decimalToMinor(amount: unknown, exponent: number): number {
  const text = plainDecimal(amount);
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > exponent) {
    throw new Error(`amount has more than ${exponent} decimal places`);
  }
  const minor = Number(whole + significantFraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new Error('amount is too large for minor units');
  return negative && minor !== 0 ? -minor : minor;
}
