// fg-stripe-webhook with thin events (event destinations, API v2): the sandbox delivers v2 event notifications signed
// as Stripe signs them; the node verifies and parses them with the SDK's parseEventNotification, fetches what it is
// asked to (the full event, the related object, the v1 snapshot event) and keys the msg by the event id, so an
// idempotency gate lets a duplicate delivery through once. Forged or stale notifications get 400 and emit nothing.
import * as assert from 'assert';
import { signatureHeader } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { eventually, FlowNode, getNode, httpNode, load, unload } from '../harness';
import { stripeDelivery } from './stripe-delivery';

const now = () => Math.floor(Date.now() / 1000);

describe('fg-stripe-webhook: thin events from event destinations', function () {
  this.timeout(20000);
  const delivery = stripeDelivery('/stripe/thin');

  function flow(hook: Partial<FlowNode>, gate = false): FlowNode[] {
    const cfg = { id: 'cfg', type: 'fg-stripe-config', name: 'stripe', useCustomHost: true, host: delivery.sandbox.host, port: delivery.sandbox.port, protocol: 'http' };
    const node = { id: 'hook', type: 'fg-stripe-webhook', stripe: 'cfg', path: '/stripe/thin', eventTypes: '*', toleranceSeconds: 300, thinEvents: true, thinFetch: 'none', ...hook };
    if (!gate) return [cfg, { ...node, wires: [['out']] }, { id: 'out', type: 'helper' }];
    return [
      cfg, { id: 'store', type: 'fg-store-config', backend: 'memory' }, { ...node, wires: [['gate']] },
      { id: 'gate', type: 'fg-idempotency-gate', store: 'store', fingerprintProps: 'correlationId', wires: [['out'], ['dup'], []] },
      { id: 'out', type: 'helper' }, { id: 'dup', type: 'helper' },
    ];
  }

  /** An event destination for `types` in the delivery.sandbox, then the flow deployed with its signing secret. */
  async function deploy(types: string[], hook: Partial<FlowNode> = {}, gate = false) {
    const stripe = sandboxClient(delivery.sandbox);
    const destination = await stripe.v2.core.eventDestinations.create({
      name: 'flowguard', type: 'webhook_endpoint', event_payload: 'thin', enabled_events: types, webhook_endpoint: { url: delivery.url },
      include: ['webhook_endpoint.signing_secret'],
    });
    const secret = destination.webhook_endpoint!.signing_secret!;
    assert.match(secret, /^whsec_/);
    const sets = ['fg-stripe-config', 'fg-stripe-webhook', ...(gate ? ['fg-store-config', 'fg-idempotency-gate'] : [])];
    const RED = await load(sets, flow(hook, gate), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: secret } });
    delivery.app = RED.httpNode;
    return { stripe, secret };
  }

  const collect = (id = 'out') => {
    const got: any[] = [];
    getNode(id).on('input', (msg: any) => got.push(msg));
    return got;
  };

  it('accepts a delivered notification: one msg with the notification, keyed by the v2 event id', async () => {
    const { stripe } = await deploy(['v1.customer.created']);
    const got = collect();
    const customer = await stripe.customers.create({ email: 'thin@example.com' });
    await delivery.sandbox.webhooks.idle();
    await eventually(() => got.length === 1, 'one notification');
    const msg = got[0];
    assert.strictEqual(msg.payload.object, 'v2.core.event');
    assert.strictEqual(msg.payload.type, 'v1.customer.created');
    assert.match(msg.payload.id, /^evt_test_/);
    assert.deepStrictEqual(msg.payload.related_object, { id: customer.id, type: 'customer', url: `/v1/customers/${customer.id}` });
    assert.strictEqual(msg.payload.data, undefined, 'a thin event carries no object snapshot');
    assert.strictEqual(msg.idempotencyKey, msg.payload.id);
    assert.strictEqual(msg.topic, 'v1.customer.created');
    assert.strictEqual(msg.stripe.thin, true);
  });

  it('fetches the related object, the full event or the v1 snapshot event on request', async () => {
    for (const [fetch, check] of [
      ['related_object', (msg: any, id: string) => assert.deepStrictEqual([msg.payload.object, msg.payload.id, msg.payload.email], ['customer', id, 'after@example.com'])],
      ['event', (msg: any) => assert.deepStrictEqual([msg.payload.object, msg.payload.type, /^evt_/.test(msg.payload.snapshot_event)], ['v2.core.event', 'v1.customer.created', true])],
      ['snapshot', (msg: any, id: string) => {
        assert.deepStrictEqual([msg.payload.object, msg.payload.type, msg.payload.data.object.id, msg.payload.data.object.email], ['event', 'customer.created', id, 'before@example.com']);
        assert.strictEqual(msg.topic, 'customer.created', 'the topic a snapshot endpoint gives');
      }],
    ] as const) {
      delivery.sandbox.reset();
      const { stripe } = await deploy(['v1.customer.created'], { thinFetch: fetch });
      const got = collect();
      // Held until the update: the related object is fetched in its current state, the snapshot is as it was.
      delivery.sandbox.webhooks.settings.outOfOrder = true;
      delivery.sandbox.webhooks.settings.holdMs = 60000;
      const customer = await stripe.customers.create({ email: 'before@example.com' });
      await stripe.customers.update(customer.id, { email: 'after@example.com' });
      delivery.sandbox.webhooks.flush();
      await delivery.sandbox.webhooks.idle();
      await eventually(() => got.length === 1, `one msg (${fetch})`);
      check(got[0], customer.id);
      assert.strictEqual(typeof got[0].payload.fetchRelatedObject, 'undefined', 'plain JSON on the msg');
      await unload();
    }
  });

  it('forged, tampered, stale and snapshot-shaped bodies get 400 and nothing enters the flow', async () => {
    const { stripe, secret } = await deploy(['v1.customer.created']);
    const got = collect();
    await stripe.customers.create({ email: 'real@example.com' });
    await delivery.sandbox.webhooks.idle();
    await eventually(() => got.length === 1, 'the real one');
    const real = (await stripe.v2.core.events.list({})).data[0];
    const body = JSON.stringify({ id: real.id, object: 'v2.core.event', type: 'v1.customer.created', created: real.created, livemode: false, related_object: (real as any).related_object });
    const t = now();
    const snapshot = JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.created', data: { object: {} } });
    const cases: [string, string, string | undefined][] = [
      ['wrong secret', body, signatureHeader(body, 'whsec_attacker', t)],
      ['tampered body', body.replace('v1.customer.created', 'v1.customer.deleted'), signatureHeader(body, secret, t)],
      ['stale timestamp', body, signatureHeader(body, secret, t - 301)],
      ['missing header', body, undefined],
      ['malformed header', body, 'v1=abc'],
      ['a v1 event on a thin endpoint', snapshot, signatureHeader(snapshot, secret, t)],
      ['signed non-JSON', 'hello', signatureHeader('hello', secret, t)],
    ];
    for (const [what, payload, header] of cases) {
      const request = httpNode().post('/stripe/thin').set('Content-Type', 'application/json');
      if (header !== undefined) request.set('Stripe-Signature', header);
      const res = await request.send(payload);
      assert.strictEqual(res.status, 400, what);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.strictEqual(got.length, 1, 'only the delivered notification');
    const hook = getNode('hook');
    const logged = hook.warn.getCalls().map((c: any) => String(c.args[0])).join('\n');
    for (const reason of ['no_matching_signature', 'timestamp_outside_tolerance', 'missing_header', 'malformed_header', 'not_a_thin_event', 'invalid_json']) {
      assert.ok(logged.includes(reason), `logged ${reason}`);
    }
    assert.ok(!logged.includes('whsec_'), 'no secret in the log');
    // The same body, signed now with the right secret, is accepted: the checks above refused for their own reasons.
    const res = await httpNode().post('/stripe/thin').set('Content-Type', 'application/json').set('Stripe-Signature', signatureHeader(body, secret, now())).send(body);
    assert.strictEqual(res.status, 200);
    await eventually(() => got.length === 2, 'the re-signed notification');
  });

  it('a duplicate delivery reaches the flow twice with one key, and past an idempotency gate once', async () => {
    delivery.sandbox.webhooks.settings.duplicate = true;
    const { stripe } = await deploy(['v1.invoice.payment_failed', 'v1.customer.created'], { thinFetch: 'related_object' }, true);
    const passed = collect('out');
    const dropped = collect('dup');
    await stripe.customers.create({ email: 'dup@example.com' });
    await delivery.sandbox.webhooks.idle();
    await eventually(() => passed.length + dropped.length === 2, 'both copies handled');
    assert.strictEqual(passed.length, 1);
    assert.strictEqual(dropped.length, 1);
    assert.strictEqual(passed[0].idempotencyKey, dropped[0].idempotencyKey);
    assert.strictEqual(delivery.sandbox.webhooks.attempts.filter((attempt) => attempt.status === 200).length, 2);
  });

  it('a fetch that fails goes to Catch with the notification on the msg', async () => {
    const { stripe } = await deploy(['v1.customer.deleted'], { thinFetch: 'related_object' });
    const got = collect();
    const customer = await stripe.customers.create({ email: 'gone@example.com' });
    // The related object of a deleted customer still answers (deleted: true); a failing API does not.
    delivery.sandbox.faults.add({ route: 'GET /v1/customers/:id', kind: '500', times: 10 });
    await stripe.customers.del(customer.id);
    await delivery.sandbox.webhooks.idle();
    const hook = getNode('hook');
    await eventually(() => hook.error.called, 'reported');
    const [, msg] = hook.error.firstCall.args;
    assert.strictEqual(msg.payload.type, 'v1.customer.deleted');
    assert.strictEqual(msg.stripe.relatedObject.id, customer.id);
    assert.deepStrictEqual(msg.error.source, { id: 'hook', type: 'fg-stripe-webhook' }, 'the failing node named, as routed errors are');
    assert.strictEqual(got.length, 0);
  });

  it('register: creates its event destination with the thin types, verifies with the returned secret, deletes it with the node', async () => {
    const stripe = sandboxClient(delivery.sandbox);
    const hook = { register: true, publicUrl: delivery.url, eventTypes: 'customer.created, invoice.*', thinFetch: 'related_object' };
    const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(hook), { cfg: { secretKey: SANDBOX_TEST_KEY } });
    delivery.app = RED.httpNode;
    await eventually(() => getNode('hook').status.lastCall?.args[0].text === 'POST /stripe/thin', 'registered');
    const [destination] = (await stripe.v2.core.eventDestinations.list()).data;
    assert.strictEqual(destination.webhook_endpoint?.url, delivery.url);
    assert.ok(destination.enabled_events.includes('v1.customer.created') && destination.enabled_events.includes('v1.invoice.payment_failed'));
    assert.ok(destination.enabled_events.every((type) => type.startsWith('v1.')));
    const got = collect();
    const customer = await stripe.customers.create({ email: 'registered@example.com' });
    await delivery.sandbox.webhooks.idle();
    await eventually(() => got.length === 1, 'delivered and verified');
    assert.strictEqual(got[0].payload.id, customer.id);
    const node = getNode('hook');
    await new Promise<void>((resolve) => node.close(true).then(resolve));
    assert.deepStrictEqual((await stripe.v2.core.eventDestinations.list()).data, []);
  });

  it('Connect: a connected account\'s event reaches an other_accounts destination with its context, and its object is fetched on that account', async () => {
    const stripe = sandboxClient(delivery.sandbox);
    const seller = await stripe.accounts.create({ type: 'express' });
    const destination = await stripe.v2.core.eventDestinations.create({
      name: 'connect', type: 'webhook_endpoint', event_payload: 'thin', enabled_events: ['v1.customer.created'], events_from: ['other_accounts'],
      webhook_endpoint: { url: delivery.url }, include: ['webhook_endpoint.signing_secret'],
    });
    const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow({ thinFetch: 'related_object' }), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: destination.webhook_endpoint!.signing_secret! } });
    delivery.app = RED.httpNode;
    const got = collect();
    await stripe.customers.create({ email: 'platform@example.com' });
    const customer = await stripe.customers.create({ email: 'seller@example.com' }, { stripeAccount: seller.id });
    await delivery.sandbox.webhooks.idle();
    await eventually(() => got.length === 1, 'the connected account\'s event');
    const msg = got[0];
    assert.deepStrictEqual([msg.payload.id, msg.payload.email], [customer.id, 'seller@example.com'], 'fetched with Stripe-Context on the seller\'s account');
    assert.strictEqual(msg.stripeAccount, seller.id);
    assert.strictEqual(msg.idempotencyKey, `${seller.id}/${msg.stripe.eventId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.strictEqual(got.length, 1, 'the platform\'s own event does not go to an other_accounts destination');
  });
});
