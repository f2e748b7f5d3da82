// fg-field-mapper: maps on output 1, rejects with every violation on output 2 (never a partial object), reports a
// bad spec at deploy, runs in reverse and diff mode, and serves the editor's presets / check / test routes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findPreset } from '../../lib/mapping';
import { eventually, FlowNode, getNode, httpAdmin, load, receive, reportedErrors, startServer, stopServer, unload } from '../harness';

const rules = [
  { target: 'Stripe_Charge_Id__c', source: { type: 'path', value: 'id' }, required: true },
  { target: 'Amount__c', source: { type: 'path', value: 'amount' }, transforms: [{ op: 'minorToDecimal', currencyPath: 'currency', reverseCurrencyPath: 'Currency__c' }], required: true },
  { target: 'Currency__c', source: { type: 'path', value: 'currency' } },
  { target: 'Topic__c', source: { type: 'jsonata', value: '$msg.topic' } },
];

function flow(extra: Partial<FlowNode> = {}, errorWired = true): FlowNode[] {
  return [
    { id: 'map', type: 'fg-field-mapper', name: '', specName: 'charges', property: 'payload', outputProperty: 'payload', direction: 'forward', rules, inputSchema: '', outputSchema: '', diff: false, currentProperty: 'current', dropUnchanged: false, errorRouting: 'auto', wires: [['ok'], errorWired ? ['bad'] : []], ...extra },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}

const send = (msg: object) => getNode('map').receive(msg);
const lastStatus = () => getNode('map').status.lastCall?.args[0];

describe('fg-field-mapper', function () {
  afterEach(() => unload());

  it('maps the input property and sends it on output 1', async () => {
    await load(['fg-field-mapper'], flow());
    const arrived = receive('ok');
    send({ topic: 'charge.succeeded', payload: { id: 'ch_1', amount: 500, currency: 'jpy' } });
    const [msg] = await arrived;
    assert.deepStrictEqual(msg.payload, { Stripe_Charge_Id__c: 'ch_1', Amount__c: 500, Currency__c: 'jpy', Topic__c: 'charge.succeeded' });
    assert.strictEqual(lastStatus().fill, 'green');
  });

  it('reads and writes other properties', async () => {
    await load(['fg-field-mapper'], flow({ property: 'data.charge', outputProperty: 'record' }));
    const arrived = receive('ok');
    send({ payload: 'untouched', data: { charge: { id: 'ch_2', amount: 1999, currency: 'usd' } } });
    const [msg] = await arrived;
    assert.strictEqual(msg.payload, 'untouched');
    assert.deepStrictEqual(msg.record, { Stripe_Charge_Id__c: 'ch_2', Amount__c: 19.99, Currency__c: 'usd' });
  });

  it('sends an invalid message to output 2 with every violation and nothing on output 1', async () => {
    await load(['fg-field-mapper'], flow({ inputSchema: '{"type":"object","properties":{"amount":{"type":"integer"}}}', errorRouting: 'output' }));
    const rejected = receive('bad', 2);
    const passed = receive('ok');
    send({ payload: { id: 'ch_3', amount: 12.5, currency: 'usd' } });
    send({ payload: { currency: 'usd' } });
    send({ payload: { id: 'ch_ok', amount: 1, currency: 'usd' } });
    const [first, second] = await rejected;
    assert.strictEqual(first.error.message, 'input /amount: must be integer');
    assert.strictEqual(second.error.details.violations.length, 2, 'the second message is rejected by its rules, not lost');
    assert.strictEqual(first.error.code, 'MAPPING_INVALID');
    assert.strictEqual(first.error.service, 'mapper');
    assert.strictEqual(first.error.retryable, false);
    assert.deepStrictEqual(first.error.details.violations.map((v: any) => [v.stage, v.path, v.keyword]), [['input', '/amount', 'type']]);
    assert.deepStrictEqual(first.payload, { id: 'ch_3', amount: 12.5, currency: 'usd' }, 'input left as it was: no partial output');
    const [ok] = await passed;
    assert.strictEqual(ok.payload.Stripe_Charge_Id__c, 'ch_ok', 'the invalid messages never reached output 1');
    assert.strictEqual(reportedErrors('map').length, 0, 'routing "output" keeps errors away from Catch');
  });

  it('lists both missing required fields, and names the rule and value a transform cannot convert', async () => {
    await load(['fg-field-mapper'], flow({ errorRouting: 'output' }));
    const rejected = receive('bad', 2);
    send({ payload: { currency: 'usd' } });
    send({ payload: { id: 'ch_4', amount: 'lots', currency: 'usd' } });
    const [missing, unconvertible] = await rejected;
    assert.deepStrictEqual(missing.error.details.violations.map((v: any) => v.path), ['Stripe_Charge_Id__c', 'Amount__c']);
    assert.match(missing.error.message, /required value is missing \(got null\) \(\+1 more\)$/);
    const [violation] = unconvertible.error.details.violations;
    assert.strictEqual(violation.rule, 1);
    assert.strictEqual(violation.value, 'lots');
    assert.match(unconvertible.error.message, /rule 2 \(Amount__c\): minorToDecimal cannot convert "lots"/);
    assert.strictEqual(lastStatus().fill, 'yellow');
  });

  it('without a wired error output, fails through done(err) so Catch nodes see it', async () => {
    await load(['fg-field-mapper'], flow({}, false));
    send({ payload: { currency: 'usd' } });
    await eventually(() => reportedErrors('map').length === 1, 'the error reaches Catch');
    assert.match(reportedErrors('map')[0].text, /required value is missing/);
  });

  it('reports an invalid JSONata expression at deploy and rejects messages with SPEC_INVALID', async () => {
    const broken = [...rules, { target: 'X', source: { type: 'jsonata', value: 'amount +' } }];
    await load(['fg-field-mapper'], flow({ rules: broken, outputSchema: '{"type": 12}' }));
    const node = getNode('map');
    assert.deepStrictEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'invalid spec' });
    const logged = node.error.getCalls().map((c: any) => String(c.args[0]));
    assert.strictEqual(logged.length, 1);
    assert.match(logged[0], /mapping spec invalid: rules\[4\]\.source: invalid JSONata.*; outputSchema: /);
    const rejected = receive('bad');
    send({ payload: { id: 'ch_5', amount: 1, currency: 'usd' } });
    const [msg] = await rejected;
    assert.strictEqual(msg.error.code, 'SPEC_INVALID');
    assert.deepStrictEqual(msg.error.details.problems.map((p: any) => p.where), ['rules[4].source', 'outputSchema']);
  });

  it('diff mode sets msg.changes and can drop messages that change nothing', async () => {
    await load(['fg-field-mapper'], flow({ diff: true, dropUnchanged: true }));
    const arrived = receive('ok');
    const current = { Id: 'a01', Stripe_Charge_Id__c: 'ch_6', Amount__c: 5, Currency__c: 'usd' };
    send({ payload: { id: 'ch_6', amount: 500, currency: 'usd' }, current });
    send({ payload: { id: 'ch_6', amount: 700, currency: 'usd' }, current });
    const [msg] = await arrived;
    assert.deepStrictEqual(msg.changes, [{ field: 'Amount__c', from: 5, to: 7 }], 'the unchanged first message was dropped');
  });

  it('reverse direction rebuilds the source object from the invertible rules', async () => {
    await load(['fg-field-mapper'], flow({ direction: 'reverse' }));
    const arrived = receive('ok');
    send({ payload: { Stripe_Charge_Id__c: 'ch_7', Amount__c: 5.12, Currency__c: 'kwd', Topic__c: 'ignored' } });
    const [msg] = await arrived;
    assert.deepStrictEqual(msg.payload, { id: 'ch_7', amount: 5120, currency: 'kwd' });
  });

  describe('editor routes', () => {
    before(() => startServer());
    after(() => stopServer());
    beforeEach(() => load(['fg-field-mapper'], flow()));

    it('GET presets lists the shipped specs', async () => {
      const res = await httpAdmin().get('/flowguard/mapper/presets').expect(200);
      assert.deepStrictEqual(res.body.map((p: any) => p.id), [
        'stripe-customer-to-salesforce-contact', 'stripe-payment-intent-to-salesforce-opportunity', 'stripe-charge-to-salesforce-payment',
        'salesforce-account-to-snowflake-row', 'stripe-charge-to-snowflake-fact',
      ]);
    });

    it('POST check marks rules that cannot be reversed and reports problems', async () => {
      const res = await httpAdmin().post('/flowguard/mapper/check').send({ spec: { rules } }).expect(200);
      assert.deepStrictEqual(res.body.rules.map((r: any) => r.invertible), [true, true, true, false]);
      const bad = await httpAdmin().post('/flowguard/mapper/check').send({ spec: { rules: [{ target: 'a', source: { type: 'path', value: 'x' }, transforms: [{ op: 'nope' }] }] } }).expect(200);
      assert.strictEqual(bad.body.ok, false);
      assert.strictEqual(bad.body.problems[0].where, 'rules[0].transforms[0]');
    });

    it('POST test runs a preset on a sample and returns output and diff', async () => {
      const spec = findPreset('stripe-charge-to-snowflake-fact')!.spec;
      const sample = { id: 'ch_9', object: 'charge', amount: 1999, currency: 'usd', status: 'succeeded', created: 1700000000 };
      const res = await httpAdmin().post('/flowguard/mapper/test').send({ spec, sample, diff: true, current: { AMOUNT: '19.99' } }).expect(200);
      assert.strictEqual(res.body.ok, true);
      assert.strictEqual(res.body.output.AMOUNT, '19.99');
      assert.ok(!res.body.changes.some((c: any) => c.field === 'AMOUNT'));
      const invalid = await httpAdmin().post('/flowguard/mapper/test').send({ spec, sample: { object: 'charge' } }).expect(200);
      assert.strictEqual(invalid.body.ok, false);
      assert.ok(invalid.body.violations.length >= 5, 'every missing required property is listed');
    });
  });

  describe('example flows', () => {
    const exampleDir = path.join(__dirname, '..', '..', '..', 'examples', 'Field mapper');
    const readExample = (file: string): FlowNode[] => JSON.parse(fs.readFileSync(path.join(exampleDir, file), 'utf8'));

    /** Loads the example's mapper nodes with helper nodes on their outputs and sends each inject's message. */
    async function runExample(file: string): Promise<Record<string, { ok: any[]; bad: any[] }>> {
      const nodes = readExample(file);
      const mappers = nodes.filter((n) => n.type === 'fg-field-mapper');
      const flowNodes: FlowNode[] = [];
      for (const m of mappers) {
        const { z: _z, x: _x, y: _y, ...mapper } = m;
        flowNodes.push({ ...mapper, wires: [[`${m.id}-ok`], [`${m.id}-bad`]] } as FlowNode, { id: `${m.id}-ok`, type: 'helper' }, { id: `${m.id}-bad`, type: 'helper' });
      }
      await load(['fg-field-mapper'], flowNodes);
      const got: Record<string, { ok: any[]; bad: any[] }> = {};
      for (const m of mappers) {
        got[m.id] = { ok: [], bad: [] };
        getNode(`${m.id}-ok`).on('input', (msg: any) => got[m.id].ok.push(msg));
        getNode(`${m.id}-bad`).on('input', (msg: any) => got[m.id].bad.push(msg));
      }
      const injects = nodes.filter((n) => n.type === 'inject');
      for (const inject of injects) {
        const msg: Record<string, unknown> = { payload: JSON.parse(inject.payload) };
        for (const prop of inject.props) if (prop.p !== 'payload') msg[prop.p] = JSON.parse(prop.v);
        getNode(inject.wires[0][0]).receive(msg);
      }
      return got;
    }

    it('Stripe charge to Salesforce Payment: amounts per exponent, invalid charge rejected', async () => {
      const got = await runExample('Stripe charge to Salesforce Payment.json');
      const { ok, bad } = got.fgmapex1m;
      await eventually(() => ok.length === 2 && bad.length === 1, 'all three injects handled');
      assert.deepStrictEqual(ok.map((m) => [m.payload.Currency__c, m.payload.Amount__c]), [['jpy', 5000], ['kwd', 12.34]]);
      assert.deepStrictEqual(bad[0].error.details.violations.map((v: any) => v.path).sort(), ['/amount', '/id']);
    });

    it('Diff and reverse mapping: changed fields only, and a Contact back to customer fields', async () => {
      const got = await runExample('Diff and reverse mapping.json');
      await eventually(() => got.fgmapex2m.ok.length === 1 && got.fgmapex2r.ok.length === 1, 'both mappers answered');
      assert.deepStrictEqual(got.fgmapex2m.ok[0].changes.map((c: any) => c.field), ['Phone', 'MailingPostalCode']);
      const customer = got.fgmapex2r.ok[0].payload;
      assert.strictEqual(customer.id, 'cus_example');
      assert.deepStrictEqual(customer.address, { city: 'San Francisco', state: 'CA', postal_code: '94107', country: 'US' });
      assert.strictEqual(customer.phone, '+15555550199');
      assert.strictEqual('email' in customer, false, 'the lower-cased e-mail rule is not reversible');
    });
  });
});
