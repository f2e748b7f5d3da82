import assert from 'node:assert/strict';
import { checkSpec, compileMapping, MappingSpecError, MappingSpec, summarizeViolations, testSpec } from '../../lib/mapping';
import { describeValue } from '../../lib/mapping/spec';

const customerToContact: MappingSpec = {
  name: 'customer → contact',
  rules: [
    { target: 'Email', source: { type: 'path', value: 'email' }, transforms: [{ op: 'trim' }, { op: 'lower' }], required: true },
    { target: 'Stripe_Customer_Id__c', source: { type: 'path', value: 'id' }, required: true },
    { target: 'MailingCity', source: { type: 'path', value: 'address.city' } },
    { target: 'LastName', source: { type: 'jsonata', value: '$trim($split(name, " ")[-1])' }, required: true },
    { target: 'LeadSource', source: { type: 'const', value: 'Stripe' } },
    { target: 'Topic__c', source: { type: 'jsonata', value: '$msg.topic' } },
    { target: 'Balance__c', source: { type: 'path', value: 'balance' }, transforms: [{ op: 'minorToDecimal', currencyPath: 'currency', reverseCurrencyPath: 'CurrencyIsoCode' }] },
    { target: 'CurrencyIsoCode', source: { type: 'path', value: 'currency' }, transforms: [{ op: 'lookup', table: { usd: 'USD', jpy: 'JPY', kwd: 'KWD' } }] },
  ],
};

const customer = { id: 'cus_123', object: 'customer', email: '  Ada@Example.COM ', name: 'Ada Lovelace', balance: 1250, currency: 'usd', address: { city: 'London' } };

describe('mapping engine: forward', () => {
  it('maps paths, JSONata (with $msg) and constants through transform chains', async () => {
    const mapping = compileMapping(customerToContact);
    const result = await mapping.map(customer, { bindings: { msg: { topic: 'signup' } } });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.output, {
      Email: 'ada@example.com', Stripe_Customer_Id__c: 'cus_123', MailingCity: 'London', LastName: 'Lovelace',
      LeadSource: 'Stripe', Topic__c: 'signup', Balance__c: 12.5, CurrencyIsoCode: 'USD',
    });
  });
  it('reads msg paths from the whole message (not reversible)', async () => {
    const mapping = compileMapping({ rules: [{ target: 'Source__c', source: { type: 'msg', value: 'topic' } }, { target: 'Key__c', source: { type: 'msg', value: 'headers["idempotency-key"]' } }] });
    const result = await mapping.map({}, { bindings: { msg: { topic: 'stripe', headers: { 'idempotency-key': 'evt_1' } } } });
    assert.deepEqual(result.ok && result.output, { Source__c: 'stripe', Key__c: 'evt_1' });
    assert.match(mapping.rules[0].notInvertible!, /msg/);
  });
  it('accepts the spec as JSON text and writes nested targets', async () => {
    const mapping = compileMapping(JSON.stringify({ rules: [{ target: 'row.amount', source: { type: 'path', value: 'lines[1].amount' } }] }));
    const result = await mapping.map({ lines: [{ amount: 1 }, { amount: 2 }] });
    assert.deepEqual(result.ok && result.output, { row: { amount: 2 } });
  });
  it('leaves out missing optional fields but keeps explicit nulls', async () => {
    const mapping = compileMapping(customerToContact);
    const result = await mapping.map({ ...customer, address: null, balance: null });
    assert.ok(result.ok);
    assert.equal('MailingCity' in result.output, false);
    assert.equal(result.output.Balance__c, null);
  });
  it('reports every missing required field and gives no output', async () => {
    const mapping = compileMapping(customerToContact);
    const result = await mapping.map({ currency: 'usd', email: '  ', name: '' });
    assert.equal(result.ok, false);
    const paths = !result.ok ? result.violations.map((v) => v.path).sort() : [];
    assert.deepEqual(paths, ['Email', 'LastName', 'Stripe_Customer_Id__c']);
    assert.ok(!result.ok && result.violations.every((v) => v.stage === 'rule' && /required/.test(v.message)));
  });
  it('names the rule, transform and value a transform cannot convert', async () => {
    const mapping = compileMapping({ rules: [{ target: 'CloseDate', source: { type: 'path', value: 'created' }, transforms: [{ op: 'date', from: 'epochSeconds', to: 'salesforceDate' }] }] });
    const result = await mapping.map({ created: 'yesterday' });
    assert.equal(result.ok, false);
    const [violation] = !result.ok ? result.violations : [];
    assert.equal(violation.rule, 0);
    assert.equal(violation.transform, 'date');
    assert.equal(violation.value, 'yesterday');
    assert.match(violation.message, /rule 1 \(CloseDate\): date cannot convert "yesterday"/);
  });
  it('reports JSONata runtime errors as violations of their rule', async () => {
    const mapping = compileMapping({ rules: [{ target: 'x', source: { type: 'jsonata', value: '$number("abc") + $error("boom")' } }] });
    const result = await mapping.map({});
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.violations[0].message : '', /rule 1 \(x\): JSONata failed/);
  });
});

