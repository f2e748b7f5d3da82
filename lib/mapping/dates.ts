// Date conversions between the formats the three services use. All output is UTC.
//   epochSeconds         Stripe `created` (1704067200)
//   epochMillis          JavaScript time
//   iso                  2024-01-01T00:00:00.000Z
//   salesforceDateTime   2024-01-01T00:00:00.000+0000 (what the REST API returns for DateTime fields)
//   salesforceDate       2024-01-01 (Date fields)
//   snowflakeTimestamp   2024-01-01 00:00:00.000 (UTC wall time for TIMESTAMP_NTZ)
//   snowflakeTimestampTz 2024-01-01 00:00:00.000 +0000 (TIMESTAMP_TZ / TIMESTAMP_LTZ)

export const DATE_FORMATS = [
  'epochSeconds', 'epochMillis', 'iso', 'salesforceDateTime', 'salesforceDate', 'snowflakeTimestamp', 'snowflakeTimestampTz',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** How much of an instant a format keeps: converting to a coarser format cannot be reversed exactly. */
export const DATE_PRECISION: Record<DateFormat, number> = {
  salesforceDate: 0, epochSeconds: 1, epochMillis: 2, iso: 2, salesforceDateTime: 2, snowflakeTimestamp: 2, snowflakeTimestampTz: 2,
};

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
// Numbers at or above this are taken as milliseconds by `auto` (as seconds they would be past year 5000).
const AUTO_MILLIS_THRESHOLD = 1e11;

function fromText(text: string): number {
  const m = DATE_TEXT.exec(text.trim());
  if (!m) throw new Error('is not a recognised date');
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis);
  const check = new Date(utc);
  // Date.UTC silently rolls 2024-02-31 over to March; refuse it instead.
  if (check.getUTCFullYear() !== Number(y) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCHours() !== Number(h)) {
    throw new Error('is not a valid calendar date');
  }
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMinutes = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === '-' ? -1 : 1);
  }
  return utc - offsetMinutes * 60_000;
}

function fromNumber(value: unknown, unit: 'seconds' | 'millis'): number {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`is not an epoch ${unit} number`);
  return unit === 'seconds' ? Math.round(n * 1000) : n;
}

/** Parses a value in the given format (or guesses with `auto`) into epoch milliseconds. */
export function parseDate(value: unknown, from: DateFormat | 'auto'): number {
  let millis: number;
  if (value instanceof Date) millis = value.getTime();
  else if (from === 'epochSeconds') millis = fromNumber(value, 'seconds');
  else if (from === 'epochMillis') millis = fromNumber(value, 'millis');
  else if (typeof value === 'string' && !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) millis = fromText(value);
  else if (from === 'auto' && (typeof value === 'number' || typeof value === 'string')) {
    const n = Number(value);
    millis = Math.abs(n) >= AUTO_MILLIS_THRESHOLD ? fromNumber(n, 'millis') : fromNumber(n, 'seconds');
  } else throw new Error(`is not a ${from === 'auto' ? 'date' : from} value`);
  if (!Number.isFinite(millis) || Math.abs(millis) > 8.64e15) throw new Error('is out of the date range');
  return millis;
}

export function formatDate(millis: number, to: DateFormat): string | number {
  const iso = new Date(millis).toISOString();
  switch (to) {
    case 'epochSeconds': return Math.floor(millis / 1000);
    case 'epochMillis': return millis;
    case 'iso': return iso;
    case 'salesforceDateTime': return iso.replace('Z', '+0000');
    case 'salesforceDate': return iso.slice(0, 10);
    case 'snowflakeTimestamp': return iso.replace('T', ' ').replace('Z', '');
    case 'snowflakeTimestampTz': return iso.replace('T', ' ').replace('Z', ' +0000');
  }
}
