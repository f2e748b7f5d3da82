// Scenario 5 end to end: during a Stripe outage customer creations are retried, then parked in the DLQ with a
// notification; the scheduled replay waits for a healthy probe and then creates each customer exactly once.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, startAllSandboxes } from './sandboxes';
import { eventually, fetchExample, NodeRedProcess, startNodeRed } from './runtime';


describe('e2e: Scenario 5, DLQ operations', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  const collector = new Collector();

  before(async () => {
    sandboxes = await startAllSandboxes();
    await collector.start();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    red = await startNodeRed();
    let flow = await fetchExample(red, 'Scenarios/5 DLQ operations');
    // Notifications go to the collector as the chat webhook, exactly as NOTIFY_URL is meant to be used.
    flow = flow.map((node) => (node.type === 'tab' ? { ...node, env: [{ name: 'NOTIFY_URL', value: `${collector.url}/chat`, type: 'str' }] } : node));
    // Shorter backoff so the outage is over in seconds (the circuit would hold retries for its 30 s cooldown).
    flow = flow.map((node) => (node.id === 'sc5-retry' ? { ...node, baseMs: 50, capMs: 200, circuit: false } : node));
    flow = collector.tap(flow, 'sc5-probe', 1, 'still-down');
    await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-3000));
  });
  after(async () => {
    await red?.close();
    await collector.close();
    await sandboxes?.close();
  });

  const depth = async () => (await red.request('GET', '/flowguard/dlq/sc5-dlq')).body.depth as number;
  const customers = async (shopId: string) => (await stripe.customers.list({ limit: 100 })).data.filter((c) => c.metadata.shop_id === shopId);
  const send = (id: string) =>
    fetch(`${red.url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, email: `${id}@example.com`, name: `Customer ${id}` }) });

  it('parks every customer during an outage and sends a notification', async () => {
    await control(sandboxes.info.stripe.url, 'POST', '/_sandbox/faults', { route: '*', kind: '503' });
    for (const id of ['c-1', 'c-2', 'c-3']) assert.equal((await send(id)).status, 202);
    await eventually('three parked messages', async () => (await depth()) === 3);
    const [chat] = await collector.wait('chat');
    assert.match(chat.text, /^Customer sync: a message was parked after /);
  });

  it('does not replay while the probe still fails', async () => {
    assert.equal((await red.request('POST', '/inject/sc5-timer')).status, 200);
    await collector.wait('still-down');
    assert.equal(await depth(), 3);
  });

  it('replays everything once Stripe is back: each customer exactly once, even one the shop sent again', async () => {
    await control(sandboxes.info.stripe.url, 'DELETE', '/_sandbox/faults');
    // The shop retries c-2 itself meanwhile: it is created now, and its parked copy must not create it again.
    await send('c-2');
    await eventually('c-2 created by the shop retry', async () => (await customers('c-2')).length === 1);
    assert.equal((await red.request('POST', '/inject/sc5-timer')).status, 200);
    await eventually('an empty queue', async () => (await depth()) === 0);
    await eventually('three customers', async () => (await customers('c-1')).length === 1 && (await customers('c-3')).length === 1);
    await new Promise((r) => setTimeout(r, 500));
    for (const id of ['c-1', 'c-2', 'c-3']) {
      const found = await customers(id);
      assert.equal(found.length, 1, `${id}: ${found.length} customers`);
      assert.equal(found[0].email, `${id}@example.com`);
    }
  });
});