describe('mapping engine: compile errors are reported at once', () => {
  it('collects every problem of a bad spec', () => {
    const bad = {
      rules: [
        { target: 'a', source: { type: 'jsonata', value: 'amount +' } },
        { target: 'b..c', source: { type: 'path', value: 'x' } },
        { target: 'd', source: { type: 'path', value: 'y' }, transforms: [{ op: 'explode' }] },
        { target: 'a', source: { type: 'const', value: 1 } },
        { target: 'e', source: { type: 'env', value: 'HOME' } },
      ],
      inputSchema: { type: 'object', properties: { x: { type: 'strnig' } } },
    };
    let error: MappingSpecError | undefined;
    try {
      compileMapping(bad);
    } catch (err) {
      error = err as MappingSpecError;
    }
    assert.ok(error instanceof MappingSpecError);
    const where = error.problems.map((p) => p.where);
    assert.deepEqual(where, ['rules[0].source', 'rules[1].target', 'rules[2].transforms[0]', 'rules[4].source.type', 'rules[3].target', 'inputSchema']);
    assert.match(error.problems[0].message, /invalid JSONata/);
    assert.match(error.message, /^invalid mapping spec: rules\[0\]\.source: invalid JSONata.*\(\+5 more\)$/);
  });
  it('rejects non-JSON text and specs without rules', () => {
    assert.throws(() => compileMapping('{nope'), /not valid JSON/);
    assert.throws(() => compileMapping({}), /rules/);
    assert.throws(() => compileMapping({ version: 2, rules: [] }), /version 2 is not supported/);
  });
});

describe('mapping engine: schemas (ajv 2020-12)', () => {
  const spec: MappingSpec = {
    rules: [
      { target: 'Email', source: { type: 'path', value: 'email' } },
      { target: 'Amount', source: { type: 'path', value: 'amount' }, transforms: [{ op: 'minorToDecimal', currency: 'usd' }] },
    ],
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['id', 'email', 'amount'],
      properties: { email: { type: 'string', format: 'email' }, amount: { type: 'integer', minimum: 0 }, tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
    },
    outputSchema: { type: 'object', properties: { Amount: { type: 'number', maximum: 100 } } },
  };
  it('lists every input violation with its path, and maps nothing', async () => {
    const result = await compileMapping(spec).map({ email: 'not-an-email', amount: -5, tags: [7] });
    assert.equal(result.ok, false);
    const found = !result.ok ? result.violations.map((v) => `${v.stage} ${v.path} ${v.keyword}`).sort() : [];
    assert.deepEqual(found, ['input /amount minimum', 'input /email format', 'input /id required', 'input /tags/0 type']);
  });
  it('checks the mapped output', async () => {
    const result = await compileMapping(spec).map({ id: 'ch_1', email: 'a@b.co', amount: 20000 });
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.violations.map((v) => [v.stage, v.path, v.keyword]), [['output', '/Amount', 'maximum']]);
  });
  it('compiles input and output schemas that share an $id', async () => {
    const schema = { $id: 'https://example.com/record', type: 'object' };
    const mapping = compileMapping({ rules: [{ target: 'a', source: { type: 'path', value: 'a' } }], inputSchema: schema, outputSchema: { ...schema, required: ['a'] } });
    const result = await mapping.map({});
    assert.deepEqual(!result.ok && result.violations.map((v) => `${v.stage} ${v.path}`), ['output /a']);
  });
  it('passes valid messages', async () => {
    const result = await compileMapping(spec).map({ id: 'ch_1', email: 'a@b.co', amount: 1999 });
    assert.deepEqual(result.ok && result.output, { Email: 'a@b.co', Amount: 19.99 });
  });
});

