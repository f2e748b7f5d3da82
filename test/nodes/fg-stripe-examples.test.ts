// The shipped Stripe example flows run against the sandbox (debug nodes swapped for helper nodes).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import supertest = require('supertest');
import { computeSignature } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { FlowNode, getNode, helper, nodeModule, receive, unload } from '../harness';

// Examples live in the source tree; this file runs from the build folder two levels below the repo root.
const EXAMPLES = [path.join(__dirname, '..', '..', '..', 'examples', 'Stripe'), path.join(__dirname, '..', '..', 'examples', 'Stripe')].find((dir) => fs.existsSync(dir))!;
const core = (file: string) => require(require.resolve(`@node-red/nodes/core/${file}`));

/** The RED object the nodes were given (its httpNode carries the webhook route). */
let RED: any;
const capture = (mod: any) => (red: any) => {
  RED = red;
  return (mod.default ?? mod)(red);
};

function example(name: string, sandbox: StripeSandbox): FlowNode[] {
  const flow: FlowNode[] = JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8'));
  return flow
    .filter((node) => node.type !== 'comment')
    .map((node) => {
      if (node.type === 'debug') return { id: node.id, type: 'helper', z: node.z };
      if (node.type === 'fg-stripe-config') return { ...node, host: sandbox.host, port: String(sandbox.port), ratePerSecond: 0 };
      return node;
    });
}

async function loadExample(name: string, sandbox: StripeSandbox, credentials: Record<string, string>) {
  const flow = example(name, sandbox);
  const tab = flow.find((node) => node.z)!.z;
  const configId = flow.find((node) => node.type === 'fg-stripe-config')!.id;
  const modules = [capture(require(nodeModule('fg-stripe-config'))), capture(require(nodeModule('fg-stripe'))), capture(require(nodeModule('fg-stripe-webhook'))),
    core('common/20-inject.js'), core('function/10-switch.js'), core('function/15-change.js'), core('sequence/17-split.js')];
  await helper.load(modules, [{ id: tab, type: 'tab', label: name }, ...flow], { [configId]: credentials });
}

describe('Stripe examples', function () {
  let sandbox: StripeSandbox;
  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());
  afterEach(() => unload());

  it('Charge once with idempotency keys: pressing the inject twice charges once; customer list joins back', async () => {
    await loadExample('Charge once with idempotency keys', sandbox, { secretKey: SANDBOX_TEST_KEY });
    const two = receive('st-ex2-ok', 2);
    getNode('st-ex2-inject').receive({});
    getNode('st-ex2-inject').receive({});
    const [first, second] = await two;
    assert.strictEqual(first.payload.status, 'succeeded');
    assert.strictEqual(second.payload.id, first.payload.id);
    assert.deepStrictEqual([first.stripe.replayed, second.stripe.replayed].sort(), [false, true]);
    assert.strictEqual((await sandboxClient(sandbox).paymentIntents.list()).data.length, 1);

    const stripe = sandboxClient(sandbox);
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) await stripe.customers.create({ email });
    const joined = receive('st-ex2-emails');
    getNode('st-ex2-list').receive({});
    assert.deepStrictEqual((await joined)[0].payload.sort(), ['a@example.com', 'b@example.com', 'c@example.com']);
  });

  it('Verified webhook with backfill: a signed event reaches the "paid" branch; backfill emits past events', async () => {
    const secret = 'whsec_example_flow_secret_01';
    await loadExample('Verified webhook with backfill', sandbox, { secretKey: SANDBOX_TEST_KEY, webhookSecrets: secret });
    const event = JSON.stringify({ id: 'evt_paid', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } });
    const t = Math.floor(Date.now() / 1000);
    const paid = receive('st-ex1-paid');
    const res = await supertest(RED.httpNode).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', `t=${t},v1=${computeSignature(event, secret, t)}`).send(event);
    assert.strictEqual(res.status, 200);
    assert.strictEqual((await paid)[0].idempotencyKey, 'evt_paid');

    const stripe = sandboxClient(sandbox);
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id });
    const backfilled = receive('st-ex1-paid');
    const others = receive('st-ex1-other');
    getNode('st-ex1-backfill').receive({});
    assert.strictEqual((await backfilled)[0].payload.data.object.id, pi.id);
    assert.strictEqual((await others)[0].payload.type, 'charge.refunded');
  });
});
