// fg-reconcile: report on output 1, fix proposals on output 2, bad input and bad configuration on output 3 / Catch.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlowNode, getNode, helper, load, nodeModule, receive, reportedErrors, unload } from '../harness';

const fields = [{ a: 'amount', b: 'AMOUNT', compare: 'money', unitsA: 'minor', unitsB: 'decimal', currencyField: 'currency' }];

function flow(extra: Partial<FlowNode> = {}, errorWired = true): FlowNode[] {
  return [
    { id: 'rec', type: 'fg-reconcile', name: '', propertyA: 'payload.a', propertyB: 'payload.b', keyA: 'id', keyB: 'ID', keyIgnoreCase: false, fields, maxListed: 1000, fixes: true, errorRouting: 'auto', wires: [['report'], ['fix'], errorWired ? ['bad'] : []], ...extra },
    { id: 'report', type: 'helper' },
    { id: 'fix', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}

const sets = {
  a: [{ id: 'ch_1', amount: 1999, currency: 'usd' }, { id: 'ch_2', amount: 500, currency: 'usd' }, { id: 'ch_3', amount: 700, currency: 'eur' }],
  b: [{ ID: 'ch_1', AMOUNT: 19.99 }, { ID: 'ch_2', AMOUNT: 50 }, { ID: 'ch_9', AMOUNT: 1 }],
};

describe('fg-reconcile', function () {
  afterEach(() => unload());

  it('sends the report on output 1 and one fix per difference on output 2', async () => {
    await load(['fg-reconcile'], flow());
    const report = receive('report');
    const fixes = receive('fix', 3);
    getNode('rec').receive({ payload: sets, correlationId: 'run-1', day: '2024-01-01' });
    const [msg] = await report;
    assert.equal(msg.day, '2024-01-01');
    assert.deepEqual(msg.payload.onlyInA, ['ch_3']);
    assert.deepEqual(msg.payload.onlyInB, ['ch_9']);
    assert.deepEqual(msg.payload.mismatched, [{ key: 'ch_2', fields: [{ field: 'amount', a: 500, b: 50 }] }]);
    assert.equal(msg.payload.matchedCount, 1);
    const got = await fixes;
    assert.deepEqual(got.map((m) => [m.topic, m.payload.key, m.correlationId]), [['update', 'ch_2', 'run-1'], ['create', 'ch_3', 'run-1'], ['review', 'ch_9', 'run-1']]);
    assert.equal(getNode('rec').status.lastCall.args[0].fill, 'yellow');
  });

  it('reads the sets from other properties and drops them from the message', async () => {
    await load(['fg-reconcile'], flow({ propertyA: 'charges', propertyB: 'rows', fixes: false }));
    const report = receive('report');
    getNode('rec').receive({ charges: sets.a.slice(0, 1), rows: sets.b.slice(0, 1) });
    const [msg] = await report;
    assert.equal(msg.payload.ok, true);
    assert.equal(msg.charges, undefined);
    assert.equal(msg.rows, undefined);
    assert.equal(getNode('rec').status.lastCall.args[0].fill, 'green');
  });

  it('routes a set that is not an array to the error output, and to Catch when unwired', async () => {
    await load(['fg-reconcile'], flow());
    const bad = receive('bad');
    getNode('rec').receive({ payload: { a: [], b: 'oops' } });
    const [msg] = await bad;
    assert.equal(msg.error.code, 'INPUT_INVALID');
    assert.match(msg.error.message, /msg\.payload\.b must be an array/);
    await unload();

    await load(['fg-reconcile'], flow({}, false));
    getNode('rec').receive({ payload: { b: [] } });
    await new Promise((r) => setTimeout(r, 50));
    const errors = reportedErrors('rec');
    assert.equal(errors.length, 1);
    assert.match(errors[0].text, /msg\.payload\.a must be an array/);
  });

  it('reports a bad configuration at deploy and rejects every message with it', async () => {
    await load(['fg-reconcile'], flow({ fields: [{ a: 'amount', compare: 'money' }] }));
    assert.equal(getNode('rec').status.lastCall.args[0].fill, 'red');
    const bad = receive('bad');
    getNode('rec').receive({ payload: sets });
    const [msg] = await bad;
    assert.equal(msg.error.code, 'CONFIG_INVALID');
    assert.match(msg.error.message, /money needs a currency/);
  });
});

describe('Reconcile example', function () {
  afterEach(() => unload());

  it('Compare two record sets: finds the missing, extra and differing charges and nothing else', async () => {
    const dir = [path.join(__dirname, '..', '..', '..', 'examples', 'Reconcile'), path.join(__dirname, '..', '..', 'examples', 'Reconcile')].find((d) => fs.existsSync(d))!;
    const example: FlowNode[] = JSON.parse(fs.readFileSync(path.join(dir, 'Compare two record sets.json'), 'utf8'));
    const flowNodes = example
      .filter((node) => node.type !== 'comment' && node.type !== 'tab')
      .map((node) => (node.type === 'debug' ? { id: node.id, type: 'helper', z: node.z } : node));
    const inject = require(require.resolve('@node-red/nodes/core/common/20-inject.js'));
    await helper.load([require(nodeModule('fg-reconcile')), inject], [{ id: 'rec-ex1-tab', type: 'tab', label: 'x' }, ...flowNodes]);
    const report = receive('rec-ex1-report');
    const fixes = receive('rec-ex1-fixes', 3);
    getNode('rec-ex1-inject').receive({});
    const [msg] = await report;
    assert.deepEqual(msg.payload.onlyInA, ['ch_1004']);
    assert.deepEqual(msg.payload.onlyInB, ['ch_9999']);
    assert.deepEqual(msg.payload.mismatched, [{ key: 'ch_1003', fields: [{ field: 'amount', a: 4200, b: 24 }] }]);
    assert.equal(msg.payload.matchedCount, 2);
    assert.deepEqual((await fixes).map((m) => m.topic), ['update', 'create', 'review']);
  });
});