describe('mapping engine: reverse mapping', () => {
  it('marks which rules can run backwards and why not', () => {
    const info = compileMapping(customerToContact).rules;
    assert.deepEqual(info.map((r) => r.invertible), [false, true, true, false, false, false, true, true]);
    assert.match(info[0].notInvertible!, /^trim:/);
    assert.match(info[3].notInvertible!, /JSONata/);
    assert.match(info[4].notInvertible!, /constant/);
  });
  it('round-trips the invertible rules (target → source → target)', async () => {
    const mapping = compileMapping(customerToContact);
    for (const currency of ['usd', 'jpy', 'kwd']) {
      const source = { id: 'cus_9', email: 'x@y.z', name: 'A B', balance: 123450, currency, address: { city: 'Oslo' } };
      const forward = await mapping.map(source);
      assert.ok(forward.ok);
      const back = mapping.reverse(forward.output);
      assert.ok(back.ok, JSON.stringify(back));
      assert.deepEqual(back.output, { id: 'cus_9', address: { city: 'Oslo' }, balance: 123450, currency });
      assert.deepEqual(back.skippedRules, [0, 3, 4, 5]);
      const again = await mapping.map({ ...source, ...back.output });
      assert.ok(again.ok);
      assert.deepEqual(again.output, forward.output);
    }
  });
  it('reports values that cannot be converted back, and missing required fields', () => {
    const back = compileMapping(customerToContact).reverse({ CurrencyIsoCode: 'EUR', Balance__c: 1 });
    assert.equal(back.ok, false);
    const messages = !back.ok ? back.violations.map((v) => v.message) : [];
    assert.equal(messages.length, 2);
    assert.match(messages[0], /rule 2 \(Stripe_Customer_Id__c\): required/);
    assert.match(messages[1], /rule 8 \(CurrencyIsoCode\): lookup cannot convert "EUR"/);
  });
  it('validates the target against the output schema first', () => {
    const mapping = compileMapping({ rules: [{ target: 'A', source: { type: 'path', value: 'a' } }], outputSchema: { type: 'object', required: ['A'] } });
    const back = mapping.reverse({});
    assert.deepEqual(!back.ok && back.violations.map((v) => v.path), ['/A']);
  });
});

