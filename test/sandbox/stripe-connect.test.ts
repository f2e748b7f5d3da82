// Connect in the Stripe sandbox, driven by the unmodified `stripe` SDK: connected accounts, the Stripe-Account header
// (per-request `stripeAccount` option) selecting a per-account object space, idempotency keys per account, and Connect
// webhook endpoints receiving the connected accounts' events with `account` set.
import * as assert from 'assert';
import Stripe from 'stripe';
import { startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient, startReceiver } from '../../sandbox/stripe/testing';
import { rejection } from '../support/rejection';

describe('Stripe sandbox: Connect (official SDK)', function () {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0, delivery: { retryDelaysMs: [20, 40] } });
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    sandbox.webhooks.settings.retryDelaysMs = [20, 40];
    stripe = sandboxClient(sandbox);
  });

  it('creates connected accounts, retrieves and lists them; the header reaches GET /v1/account', async () => {
    const created = await stripe.accounts.create({ type: 'express', country: 'US', email: 'seller@example.com', business_profile: { name: 'Seller One' }, metadata: { shop: 's1' } });
    assert.match(created.id, /^acct_/);
    assert.strictEqual(created.object, 'account');
    assert.strictEqual(created.type, 'express');
    assert.strictEqual(created.email, 'seller@example.com');
    assert.deepStrictEqual(created.metadata, { shop: 's1' });
    assert.strictEqual(created.business_profile?.name, 'Seller One');
    assert.strictEqual((await stripe.accounts.retrieve(created.id)).id, created.id);
    const own = await stripe.accounts.retrieveCurrent();
    assert.notStrictEqual(own.id, created.id);
    assert.strictEqual((await stripe.accounts.retrieveCurrent({}, { stripeAccount: created.id })).id, created.id);
    const second = await stripe.accounts.create({ type: 'custom', country: 'US' });
    assert.deepStrictEqual((await stripe.accounts.list()).data.map((a) => a.id), [second.id, created.id]);
  });

  it('refuses a missing or bad type, an unknown account id, and account creation from a connected account', async () => {
    const missing = await rejection(stripe.accounts.create({}));
    assert.strictEqual(missing.statusCode, 400);
    assert.strictEqual(missing.param, 'type');
    const bad = await rejection(stripe.accounts.create({ type: 'premium' as any }));
    assert.strictEqual(bad.param, 'type');
    const unknown = await rejection(stripe.accounts.retrieve('acct_nope'));
    assert.strictEqual(unknown.statusCode, 404);
    assert.strictEqual(unknown.code, 'resource_missing');
    const connected = await stripe.accounts.create({ type: 'express' });
    const nested = await rejection(stripe.accounts.create({ type: 'express' }, { stripeAccount: connected.id }));
    assert.strictEqual(nested.statusCode, 400);
    assert.match(nested.message, /signed up for Connect/);
  });

  it('a Stripe-Account header naming no connected account of the key is refused (account_invalid), nothing created', async () => {
    const err = await rejection(stripe.customers.create({ email: 'x@example.com' }, { stripeAccount: 'acct_1NotMine', idempotencyKey: 'k-invalid' }));
    assert.strictEqual(err.statusCode, 403);
    assert.strictEqual(err.type, 'StripePermissionError');
    assert.strictEqual(err.code, 'account_invalid');
    assert.match(err.message, /does not have access to account 'acct_1NotMine'/);
    assert.doesNotMatch(err.message, /flowguard_sandbox/);
    assert.strictEqual((await stripe.customers.list()).data.length, 0);
    // Another platform's connected account is no more reachable than a made-up one.
    const other = sandboxClient(sandbox, 'sk_live_flowguard_sandbox');
    const theirs = await other.accounts.create({ type: 'express' });
    assert.strictEqual((await rejection(stripe.customers.list({}, { stripeAccount: theirs.id }))).code, 'account_invalid');
  });

  it('each account has its own objects: invisible to the platform and to other connected accounts', async () => {
    const a = await stripe.accounts.create({ type: 'express' });
    const b = await stripe.accounts.create({ type: 'express' });
    const onA = await stripe.customers.create({ email: 'a@example.com' }, { stripeAccount: a.id });
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }, { stripeAccount: a.id });
    assert.strictEqual(pi.status, 'succeeded');
    assert.strictEqual((await stripe.customers.retrieve(onA.id, {}, { stripeAccount: a.id })).id, onA.id);
    assert.strictEqual((await rejection(stripe.customers.retrieve(onA.id))).code, 'resource_missing');
    assert.strictEqual((await rejection(stripe.customers.retrieve(onA.id, {}, { stripeAccount: b.id }))).code, 'resource_missing');
    assert.strictEqual((await rejection(stripe.paymentIntents.retrieve(pi.id, {}, { stripeAccount: b.id }))).code, 'resource_missing');
    assert.deepStrictEqual((await stripe.customers.list()).data, []);
    assert.deepStrictEqual((await stripe.customers.list({}, { stripeAccount: a.id })).data.map((c) => c.id), [onA.id]);
    // The connected account's events name it.
    const events = await stripe.events.list({ type: 'customer.created' }, { stripeAccount: a.id });
    assert.deepStrictEqual(events.data.map((e) => e.account), [a.id]);
    assert.strictEqual((await stripe.events.list()).data.length, 0);
  });

  it('idempotency keys are per account: the same key on two accounts is two requests; on one account a replay', async () => {
    const a = await stripe.accounts.create({ type: 'express' });
    const b = await stripe.accounts.create({ type: 'express' });
    const first = await stripe.customers.create({ email: 'k@example.com' }, { stripeAccount: a.id, idempotencyKey: 'same-key' });
    const other = await stripe.customers.create({ email: 'k@example.com' }, { stripeAccount: b.id, idempotencyKey: 'same-key' });
    const platform = await stripe.customers.create({ email: 'k@example.com' }, { idempotencyKey: 'same-key' });
    assert.strictEqual(new Set([first.id, other.id, platform.id]).size, 3);
    assert.notStrictEqual(other.lastResponse.headers['idempotent-replayed'], 'true');
    const again = await stripe.customers.create({ email: 'k@example.com' }, { stripeAccount: a.id, idempotencyKey: 'same-key' });
    assert.strictEqual(again.id, first.id);
    assert.strictEqual(again.lastResponse.headers['idempotent-replayed'], 'true');
    assert.strictEqual((await stripe.customers.list({}, { stripeAccount: a.id })).data.length, 1);
  });

  describe('Connect webhook endpoints', () => {
    let receivers: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      receivers = [];
    });

    it('a connect endpoint gets the connected accounts\' events with account set; the platform endpoint only its own', async () => {
      const connectHook = await startReceiver();
      const platformHook = await startReceiver();
      receivers.push(connectHook, platformHook);
      const connectEndpoint = await stripe.webhookEndpoints.create({ url: connectHook.url, enabled_events: ['customer.created'], connect: true });
      assert.strictEqual((connectEndpoint as any).connect, undefined);
      await stripe.webhookEndpoints.create({ url: platformHook.url, enabled_events: ['customer.created'] });
      const a = await stripe.accounts.create({ type: 'express' });
      const b = await stripe.accounts.create({ type: 'express' });
      const onA = await stripe.customers.create({ email: 'a@example.com' }, { stripeAccount: a.id });
      const onB = await stripe.customers.create({ email: 'b@example.com' }, { stripeAccount: b.id });
      const own = await stripe.customers.create({ email: 'p@example.com' });
      await sandbox.webhooks.idle();
      const events = connectHook.received.map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, connectEndpoint.secret!));
      assert.deepStrictEqual(events.map((e) => [e.account, (e.data.object as Stripe.Customer).id]), [[a.id, onA.id], [b.id, onB.id]]);
      assert.deepStrictEqual(platformHook.received.map((r) => [r.event.account, r.event.data.object.id]), [[undefined, own.id]]);
      assert.strictEqual((await stripe.events.retrieve(events[0].id, {}, { stripeAccount: a.id })).pending_webhooks, 0);
    });
  });
});
