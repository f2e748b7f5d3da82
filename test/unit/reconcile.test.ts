// lib/reconcile: keyed comparison with normalisers, duplicates, fix proposals and a bounded report.
import assert from 'node:assert/strict';
import { Fix, reconcile, Reconciler } from '../../lib/reconcile';

describe('reconcile', () => {
  it('reports only-in-A, only-in-B, mismatched fields and the matched count', () => {
    const a = [{ id: 'o1', total: 10 }, { id: 'o2', total: 20 }, { id: 'o3', total: 30 }];
    const b = [{ id: 'o2', total: 20 }, { id: 'o3', total: 31 }, { id: 'o4', total: 40 }];
    const report = reconcile(a, b, { keyA: 'id', fields: [{ a: 'total' }] });
    assert.deepEqual(report.onlyInA, ['o1']);
    assert.deepEqual(report.onlyInB, ['o4']);
    assert.deepEqual(report.mismatched, [{ key: 'o3', fields: [{ field: 'total', a: 30, b: 31 }] }]);
    assert.equal(report.matchedCount, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(report.totals, { onlyInA: 1, onlyInB: 1, mismatched: 1, duplicatesA: 0, duplicatesB: 0 });
  });

  it('is ok when both sets agree, with different key and field paths per side', () => {
    const a = [{ id: 'ch_1', amount: 1999, currency: 'usd', created: 1704067200, email: ' Ann@Example.com ' }];
    const b = [{ Stripe_Charge_Id__c: 'ch_1', Amount__c: '19.99', Created__c: '2024-01-01T00:00:00.000+0000', Email: 'ann@example.com' }];
    const report = reconcile(a, b, {
      keyA: 'id', keyB: 'Stripe_Charge_Id__c',
      fields: [
        { a: 'amount', b: 'Amount__c', compare: 'money', unitsA: 'minor', unitsB: 'decimal', currencyField: 'currency' },
        { a: 'created', b: 'Created__c', compare: 'date', precision: 'second' },
        { a: 'email', b: 'Email', compare: 'text', ignoreCase: true },
      ],
    });
    assert.equal(report.ok, true);
    assert.equal(report.matchedCount, 1);
  });

  it('money uses the currency exponent: 500 JPY is 500, not 5.00', () => {
    const rule = { a: 'amount', b: 'Amount', compare: 'money' as const, unitsA: 'minor' as const, unitsB: 'decimal' as const, currencyField: 'currency' };
    const a = [{ id: 1, amount: 500, currency: 'jpy' }, { id: 2, amount: 500, currency: 'usd' }, { id: 3, amount: 1000, currency: 'kwd' }];
    const b = [{ id: 1, Amount: 500 }, { id: 2, Amount: 500 }, { id: 3, Amount: '1.000' }];
    const report = reconcile(a, b, { keyA: 'id', fields: [rule] });
    assert.deepEqual(report.mismatched.map((m) => m.key), ['2']);
    assert.equal(report.matchedCount, 2);
  });

  it('money refuses a record whose currency is unknown instead of guessing', () => {
    const report = reconcile([{ id: 1, amount: 100, currency: 'xyz' }], [{ id: 1, amount: 1 }], {
      keyA: 'id', fields: [{ a: 'amount', compare: 'money', currencyField: 'currency' }],
    });
    assert.equal(report.totals.mismatched, 1);
  });

  it('number tolerance, text case and trim, date precision', () => {
    const fields = [
      { a: 'n', compare: 'number' as const, tolerance: 0.01 },
      { a: 't', compare: 'text' as const, ignoreCase: true },
      { a: 'd', compare: 'date' as const, precision: 'day' as const },
    ];
    const same = reconcile([{ id: 1, n: 19.99, t: ' ACME ', d: '2024-03-05T23:59:59Z' }], [{ id: 1, n: '20.00', t: 'acme', d: '2024-03-05' }], { keyA: 'id', fields });
    assert.equal(same.matchedCount, 1);
    const differs = reconcile([{ id: 1, n: 19.98, t: 'ACME', d: '2024-03-06T00:00:00Z' }], [{ id: 1, n: 20, t: 'acme', d: '2024-03-05' }], { keyA: 'id', fields });
    assert.deepEqual(differs.mismatched[0].fields.map((f) => f.field), ['n', 'd']);
  });

  it('case-sensitive text and exact comparison see case and type differences', () => {
    const report = reconcile([{ id: 1, t: 'Acme', x: { k: 1 } }], [{ id: 1, t: 'acme', x: { k: '1' } }], { keyA: 'id', fields: [{ a: 't', compare: 'text' }, { a: 'x' }] });
    assert.deepEqual(report.mismatched[0].fields.map((f) => f.field), ['t', 'x']);
  });

  it('treats null, missing and empty text alike, but not zero', () => {
    const fields = [{ a: 'note', compare: 'text' as const }, { a: 'qty', compare: 'number' as const }];
    const report = reconcile([{ id: 1, note: null, qty: 0 }, { id: 2, qty: 0 }], [{ id: 1, note: '', qty: 0 }, { id: 2, note: '  ' }], { keyA: 'id', fields });
    assert.equal(report.matchedCount, 1);
    assert.deepEqual(report.mismatched, [{ key: '2', fields: [{ field: 'qty', a: 0, b: undefined }] }]);
  });

  it('reports duplicate keys on either side and records without a key', () => {
    const report = reconcile([{ id: 'p1' }, { id: 'p1' }, { id: null }], [{ id: 'p1' }, { id: 'p1' }, {}], { keyA: 'id', fields: [] });
    assert.deepEqual(report.duplicatesA, ['p1']);
    assert.deepEqual(report.duplicatesB, ['p1']);
    assert.equal(report.missingKeyA, 1);
    assert.equal(report.missingKeyB, 1);
    assert.equal(report.matchedCount, 1);
    assert.equal(report.ok, false);
  });

  it('matches keys case-insensitively on request, and numbers with their text form', () => {
    const report = reconcile([{ id: 'ORD-1' }, { id: 7 }], [{ id: 'ord-1' }, { id: '7' }], { keyA: 'id', keyIgnoreCase: true, fields: [] });
    assert.equal(report.matchedCount, 2);
  });

  it('proposes fixes with A as the source of truth and never a delete', () => {
    const fixes: Fix[] = [];
    reconcile([{ id: 1, v: 'x' }, { id: 2, v: 'y' }], [{ id: 2, v: 'z' }, { id: 3, v: 'w' }], { keyA: 'id', fields: [{ a: 'v' }] }, (fix) => fixes.push(fix));
    assert.deepEqual(fixes, [
      { action: 'create', key: '1', record: { id: 1, v: 'x' } },
      { action: 'update', key: '2', record: { id: 2, v: 'y' }, current: { id: 2, v: 'z' }, fields: [{ field: 'v', a: 'y', b: 'z' }] },
      { action: 'review', key: '3', record: { id: 3, v: 'w' }, reason: 'onlyInB' },
    ]);
  });

  it('lists at most maxListed keys per category but counts all of them', () => {
    const a = Array.from({ length: 50 }, (_, i) => ({ id: i }));
    const report = reconcile(a, [], { keyA: 'id', fields: [], maxListed: 5 });
    assert.equal(report.onlyInA.length, 5);
    assert.equal(report.totals.onlyInA, 50);
    assert.equal(report.truncated, true);
  });

  it('reconciles 100,000 records per side and finds the planted differences', () => {
    const n = 100_000;
    function* charges() {
      for (let i = 0; i < n; i++) yield { id: `ch_${i}`, amount: 1000 + (i % 997), currency: 'usd' };
    }
    function* rows() {
      for (let i = 1; i < n; i++) yield { ID: `ch_${i}`, AMOUNT: (i === 4242 ? 1 : 1000 + (i % 997)) / 100 };
      yield { ID: 'ch_extra', AMOUNT: 1 };
    }
    const report = reconcile(charges(), rows(), { keyA: 'id', keyB: 'ID', fields: [{ a: 'amount', b: 'AMOUNT', compare: 'money', currency: 'usd' }] });
    assert.equal(report.countA, n);
    assert.equal(report.countB, n);
    assert.deepEqual(report.onlyInA, ['ch_0']);
    assert.deepEqual(report.onlyInB, ['ch_extra']);
    assert.deepEqual(report.mismatched, [{ key: 'ch_4242', fields: [{ field: 'amount', a: 1000 + (4242 % 997), b: 0.01 }] }]);
    assert.equal(report.matchedCount, n - 2);
  });

  it('rejects a bad configuration with the field named', () => {
    assert.throws(() => new Reconciler({ keyA: '', fields: [] }), /key path of set A/);
    assert.throws(() => new Reconciler({ keyA: 'id', fields: [{ a: 'amount', compare: 'money' }] }), /field "amount": money needs a currency/);
    assert.throws(() => new Reconciler({ keyA: 'id', fields: [{ a: 'd', compare: 'date', precision: 'week' as never }] }), /unknown date precision/);
    assert.throws(() => new Reconciler({ keyA: 'id', fields: [{ a: 'x', compare: 'fuzzy' as never }] }), /unknown comparison/);
    assert.throws(() => new Reconciler({ keyA: 'id', fields: [{ a: 'amount', compare: 'money', currency: 'xyz' }] }), /unknown/);
  });

  it('refuses B records after A has started', () => {
    const r = new Reconciler({ keyA: 'id', fields: [] });
    r.checkA({ id: 1 });
    assert.throws(() => r.addB({ id: 1 }), /set B is closed/);
  });
});
