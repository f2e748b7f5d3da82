import assert from 'node:assert/strict';
import { currencyExponent, decimalToMinor, minorToDecimalText } from '../../lib/mapping/currency';
import { formatDate, parseDate } from '../../lib/mapping/dates';
import { formatPath, getPath, parsePath, setPath } from '../../lib/mapping/paths';
import { compileTransform, TRANSFORM_NAMES } from '../../lib/mapping/transforms';

const ctx = { root: { currency: 'jpy', CurrencyIsoCode: 'KWD' } };
const forward = (spec: any, value: unknown): unknown => compileTransform(spec).forward(value, ctx);
const backward = (spec: any, value: unknown): unknown => compileTransform(spec).reverse!(value, ctx);

describe('mapping paths', () => {
  it('parses dots, indices and quoted keys and formats them back', () => {
    assert.deepEqual(parsePath('a.b[2]["x.y"]'), ['a', 'b', 2, 'x.y']);
    assert.deepEqual(parsePath("metadata['order id']"), ['metadata', 'order id']);
    assert.equal(formatPath(['a', 'b', 2, 'x.y']), 'a.b[2]["x.y"]');
  });
  it('rejects malformed and prototype-reaching paths', () => {
    for (const bad of ['', '.a', 'a..b', 'a[', 'a b', '__proto__.x', 'a.constructor']) {
      assert.throws(() => parsePath(bad), Error, bad);
    }
  });
  it('gets through missing parents and sets creating objects and arrays', () => {
    assert.equal(getPath({ a: null }, ['a', 'b']), undefined);
    const root: Record<string, any> = {};
    setPath(root, ['a', 'list', 1, 'v'], 5);
    assert.ok(Array.isArray(root.a.list));
    assert.deepEqual(root.a.list[1], { v: 5 });
  });
});

describe('mapping transforms: types and text', () => {
  it('lists every transform the issue asks for', () => {
    for (const op of ['string', 'number', 'integer', 'boolean', 'trim', 'upper', 'lower', 'date', 'minorToDecimal', 'decimalToMinor', 'lookup', 'split', 'join', 'default']) {
      assert.ok(TRANSFORM_NAMES.includes(op), op);
    }
  });
  it('string', () => {
    assert.equal(forward({ op: 'string' }, 42), '42');
    assert.equal(forward({ op: 'string' }, true), 'true');
    assert.equal(forward({ op: 'string' }, { a: 1 }), '{"a":1}');
    assert.equal(compileTransform({ op: 'string' }).reverse, undefined);
  });
  it('number', () => {
    assert.equal(forward({ op: 'number' }, ' 12.5 '), 12.5);
    assert.equal(forward({ op: 'number' }, 3), 3);
    assert.throws(() => forward({ op: 'number' }, 'twelve'), /is not a number/);
    assert.throws(() => forward({ op: 'number' }, ''), /is not a number/);
  });
  it('integer refuses to drop a fraction', () => {
    assert.equal(forward({ op: 'integer' }, '42'), 42);
    assert.throws(() => forward({ op: 'integer' }, 12.5), /whole number/);
  });
  it('boolean', () => {
    assert.equal(forward({ op: 'boolean' }, 'Yes'), true);
    assert.equal(forward({ op: 'boolean' }, 0), false);
    assert.equal(forward({ op: 'boolean' }, 'false'), false);
    assert.throws(() => forward({ op: 'boolean' }, 'maybe'), /not a boolean/);
  });
  it('trim, upper, lower (strings only, not invertible)', () => {
    assert.equal(forward({ op: 'trim' }, '  a b '), 'a b');
    assert.equal(forward({ op: 'upper' }, 'usd'), 'USD');
    assert.equal(forward({ op: 'lower' }, 'A@B.COM'), 'a@b.com');
    assert.throws(() => forward({ op: 'upper' }, 5), /expects a string/);
    assert.match(compileTransform({ op: 'lower' }).notInvertible!, /case/);
  });
  it('lookup with default, and its reverse only when one-to-one', () => {
    const table = { succeeded: 'Closed Won', failed: 'Closed Lost' };
    assert.equal(forward({ op: 'lookup', table }, 'failed'), 'Closed Lost');
    assert.throws(() => forward({ op: 'lookup', table }, 'pending'), /no entry/);
    assert.equal(forward({ op: 'lookup', table, default: 'Prospecting' }, 'pending'), 'Prospecting');
    assert.equal(backward({ op: 'lookup', table }, 'Closed Won'), 'succeeded');
    assert.ok(compileTransform({ op: 'lookup', table, default: 'x' }).notInvertible);
    assert.ok(compileTransform({ op: 'lookup', table: { a: 1, b: 1 } }).notInvertible);
    assert.throws(() => compileTransform({ op: 'lookup', table: 'nope' }), /table/);
  });
  it('split and join, reversing each other', () => {
    assert.deepEqual(forward({ op: 'split', separator: ';' }, 'a;b'), ['a', 'b']);
    assert.equal(forward({ op: 'split', separator: ' ', index: -1 }, 'Ada King Lovelace'), 'Lovelace');
    assert.equal(backward({ op: 'split', separator: ';' }, ['a', 'b']), 'a;b');
    assert.equal(forward({ op: 'join', separator: ';' }, ['x', 'y']), 'x;y');
    assert.deepEqual(backward({ op: 'join', separator: ';' }, 'x;y'), ['x', 'y']);
    assert.ok(compileTransform({ op: 'split', index: 0 }).notInvertible);
    assert.throws(() => forward({ op: 'join' }, 'x'), /expects an array/);
  });
  it('default fills missing values (and empty strings when asked)', () => {
    assert.equal(forward({ op: 'default', value: 'n/a' }, undefined), 'n/a');
    assert.equal(forward({ op: 'default', value: 'n/a' }, null), 'n/a');
    assert.equal(forward({ op: 'default', value: 'n/a' }, ''), '');
    assert.equal(forward({ op: 'default', value: 'n/a', whenEmpty: true }, ''), 'n/a');
    assert.equal(forward({ op: 'default', value: 'n/a' }, 'kept'), 'kept');
    assert.throws(() => compileTransform({ op: 'default' }), /value/);
  });
  it('rejects unknown transforms and bad options at compile time', () => {
    assert.throws(() => compileTransform({ op: 'rot13' }), /unknown transform "rot13"/);
    assert.throws(() => compileTransform({ op: 'date', to: 'yesterday' }), /option "to"/);
    assert.throws(() => compileTransform({ op: 'minorToDecimal' }), /currency/);
    assert.throws(() => compileTransform({ op: 'minorToDecimal', currency: 'XYZ' }), /unknown/);
    assert.throws(() => compileTransform({ op: 'toString' }), /unknown transform/);
  });
});

