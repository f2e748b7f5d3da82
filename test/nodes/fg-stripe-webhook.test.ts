// fg-stripe-webhook: forged requests never enter the flow; verified events do, once per delivery, with the
// event id as idempotency key; real deliveries from the sandbox (duplicates, out of order) and backfill.
import * as assert from 'assert';
import supertest = require('supertest');
import type Stripe from 'stripe';
import { computeSignature, signatureHeader } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import express = require('express');
import { eventually, FlowNode, getNode, helper, httpAdmin, httpNode, load, receive, unload } from '../harness';
import { stripeDelivery } from './stripe-delivery';

const SECRET = 'whsec_test_current_secret_0001';
const OLD_SECRET = 'whsec_test_previous_secret_0002';
const now = () => Math.floor(Date.now() / 1000);

function eventBody(type = 'payment_intent.succeeded', id = 'evt_test_1'): string {
  return JSON.stringify({ id, object: 'event', type, created: now(), livemode: false, data: { object: { id: 'pi_1', object: 'payment_intent', amount: 4200 } } });
}

function flow(extra: Partial<FlowNode> = {}, config: Partial<FlowNode> = {}): FlowNode[] {
  return [
    { id: 'cfg', type: 'fg-stripe-config', name: 'stripe', ...config },
    { id: 'hook', type: 'fg-stripe-webhook', stripe: 'cfg', path: '/stripe/hook', eventTypes: 'payment_intent.*', toleranceSeconds: 300, maxBodyKb: 4, wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];
}

const post = (body: string, signature?: string) => {
  const request = httpNode().post('/stripe/hook').set('Content-Type', 'application/json');
  if (signature !== undefined) request.set('Stripe-Signature', signature);
  return request.send(body);
};

/** Collects every message reaching the helper node. */
function collect(): any[] {
  const got: any[] = [];
  getNode('out').on('input', (msg: any) => got.push(msg));
  return got;
}

describe('fg-stripe-webhook', function () {
  afterEach(() => unload());

  describe('signature checks', () => {
    let got: any[];
    beforeEach(async () => {
      await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: `${SECRET}, ${OLD_SECRET}` } });
      got = collect();
    });

    it('accepts a correctly signed event: 200 and one message keyed by the event id', async () => {
      const body = eventBody();
      const [res, msgs] = await Promise.all([post(body, signatureHeader(body, SECRET, now())), receive('out')]);
      assert.strictEqual(res.status, 200);
      const msg = msgs[0];
      assert.strictEqual(msg.payload.id, 'evt_test_1');
      assert.strictEqual(msg.idempotencyKey, 'evt_test_1');
      assert.strictEqual(msg.correlationId, 'evt_test_1');
      assert.strictEqual(msg.topic, 'payment_intent.succeeded');
      assert.strictEqual(msg.stripe.secretIndex, 0);
    });

    it('accepts the previous secret during rotation and several v1 values', async () => {
      const body = eventBody();
      const t = now();
      assert.strictEqual((await post(body, signatureHeader(body, OLD_SECRET, t))).status, 200);
      assert.strictEqual((await post(body, `t=${t},v1=${computeSignature(body, 'whsec_unknown_secret', t)},v1=${computeSignature(body, SECRET, t)}`)).status, 200);
      await eventually(() => got.length === 2, 'two messages');
      assert.deepStrictEqual(got.map((m) => m.stripe.secretIndex), [1, 0]);
    });

    it('forgeries get 400 and nothing enters the flow', async () => {
      const body = eventBody();
      const t = now();
      const forgeries: [string, string, string | undefined][] = [
        ['wrong secret', body, signatureHeader(body, 'whsec_attacker_secret', t)],
        ['tampered body', body.replace('4200', '1'), signatureHeader(body, SECRET, t)],
        ['old timestamp', body, signatureHeader(body, SECRET, t - 301)],
        ['missing header', body, undefined],
        ['malformed header', body, 'v1=abc'],
        ['signature of another timestamp', body, `t=${t},v1=${computeSignature(body, SECRET, t - 1000)}`],
        ['signed non-JSON', 'hello', signatureHeader('hello', SECRET, t)],
      ];
      for (const [what, payload, header] of forgeries) {
        const res = await post(payload, header);
        assert.strictEqual(res.status, 400, what);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.strictEqual(got.length, 0);
      const hook = getNode('hook');
      const logged = hook.warn.getCalls().map((c: any) => String(c.args[0])).join('\n');
      assert.match(logged, /no_matching_signature/);
      assert.match(logged, /timestamp_outside_tolerance/);
      assert.ok(!logged.includes('4200') && !logged.includes('whsec_'), 'no payload or secret in logs');
      assert.deepStrictEqual(hook.status.lastCall.args[0].text, `0 ok · ${forgeries.length} rejected`);
    });

    it('acknowledges events of other types without sending them; refuses oversized bodies with 413', async () => {
      const other = eventBody('customer.created', 'evt_other');
      assert.strictEqual((await post(other, signatureHeader(other, SECRET, now()))).status, 200);
      const big = JSON.stringify({ id: 'evt_big', object: 'event', type: 'payment_intent.created', pad: 'x'.repeat(5000) });
      assert.strictEqual((await post(big, signatureHeader(big, SECRET, now()))).status, 413);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.strictEqual(got.length, 0);
    });
  });

  it('without a signing secret every request is refused', async () => {
    await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(), { cfg: { secretKey: SANDBOX_TEST_KEY } });
    const body = eventBody();
    assert.strictEqual((await post(body, signatureHeader(body, '', now()))).status, 400);
    assert.strictEqual(getNode('hook').status.lastCall.args[0].text, '0 ok · 1 rejected');
  });

  it('serves Stripe\'s event types for the editor picker', async () => {
    await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } });
    const types = (await httpAdmin().get('/flowguard/stripe/event-types').expect(200)).body;
    assert.ok(types.includes('payment_intent.succeeded') && types.includes('checkout.session.completed'));
  });

  it('gets the raw bytes even when an app mounted before httpNode parses JSON (Node-RED\'s admin app at the same root)', async () => {
    const credentials = { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } };
    const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(), credentials);
    const root = express();
    root.use(express.json());
    root.use('/', RED.httpNode);
    // Restart the nodes now that httpNode has a parent app, as at runtime start.
    await helper.setFlows(flow(), 'full', credentials);
    const body = eventBody().replace('{', '{ ');
    const arrived = receive('out');
    const res = await supertest(root).post('/stripe/hook').set('Content-Type', 'application/json').set('Stripe-Signature', signatureHeader(body, SECRET, now())).send(body);
    assert.strictEqual(res.status, 200);
    assert.strictEqual((await arrived)[0].payload.id, 'evt_test_1');
    const big = JSON.stringify({ id: 'evt_big', object: 'event', type: 'payment_intent.created', pad: 'x'.repeat(5000) });
    assert.strictEqual((await supertest(root).post('/stripe/hook').set('Content-Type', 'application/json').set('Stripe-Signature', signatureHeader(big, SECRET, now())).send(big)).status, 413);
  });

  it('removes its route when the flow stops', async () => {
    const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } });
    const app = RED.httpNode;
    const body = eventBody();
    assert.strictEqual((await supertest(app).post('/stripe/hook').send(body).set('Stripe-Signature', signatureHeader(body, SECRET, now()))).status, 200);
    await unload();
    assert.strictEqual((await supertest(app).post('/stripe/hook').send(body).set('Stripe-Signature', signatureHeader(body, SECRET, now()))).status, 404);
  });

  describe('with the sandbox delivering', () => {
    const delivery = stripeDelivery('/stripe/hook');

    /** Registers the endpoint in the delivery.sandbox, then deploys the flow with its signing secret. */
    async function deploy(types: string[]) {
      const stripe = sandboxClient(delivery.sandbox);
      const endpoint = await stripe.webhookEndpoints.create({ url: delivery.url, enabled_events: types as Stripe.WebhookEndpointCreateParams.EnabledEvent[] });
      const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow({ eventTypes: types.join(',') }, { useCustomHost: true, host: delivery.sandbox.host, port: delivery.sandbox.port, protocol: 'http' }), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: endpoint.secret! } });
      delivery.app = RED.httpNode;
      return stripe;
    }

    it('duplicate deliveries reach the flow with the same idempotency key (for the gate)', async () => {
      delivery.sandbox.webhooks.settings.duplicate = true;
      const stripe = await deploy(['payment_intent.succeeded']);
      const got = collect();
      const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
      await delivery.sandbox.webhooks.idle();
      await eventually(() => got.length === 2, 'two deliveries');
      assert.strictEqual(got[0].idempotencyKey, got[1].idempotencyKey);
      assert.strictEqual(got[0].payload.data.object.id, pi.id);
      assert.ok(delivery.sandbox.webhooks.attempts.every((a) => a.status === 200));
    });

    it('out-of-order deliveries arrive newest first, each verified', async () => {
      delivery.sandbox.webhooks.settings.outOfOrder = true;
      delivery.sandbox.webhooks.settings.holdMs = 60000;
      const stripe = await deploy(['payment_intent.created', 'payment_intent.succeeded']);
      const got = collect();
      const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
      await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      delivery.sandbox.webhooks.flush();
      await delivery.sandbox.webhooks.idle();
      await eventually(() => got.length === 2, 'two events');
      assert.deepStrictEqual(got.map((m) => m.payload.type), ['payment_intent.succeeded', 'payment_intent.created']);
    });

    it('backfill emits the events created since a time, oldest first, filtered by type', async () => {
      const stripe = await deploy(['payment_intent.created']);
      const since = now() - 2;
      await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
      await stripe.customers.create({ email: 'not-selected@example.com' });
      await stripe.paymentIntents.create({ amount: 200, currency: 'usd' });
      await delivery.sandbox.webhooks.idle();
      const got = collect();
      const before = got.length;
      getNode('hook').receive({ payload: { since } });
      await eventually(() => got.length === before + 2, 'two backfilled events');
      const backfilled = got.slice(before);
      assert.deepStrictEqual(backfilled.map((m) => m.payload.data.object.amount), [100, 200]);
      assert.ok(backfilled.every((m) => m.stripe.backfill === true && m.idempotencyKey === m.payload.id));
    });

    it('register: creates its endpoint on deploy, verifies with the returned secret, replaces it on redeploy, deletes it with the node', async () => {
      const stripe = sandboxClient(delivery.sandbox);
      const mine = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/other', enabled_events: ['*'] });
      const cfg = { useCustomHost: true, host: delivery.sandbox.host, port: delivery.sandbox.port, protocol: 'http' };
      const node = { eventTypes: 'payment_intent.*, customer.created', register: true, publicUrl: delivery.url };
      const deployRegistered = async () => {
        const RED = await load(['fg-stripe-config', 'fg-stripe-webhook'], flow(node, cfg), { cfg: { secretKey: SANDBOX_TEST_KEY } });
        delivery.app = RED.httpNode;
        await eventually(() => getNode('hook').status.lastCall?.args[0].text === 'POST /stripe/hook', 'registered');
      };
      await deployRegistered();
      const endpoints = async () => (await stripe.webhookEndpoints.list()).data.filter((e) => e.id !== mine.id);
      const [first] = await endpoints();
      assert.strictEqual(first.url, delivery.url);
      assert.ok(first.enabled_events.includes('payment_intent.succeeded') && first.enabled_events.includes('customer.created') && !first.enabled_events.includes('*'));
      const got = collect();
      await stripe.customers.create({ email: 'reg@example.com' });
      await delivery.sandbox.webhooks.idle();
      await eventually(() => got.length === 1, 'delivered and verified');
      assert.strictEqual(got[0].payload.type, 'customer.created');

      await unload();
      await deployRegistered();
      const [second] = await endpoints();
      assert.notStrictEqual(second.id, first.id);
      assert.strictEqual((await endpoints()).length, 1);

      const hook = getNode('hook');
      await new Promise<void>((resolve) => hook.close(true).then(resolve));
      assert.deepStrictEqual((await stripe.webhookEndpoints.list()).data.map((e) => e.id), [mine.id]);
    });

    it('a backfill without a start time is an error for Catch nodes', async () => {
      await deploy(['payment_intent.created']);
      const hook = getNode('hook');
      hook.receive({ payload: {} });
      await eventually(() => hook.error.called, 'error reported');
      assert.match(String(hook.error.firstCall.args[0]?.message ?? hook.error.firstCall.args[0]), /since/);
    });
  });
});
