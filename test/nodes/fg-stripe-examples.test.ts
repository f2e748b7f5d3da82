// The shipped Stripe example flows run against the sandbox (debug nodes swapped for helper nodes).
import * as assert from 'assert';
import { computeSignature } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { getNode, httpNode, loadExample, receive, unload } from '../harness';

async function loadStripeExample(name: string, sandbox: StripeSandbox, credentials: Record<string, string>) {
  await loadExample(`Stripe/${name}.json`, {
    configure: (node) => (node.type === 'fg-stripe-config' ? { ...node, host: sandbox.host, port: String(sandbox.port), ratePerSecond: 0 } : node),
    credentials: (node) => (node.type === 'fg-stripe-config' ? credentials : undefined),
  });
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
    await loadStripeExample('Charge once with idempotency keys', sandbox, { secretKey: SANDBOX_TEST_KEY });
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
    await loadStripeExample('Verified webhook with backfill', sandbox, { secretKey: SANDBOX_TEST_KEY, webhookSecrets: secret });
    const event = JSON.stringify({ id: 'evt_paid', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } });
    const t = Math.floor(Date.now() / 1000);
    const paid = receive('st-ex1-paid');
    const res = await httpNode().post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', `t=${t},v1=${computeSignature(event, secret, t)}`).send(event);
    assert.strictEqual(res.status, 200);
    assert.strictEqual((await paid)[0].idempotencyKey, 'evt_paid');

    const stripe = sandboxClient(sandbox);
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
    await stripe.refunds.create({ payment_intent: pi.id });
    const backfilled = receive('st-ex1-paid');
    const others = receive('st-ex1-other');
    getNode('st-ex1-backfill').receive({});
    assert.strictEqual((await backfilled)[0].payload.data.object.id, pi.id);
    assert.strictEqual((await others)[0].payload.type, 'charge.refunded');
  });
});