describe('mapping engine: diff', () => {
  it('lists only the mapped fields that change', async () => {
    const mapping = compileMapping(customerToContact);
    const current = { Id: '003xx', Email: 'ada@example.com', MailingCity: 'Paris', LastName: 'Lovelace', LeadSource: 'Stripe', Topic__c: null, Balance__c: 12.5, CurrencyIsoCode: 'USD', Stripe_Customer_Id__c: 'cus_123', Phone: '555' };
    const result = await mapping.map(customer, { diff: true, current });
    assert.ok(result.ok);
    assert.deepEqual(result.changes, [{ field: 'MailingCity', from: 'Paris', to: 'London' }]);
  });
  it('treats a missing current record as all-new and equal records as no change', async () => {
    const mapping = compileMapping(customerToContact);
    const created = await mapping.map(customer, { diff: true, current: undefined });
    assert.ok(created.ok);
    assert.equal(created.changes!.length, 7, 'Topic__c is undefined without $msg and so not a change');
    assert.ok(created.changes!.every((c) => c.from === null));
    const same = await mapping.map(customer, { diff: true, current: created.output });
    assert.deepEqual(same.ok && same.changes, []);
  });
  it('does not report a change where only the type differs (numbers and timestamps read back from a database)', () => {
    const mapping = compileMapping({ rules: [
      { target: 'AMOUNT', source: { type: 'path', value: 'a' } },
      { target: 'CREATED_AT', source: { type: 'path', value: 'c' } },
      { target: 'NAME', source: { type: 'path', value: 'n' } },
    ] });
    const current = { AMOUNT: 19.99, CREATED_AT: new Date(Date.UTC(2023, 3, 7, 18, 59, 53)), NAME: '5' };
    assert.deepEqual(mapping.diff(current, { AMOUNT: '19.990', CREATED_AT: '2023-04-07 18:59:53.000', NAME: '5' }), []);
    assert.deepEqual(mapping.diff(current, { AMOUNT: '19.98', CREATED_AT: '2023-04-07 18:59:54.000', NAME: 'five' }).map((c) => c.field), ['AMOUNT', 'CREATED_AT', 'NAME']);
  });
  it('compares nested values deeply', () => {
    const mapping = compileMapping({ rules: [{ target: 'Tags', source: { type: 'path', value: 'tags' } }] });
    assert.deepEqual(mapping.diff({ Tags: ['a', 'b'] }, { Tags: ['a', 'b'] }), []);
    assert.deepEqual(mapping.diff({ Tags: ['a'] }, { Tags: ['a', 'b'] }), [{ field: 'Tags', from: ['a'], to: ['a', 'b'] }]);
  });
});

describe('mapping engine: editor check and test', () => {
  it('check returns rule marks or every problem, without throwing', () => {
    const good = checkSpec(customerToContact);
    assert.equal(good.ok, true);
    assert.equal(good.rules.length, 8);
    const bad = checkSpec({ rules: [{ target: 'x', source: { type: 'jsonata', value: '(' } }], outputSchema: { type: 7 } });
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.problems.map((p) => p.where), ['rules[0].source', 'outputSchema']);
  });
  it('test maps a sample with diff, and reverses one', async () => {
    const forward = await testSpec({ spec: customerToContact, sample: customer, diff: true, current: { MailingCity: 'Paris' } });
    assert.equal(forward.ok, true);
    assert.equal(forward.output!.MailingCity, 'London');
    assert.deepEqual(forward.changes!.find((c) => c.field === 'MailingCity'), { field: 'MailingCity', from: 'Paris', to: 'London' });
    const reverse = await testSpec({ spec: customerToContact, sample: { Stripe_Customer_Id__c: 'cus_1' }, direction: 'reverse' });
    assert.deepEqual(reverse.output, { id: 'cus_1' });
    const invalid = await testSpec({ spec: customerToContact, sample: {} });
    assert.equal(invalid.ok, false);
    assert.equal(invalid.violations.length, 3);
  });
});

describe('mapping engine: schema text and summaries', () => {
  it('accepts schemas as JSON text (as the editor stores them) and reports bad text', async () => {
    const mapping = compileMapping({ rules: [{ target: 'A', source: { type: 'path', value: 'a' } }], inputSchema: '{"required":["a"]}', outputSchema: '  ' });
    const result = await mapping.map({});
    assert.equal(result.ok, false);
    assert.equal(summarizeViolations(!result.ok ? result.violations : []), "input /a: must have required property 'a'");
    assert.throws(() => compileMapping({ rules: [], outputSchema: '{oops' }), /outputSchema: is not valid JSON/);
  });
});

describe('mapping engine: describing bad values', () => {
  it('never throws, whatever the value holds', () => {
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(describeValue({ toString: 'x', n: BigInt(1) }), '{"toString":"x","n":"1n"}');
    assert.equal(describeValue(cyclic), '[object Object]');
    assert.equal(describeValue(undefined), 'undefined');
    assert.equal(describeValue('x'.repeat(100)).length, 80);
  });
});