describe('mapping transforms: dates', () => {
  const instant = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  it('formats one instant in every format', () => {
    assert.equal(formatDate(instant, 'iso'), '2024-01-02T03:04:05.678Z');
    assert.equal(formatDate(instant, 'epochSeconds'), 1704164645);
    assert.equal(formatDate(instant, 'epochMillis'), instant);
    assert.equal(formatDate(instant, 'salesforceDateTime'), '2024-01-02T03:04:05.678+0000');
    assert.equal(formatDate(instant, 'salesforceDate'), '2024-01-02');
    assert.equal(formatDate(instant, 'snowflakeTimestamp'), '2024-01-02 03:04:05.678');
    assert.equal(formatDate(instant, 'snowflakeTimestampTz'), '2024-01-02 03:04:05.678 +0000');
  });
  it('parses each format, offsets included', () => {
    assert.equal(parseDate('2024-01-02T03:04:05.678+0000', 'auto'), instant);
    assert.equal(parseDate('2024-01-02T04:04:05.678+01:00', 'auto'), instant);
    assert.equal(parseDate('2024-01-02 03:04:05.678', 'snowflakeTimestamp'), instant);
    assert.equal(parseDate(1704164645, 'epochSeconds'), instant - 678);
    assert.equal(parseDate('1704164645', 'auto'), instant - 678);
    assert.equal(parseDate(instant, 'auto'), instant, 'large numbers are milliseconds');
    assert.equal(parseDate('2024-01-02', 'salesforceDate'), Date.UTC(2024, 0, 2));
  });
  it('rejects impossible dates instead of rolling them over', () => {
    assert.throws(() => parseDate('2024-02-31', 'auto'), /calendar/);
    assert.throws(() => parseDate('next tuesday', 'auto'), /not a recognised date/);
    assert.throws(() => parseDate(true, 'auto'), /not a date/);
  });
  it('date transform converts Stripe epoch seconds to Salesforce and Snowflake and back', () => {
    const toSf = { op: 'date', from: 'epochSeconds', to: 'salesforceDateTime' };
    assert.equal(forward(toSf, 1704164645), '2024-01-02T03:04:05.000+0000');
    assert.equal(backward(toSf, '2024-01-02T03:04:05.000+0000'), 1704164645);
    assert.equal(forward({ op: 'date', to: 'snowflakeTimestamp' }, 1704164645), '2024-01-02 03:04:05.000');
    assert.throws(() => forward(toSf, 'soon'), /not an epoch seconds number/);
  });
  it('marks lossy or unknown-source date transforms as not invertible', () => {
    assert.match(compileTransform({ op: 'date', to: 'iso' }).notInvertible!, /from/);
    assert.match(compileTransform({ op: 'date', from: 'iso', to: 'salesforceDate' }).notInvertible!, /less precise/);
  });
});

