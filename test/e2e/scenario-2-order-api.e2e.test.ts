// Scenario 2 end to end: POST /orders/:id/pay in a real Node-RED process creates exactly one PaymentIntent per
// order in the Stripe sandbox, replays the original response, and refuses a changed amount.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { control, pointAtSandboxes, startAllSandboxes } from './sandboxes';
import { fetchExample, NodeRedProcess, startNodeRed } from './runtime';

describe('e2e: Scenario 2, order API → Stripe', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;

  before(async () => {
    sandboxes = await startAllSandboxes();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    red = await startNodeRed();
    const flow = await fetchExample(red, 'Scenarios/2 Order API to Stripe');
    await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
  });

  const pay = (order: string, body: object) =>
    fetch(`${red.url}/orders/${order}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function intentsFor(order: string): Promise<Stripe.PaymentIntent[]> {
    const all = await stripe.paymentIntents.list({ limit: 100 });
    return all.data.filter((pi) => pi.metadata.order_id === order);
  }

  it('charges an order once: 201, then the same 201 response again, then 409 for another amount', async () => {
    const first = await pay('1001', { amount: 2000, currency: 'USD', payment_method: 'pm_card_visa' });
    assert.equal(first.status, 201);
    const body = (await first.json()) as any;
    assert.equal(body.order, '1001');
    assert.equal(body.status, 'succeeded');
    assert.equal(body.amount, 2000);
    assert.equal(body.currency, 'usd');
    assert.match(body.paymentIntent, /^pi_/);

    const again = await pay('1001', { amount: 2000, currency: 'usd', payment_method: 'pm_card_visa' });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await again.json(), body);

    const changed = await pay('1001', { amount: 2500, currency: 'usd', payment_method: 'pm_card_visa' });
    assert.equal(changed.status, 409);
    assert.equal(((await changed.json()) as any).code, 'IDEMPOTENCY_CONFLICT');

    const intents = await intentsFor('1001');
    assert.equal(intents.length, 1);
    assert.equal(intents[0].id, body.paymentIntent);
    assert.equal(intents[0].amount, 2000);
    assert.equal(intents[0].status, 'succeeded');
  });

  it('lets exactly one of five concurrent calls for the same order reach Stripe', async () => {
    const calls = await Promise.all(Array.from({ length: 5 }, () => pay('1002', { amount: 1234, currency: 'eur', payment_method: 'pm_card_visa' })));
    const statuses = calls.map((r) => r.status).sort();
    const fresh = calls.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') !== 'true');
    assert.equal(fresh.length, 1, `statuses ${statuses}`);
    assert.ok(statuses.every((s) => s === 201 || s === 409), `statuses ${statuses}`);
    const bodies = await Promise.all(calls.filter((r) => r.status === 201).map(async (r) => ((await r.json()) as any).paymentIntent));
    assert.equal(new Set(bodies).size, 1);
    const intents = await intentsFor('1002');
    assert.equal(intents.length, 1);
    assert.equal(intents[0].amount, 1234);
  });

  it('survives a Stripe 500: the retry carries the same key, one PaymentIntent', async () => {
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/faults', { route: 'POST /v1/payment_intents', kind: '500', times: 1 });
    const res = await pay('1003', { amount: 999, currency: 'usd', payment_method: 'pm_card_visa' });
    assert.equal(res.status, 201);
    const intents = await intentsFor('1003');
    assert.equal(intents.length, 1);
    assert.equal(intents[0].amount, 999);
  });

  it('answers a declined card with 402; calling again with another card is refused, never a second PaymentIntent', async () => {
    const declined = await pay('1004', { amount: 500, currency: 'usd', payment_method: 'pm_card_chargeDeclined' });
    assert.equal(declined.status, 402);
    assert.equal(((await declined.json()) as any).code, 'card_declined');
    // The claim was released, so the gate lets the call through, but Stripe refuses the order's key with other params.
    const retried = await pay('1004', { amount: 500, currency: 'usd', payment_method: 'pm_card_visa' });
    assert.equal(retried.status, 409);
    const intents = await intentsFor('1004');
    assert.equal(intents.filter((pi) => pi.status === 'succeeded').length, 0);
    assert.equal(intents.length, 1);
  });
});
