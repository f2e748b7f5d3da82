// fg-stripe against the sandbox with the unmodified SDK: method families, pagination, 429 handling,
// idempotent replay and mismatch, wrong key, error routing.
import * as assert from 'assert';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { FlowNode, getNode, httpAdmin, load, receive, reportedErrors, eventually, unload } from '../harness';

describe('fg-stripe', function () {
  let sandbox: StripeSandbox;

  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());
  afterEach(() => unload());

  const config = (extra: Partial<FlowNode> = {}): FlowNode => ({ id: 'cfg', type: 'fg-stripe-config', useCustomHost: true, host: sandbox.host, port: sandbox.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 0, ...extra });

  /** One fg-stripe node `s` wired to helpers `ok` and `err` (or only `ok` when errOutput is false). */
  async function deploy(node: Partial<FlowNode>, key = SANDBOX_TEST_KEY, errOutput = true) {
    await load(['fg-stripe-config', 'fg-stripe'], [
      config(),
      { id: 's', type: 'fg-stripe', stripe: 'cfg', idType: 'msg', idValue: 'stripeId', paramsType: 'msg', paramsValue: 'payload', keySource: 'msg', keyScope: 'node', maxItems: 100, listOutput: 'array', errorRouting: 'auto', wires: [['ok'], errOutput ? ['err'] : []], ...node },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { cfg: { secretKey: key } });
  }

  async function call(input: Record<string, unknown>, output: 'ok' | 'err' = 'ok') {
    const arrived = receive(output);
    getNode('s').receive(input);
    return (await arrived)[0];
  }

  it('creates, retrieves, updates, searches and deletes customers', async () => {
    await deploy({ resource: 'customers', method: 'create' });
    const created = await call({ payload: { email: 'n@example.com', metadata: { source: 'node-red' } }, idempotencyKey: 'evt_1' });
    assert.match(created.payload.id, /^cus_/);
    assert.strictEqual(created.stripe.idempotencyKey, 'evt_1:s');
    assert.strictEqual(created.stripe.replayed, false);
    assert.match(created.stripe.requestId, /^req_/);
    await unload();

    await deploy({ resource: 'customers', method: 'update' });
    const updated = await call({ stripeId: created.payload.id, payload: { name: 'Node' } });
    assert.strictEqual(updated.payload.name, 'Node');
    await unload();
    await deploy({ resource: 'customers', method: 'retrieve', paramsType: 'none' });
    const retrieved = await call({ stripeId: created.payload.id, idempotencyKey: 'evt_1' });
    assert.strictEqual(retrieved.payload.email, 'n@example.com');
    assert.strictEqual(retrieved.stripe.idempotencyKey, undefined, 'reads send no idempotency key');
    await unload();
    await deploy({ resource: 'customers', method: 'search' });
    assert.strictEqual((await call({ payload: { query: "metadata['source']:'node-red'" } })).payload.length, 1);
    await unload();
    await deploy({ resource: 'customers', method: 'del', paramsType: 'none' });
    assert.strictEqual((await call({ stripeId: created.payload.id })).payload.deleted, true);
  });

  it('payment intents: create, confirm, capture, refund; cancel; events list', async () => {
    await deploy({ resource: 'paymentIntents', method: 'create' });
    const pi = (await call({ payload: { amount: 3000, currency: 'usd', capture_method: 'manual', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } } })).payload;
    await unload();
    await deploy({ resource: 'paymentIntents', method: 'confirm' });
    assert.strictEqual((await call({ stripeId: pi.id, payload: { payment_method: 'pm_card_visa' } })).payload.status, 'requires_capture');
    await unload();
    await deploy({ resource: 'paymentIntents', method: 'capture' });
    assert.strictEqual((await call({ stripeId: pi.id, payload: {} })).payload.status, 'succeeded');
    await unload();
    await deploy({ resource: 'refunds', method: 'create' });
    assert.strictEqual((await call({ payload: { payment_intent: pi.id, amount: 1000 } })).payload.amount, 1000);
    await unload();
    await deploy({ resource: 'paymentIntents', method: 'cancel', idType: 'str', idValue: (await sandboxClient(sandbox).paymentIntents.create({ amount: 500, currency: 'usd' })).id, paramsType: 'none' });
    assert.strictEqual((await call({})).payload.status, 'canceled');
    await unload();
    await deploy({ resource: 'events', method: 'list', paramsType: 'json', paramsValue: '{"type":"payment_intent.*"}' });
    const types = (await call({})).payload.map((e: any) => e.type);
    assert.ok(types.includes('payment_intent.succeeded') && types.includes('payment_intent.canceled'));
    assert.ok(types.every((t: string) => t.startsWith('payment_intent.')));
  });

  it('products and prices', async () => {
    await deploy({ resource: 'prices', method: 'create' });
    const price = (await call({ payload: { currency: 'eur', unit_amount: 990, product_data: { name: 'Plan' }, recurring: { interval: 'month' } } })).payload;
    assert.strictEqual(price.type, 'recurring');
    await unload();
    await deploy({ resource: 'products', method: 'retrieve', paramsType: 'none' });
    assert.strictEqual((await call({ stripeId: price.product })).payload.name, 'Plan');
  });

  it('lists auto-paginate up to Max items, as one array or one message per item with msg.parts', async () => {
    const stripe = sandboxClient(sandbox);
    for (let i = 0; i < 12; i++) await stripe.customers.create({ email: `l${i}@example.com` });
    await deploy({ resource: 'customers', method: 'list', paramsType: 'json', paramsValue: '{"limit":5}', maxItems: 100 });
    const all = await call({});
    assert.deepStrictEqual([all.payload.length, all.stripe.truncated], [12, false]);
    assert.strictEqual(sandbox.calls.snapshot()['GET /v1/customers'], 3);
    await unload();

    await deploy({ resource: 'customers', method: 'list', paramsType: 'none', maxItems: 4, listOutput: 'split' });
    const arrived = receive('ok', 4);
    getNode('s').receive({ payload: 'trigger', correlationId: 'c-1' });
    const items = await arrived;
    assert.deepStrictEqual(items.map((m) => m.parts.index), [0, 1, 2, 3]);
    assert.ok(items.every((m) => m.parts.count === 4 && m.parts.type === 'array' && m.parts.id === items[0].parts.id && m.correlationId === 'c-1'));
    assert.strictEqual(new Set(items.map((m) => m._msgid)).size, 4);
    assert.strictEqual(items[0].stripe.truncated, true);
  });

  it('waits out a 429 with Retry-After and succeeds; a long Retry-After goes to the error output as retryable', async () => {
    await deploy({ resource: 'customers', method: 'create' });
    sandbox.faults.add({ route: 'POST /v1/customers', kind: '429', retryAfterSeconds: 0, times: 2 });
    const ok = await call({ payload: { email: 'r@example.com' }, idempotencyKey: 'k429' });
    assert.match(ok.payload.id, /^cus_/);
    assert.strictEqual(sandbox.calls.snapshot()['POST /v1/customers'], 3);

    sandbox.faults.add({ route: 'POST /v1/customers', kind: '429', retryAfterSeconds: 30, times: 1 });
    const failed = await call({ payload: { email: 'r2@example.com' } }, 'err');
    assert.deepStrictEqual(
      { code: failed.error.code, status: failed.error.status, retryable: failed.error.retryable, retryAfterMs: failed.error.retryAfterMs, service: failed.error.service },
      { code: 'rate_limit', status: 429, retryable: true, retryAfterMs: 30000, service: 'stripe' },
    );
  });

  it('the same message twice creates once (replayed); two nodes with one event key do not collide', async () => {
    await load(['fg-stripe-config', 'fg-stripe'], [
      config(),
      { id: 's', type: 'fg-stripe', stripe: 'cfg', resource: 'customers', method: 'create', paramsType: 'msg', paramsValue: 'payload', keySource: 'msg', keyScope: 'node', wires: [['ok'], ['err']] },
      { id: 's2', type: 'fg-stripe', stripe: 'cfg', resource: 'products', method: 'create', paramsType: 'msg', paramsValue: 'product', keySource: 'msg', keyScope: 'node', wires: [['ok'], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { cfg: { secretKey: SANDBOX_TEST_KEY } });
    const first = await call({ payload: { email: 'once@example.com' }, idempotencyKey: 'evt_same' });
    const again = await call({ payload: { email: 'once@example.com' }, idempotencyKey: 'evt_same' });
    assert.strictEqual(again.payload.id, first.payload.id);
    assert.strictEqual(again.stripe.replayed, true);
    assert.strictEqual((await sandboxClient(sandbox).customers.list()).data.length, 1);
    const arrived = receive('ok');
    getNode('s2').receive({ product: { name: 'P' }, idempotencyKey: 'evt_same' });
    assert.match((await arrived)[0].payload.id, /^prod_/);

    // Parts split from one event are different messages: each creates its own object.
    const parts = receive('ok', 3);
    for (let index = 0; index < 3; index++) getNode('s').receive({ payload: { email: 'part@example.com' }, idempotencyKey: 'evt_split', parts: { id: 'p1', index, count: 3, type: 'array' } });
    const created = await parts;
    assert.strictEqual(new Set(created.map((m) => m.payload.id)).size, 3);
    assert.ok(created.every((m) => !m.stripe.replayed));
  });

  it('same key with other params → idempotency_error on the error output, not retryable', async () => {
    await deploy({ resource: 'customers', method: 'create', keyScope: 'raw' });
    await call({ payload: { email: 'a@example.com' }, idempotencyKey: 'order-7' });
    const mismatch = await call({ payload: { email: 'b@example.com' }, idempotencyKey: 'order-7' }, 'err');
    assert.deepStrictEqual([mismatch.error.type, mismatch.error.status, mismatch.error.retryable], ['idempotency_error', 400, false]);
  });

  it('a wrong API key → 401 on the error output; the key never appears in msg.error', async () => {
    await deploy({ resource: 'customers', method: 'list', paramsType: 'none' }, 'sk_test_wrong_key_1234567890');
    const failed = await call({}, 'err');
    assert.deepStrictEqual([failed.error.status, failed.error.retryable], [401, false]);
    assert.ok(!JSON.stringify(failed.error).includes('wrong_key_1234567890'));
  });

  it('a card decline is final; with the error output unwired the error goes to Catch (done(err))', async () => {
    await deploy({ resource: 'paymentIntents', method: 'create' }, SANDBOX_TEST_KEY, false);
    getNode('s').receive({ payload: { amount: 100, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } } });
    await eventually(() => reportedErrors('s').length === 1, 'an error for Catch');
    const [reported] = reportedErrors('s');
    assert.match(reported.text, /declined/);
    assert.deepStrictEqual([reported.msg.error.code, reported.msg.error.type, reported.msg.error.retryable], ['card_declined', 'card_error', false]);
  });

  it('serves the SDK catalogue to the editor', async () => {
    await deploy({ resource: 'customers', method: 'create' });
    const catalog = (await httpAdmin().get('/flowguard/stripe/catalog').expect(200)).body;
    assert.strictEqual(catalog[0].path, 'customers');
    assert.ok(catalog.find((r: any) => r.path === 'paymentIntents').methods.some((m: any) => m.name === 'capture' && m.ids === 1));
  });

  it('a malformed key or bad params fail loudly without calling Stripe', async () => {
    await deploy({ resource: 'customers', method: 'create' }, 'not-a-key');
    assert.match(getNode('s').status.lastCall.args[0].text, /^Stripe config: .*secret key/);
    const failed = await call({ payload: { email: 'x@example.com' } }, 'err');
    assert.match(failed.error.message, /Stripe config cannot be used: .*secret key missing or malformed/);
    assert.deepStrictEqual([failed.error.code, failed.error.retryable], ['CONFIG_MISSING', false]);
    await unload();
    await deploy({ resource: 'customers', method: 'retrieve' });
    const succeeded: any[] = [];
    getNode('ok').on('input', (msg: any) => succeeded.push(msg));
    const noId = await call({ payload: {} }, 'err');
    assert.match(noId.error.message, /needs 1 id/);
    const objectId = await call({ stripeId: { id: 'cus_1' }, payload: {} }, 'err');
    assert.match(objectId.error.message, /ids must be strings/);
    const notObject = await call({ stripeId: 'cus_1', payload: 'text' }, 'err');
    assert.match(notObject.error.message, /params must be an object/);
    // Each bad message left on the error output (awaited above) and none on the success output.
    assert.strictEqual(succeeded.length, 0);
    assert.deepStrictEqual(sandbox.calls.snapshot(), {});
  });
});