describe('mapping transforms: money', () => {
  it('uses Stripe exponents: zero-decimal, two-decimal, three-decimal', () => {
    for (const code of ['JPY', 'krw', 'VND', 'CLP', 'UGX', 'XOF', 'MGA']) assert.equal(currencyExponent(code), 0, code);
    for (const code of ['BHD', 'jod', 'KWD', 'OMR', 'TND']) assert.equal(currencyExponent(code), 3, code);
    for (const code of ['USD', 'eur', 'GBP', 'ISK', 'HUF', 'TWD']) assert.equal(currencyExponent(code), 2, code);
    assert.throws(() => currencyExponent('XXX'), /unknown/);
    assert.throws(() => currencyExponent('dollars'), /three-letter/);
    assert.throws(() => currencyExponent(undefined), /three-letter/);
  });
  it('converts minor units to exact decimal text', () => {
    assert.equal(minorToDecimalText(1999, 2), '19.99');
    assert.equal(minorToDecimalText(5, 2), '0.05');
    assert.equal(minorToDecimalText(-5, 3), '-0.005');
    assert.equal(minorToDecimalText(500, 0), '500');
    assert.equal(minorToDecimalText('120', 3), '0.120');
    assert.throws(() => minorToDecimalText(19.5, 2), /safe integer/);
  });
  it('converts decimals to minor units without ever rounding', () => {
    assert.equal(decimalToMinor(19.99, 2), 1999);
    assert.equal(decimalToMinor('0.1', 2), 10);
    assert.equal(decimalToMinor(500, 0), 500);
    assert.equal(decimalToMinor('1.250', 3), 1250);
    assert.equal(decimalToMinor(-0.05, 2), -5);
    assert.equal(decimalToMinor(1.1, 2), 110, 'float noise of 1.1 does not matter');
    assert.throws(() => decimalToMinor(0.1 + 0.2, 2), /more than 2 decimal/);
    assert.throws(() => decimalToMinor('500.5', 0), /more than 0 decimal/);
    assert.throws(() => decimalToMinor('ten', 2), /decimal number/);
  });
  it('minorToDecimal reads the currency from the object and is never off by 100x', () => {
    const spec = { op: 'minorToDecimal', currencyPath: 'currency' };
    assert.equal(compileTransform(spec).forward(500, { root: { currency: 'jpy' } }), 500);
    assert.equal(compileTransform(spec).forward(500, { root: { currency: 'usd' } }), 5);
    assert.equal(compileTransform(spec).forward(5120, { root: { currency: 'kwd' } }), 5.12);
    assert.equal(compileTransform({ ...spec, as: 'string' }).forward(5120, { root: { currency: 'kwd' } }), '5.120');
    assert.throws(() => compileTransform(spec).forward(500, { root: {} }), /three-letter/);
  });
  it('reverses money only when the reverse currency is known', () => {
    assert.ok(compileTransform({ op: 'minorToDecimal', currencyPath: 'currency' }).notInvertible);
    const spec = { op: 'minorToDecimal', currencyPath: 'currency', reverseCurrencyPath: 'CurrencyIsoCode' };
    assert.equal(backward(spec, 5.12), 5120);
    assert.equal(backward({ op: 'minorToDecimal', currency: 'JPY' }, 500), 500);
    assert.equal(forward({ op: 'decimalToMinor', currency: 'usd' }, '12.30'), 1230);
    assert.equal(backward({ op: 'decimalToMinor', exponent: 3 }, 1230), 1.23);
    assert.throws(() => compileTransform({ op: 'decimalToMinor', exponent: 9 }), /exponent/);
  });
});
