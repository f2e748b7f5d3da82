// lib/settings: one parser per kind of value; blank gives the default, a value that cannot work is refused by name.
import * as assert from 'assert';
import { array, boolean, duration, list, nonNegativeNumber, oneOf, positiveInt, positiveNumber, readSettings, text, wholeNumber } from '../../lib/settings';

describe('settings parsers', () => {
  it('give the default for a value never saved or left blank', () => {
    for (const raw of [undefined, null, '', '  ']) {
      assert.strictEqual(positiveInt(10_000).parse(raw), 10_000);
      assert.strictEqual(duration(60, 's').parse(raw), 60_000);
      assert.strictEqual(text('topic').parse(raw), 'topic');
      assert.strictEqual(oneOf(['a', 'b'], 'b').parse(raw), 'b');
      assert.deepStrictEqual(list(['Name']).parse(raw), ['Name']);
    }
    assert.strictEqual(boolean(true).parse(undefined), true);
    assert.strictEqual(positiveNumber(undefined).parse(''), undefined, 'an optional number stays unset');
  });

  it('read what the editor saves: numbers as numbers or text, booleans, lists', () => {
    assert.strictEqual(positiveInt(1).parse('200'), 200);
    assert.strictEqual(wholeNumber(5).parse(0), 0);
    assert.strictEqual(nonNegativeNumber(80).parse('95.5'), 95.5);
    assert.strictEqual(duration(250, 'ms').parse(20), 20);
    assert.strictEqual(duration(24, 'h').parse('1'), 3600_000);
    assert.strictEqual(duration(0, 's', { allowZero: true }).parse(0), 0);
    assert.strictEqual(boolean(true).parse('false'), false);
    assert.deepStrictEqual(list().parse(' Name, Id ,,Email '), ['Name', 'Id', 'Email']);
    assert.deepStrictEqual(list([], 'words').parse('card_declined rate_limit;x'), ['card_declined', 'rate_limit', 'x']);
    assert.deepStrictEqual(array().parse([{ a: 1 }]), [{ a: 1 }]);
  });

  it('refuse values that cannot work instead of replacing them silently', () => {
    assert.throws(() => positiveInt(10_000).parse(-5), /must be a whole number above 0, got -5/);
    assert.throws(() => positiveInt(10).parse('2.5'), /whole number/);
    assert.throws(() => positiveInt(200, 2000).parse(5000), /at most 2000/);
    assert.throws(() => wholeNumber(0).parse('-1'), /must be a whole number of 0 or more, got "-1"/);
    assert.throws(() => duration(60, 's').parse(0), /above 0/);
    assert.throws(() => duration(60, 's').parse('soon'), /got "soon"/);
    assert.throws(() => boolean(false).parse('yes'), /true or false/);
    assert.throws(() => oneOf(['poll', 'cdc'], 'poll').parse('push'), /one of poll, cdc/);
  });

  it('readSettings names every setting that cannot work, by the property the flow has', () => {
    const spec = { maxRecords: positiveInt(10_000), leaseMs: duration(60, 's', { property: 'leaseSeconds' }), mode: oneOf(['a'], 'a') };
    assert.deepStrictEqual(readSettings(spec, { leaseSeconds: '2' }), { maxRecords: 10_000, leaseMs: 2000, mode: 'a' });
    assert.throws(() => readSettings(spec, { maxRecords: -5, leaseSeconds: 'x' }), (err: any) =>
      err.code === 'CONFIG_INVALID' && /maxRecords must be a whole number above 0, got -5; leaseSeconds must be a number above 0, got "x"/.test(err.message));
  });
});
