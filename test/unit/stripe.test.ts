// lib/stripe: signatures (checked against the SDK's own signer), event filters, error mapping, pacing,
// the method catalogue and calls (against the sandbox).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import Stripe from 'stripe';
import { describeSdk } from '../../lib/stripe/catalog';
import { idempotencyKeyFor, messageKey, runStripeCall, sendsIdempotencyKey } from '../../lib/stripe/call';
import { createStripeConnection } from '../../lib/stripe/client';
import { toStripeFlowError } from '../../lib/stripe/errors';
import { classifyError } from '../../lib/reliability/classify';
import { compileEventFilter } from '../../lib/stripe/event-filter';
import { computeSignature, signatureHeader, verifySignature } from '../../lib/stripe/signature';
import { STRIPE_EVENT_TYPES } from '../../lib/stripe/event-types';
import { defaultRatePerSecond, Throttle } from '../../lib/stripe/throttle';
import { createWebhookVerifier, listEventsSince } from '../../lib/stripe/webhook';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';

const sdk = new Stripe('sk_test_unit', { telemetry: false });
const SECRET = 'whsec_unit_test_secret_value';
const NOW = 1_800_000_000;
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } });

describe('lib/stripe signature', () => {
  it('computes what the SDK computes, and the SDK accepts our header', () => {
    const header = sdk.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW });
    assert.strictEqual(header, `t=${NOW},v1=${computeSignature(body, SECRET, NOW)}`);
    const ours = signatureHeader(body, SECRET, Math.floor(Date.now() / 1000));
    assert.strictEqual(sdk.webhooks.constructEvent(body, ours, SECRET).id, 'evt_1');
  });

  it('accepts a valid signature within tolerance and reports which secret matched (rotation)', () => {
    const header = signatureHeader(body, SECRET, NOW);
    assert.deepStrictEqual(verifySignature(body, header, ['whsec_new_secret_aaaa', SECRET], { nowSeconds: NOW + 10 }), { ok: true, timestamp: NOW, secretIndex: 1 });
  });

  it('rejects forgeries: wrong secret, tampered body, old or future timestamp, missing or malformed header', () => {
    const header = signatureHeader(body, SECRET, NOW);
    const check = (raw: string, h: string | undefined, secrets = [SECRET], now = NOW) => verifySignature(raw, h, secrets, { nowSeconds: now });
    assert.deepStrictEqual(check(body, header, ['whsec_other_secret_bbbb']), { ok: false, reason: 'no_matching_signature' });
    assert.deepStrictEqual(check(body.replace('evt_1', 'evt_2'), header), { ok: false, reason: 'no_matching_signature' });
    assert.deepStrictEqual(check(body, header, [SECRET], NOW + 301), { ok: false, reason: 'timestamp_outside_tolerance' });
    assert.deepStrictEqual(check(body, header, [SECRET], NOW - 301), { ok: false, reason: 'timestamp_outside_tolerance' });
    assert.deepStrictEqual(check(body, undefined), { ok: false, reason: 'missing_header' });
    assert.deepStrictEqual(check(body, 'garbage'), { ok: false, reason: 'malformed_header' });
    assert.deepStrictEqual(check(body, `t=${NOW},v0=${computeSignature(body, SECRET, NOW)}`), { ok: false, reason: 'malformed_header' });
    assert.deepStrictEqual(check('', header), { ok: false, reason: 'empty_body' });
    assert.deepStrictEqual(check(body, header, []), { ok: false, reason: 'no_secret' });
    // The right HMAC in upper-case hex: Stripe never sends it and its libraries refuse it, so it is not a signature.
    assert.deepStrictEqual(check(body, `t=${NOW},v1=${computeSignature(body, SECRET, NOW).toUpperCase()}`), { ok: false, reason: 'malformed_header' });
    // A signature made for another timestamp does not verify when t is changed.
    assert.deepStrictEqual(check(body, header.replace(`t=${NOW}`, `t=${NOW + 5}`)), { ok: false, reason: 'no_matching_signature' });
  });

  it('accepts any matching v1 among several; tolerance 0 turns the age check off', () => {
    const good = computeSignature(body, SECRET, NOW);
    const header = `t=${NOW},v1=${'0'.repeat(64)},v1=${good}`;
    assert.strictEqual(verifySignature(body, header, [SECRET], { nowSeconds: NOW }).ok, true);
    assert.strictEqual(verifySignature(body, signatureHeader(body, SECRET, NOW), [SECRET], { nowSeconds: NOW + 100000, toleranceSeconds: 0 }).ok, true);
  });

  it('webhook verifier: 400 on forgery, bad JSON or non-events; filtered types acknowledged but not accepted', () => {
    const verify = createWebhookVerifier({ secrets: [SECRET], toleranceSeconds: 300, eventTypes: ['payment_intent.*'] }, () => NOW);
    const ok = verify(Buffer.from(body), signatureHeader(body, SECRET, NOW));
    assert.ok(ok.status === 200 && ok.accepted && ok.event.id === 'evt_1');
    const other = JSON.stringify({ id: 'evt_2', object: 'event', type: 'customer.created' });
    const skipped = verify(Buffer.from(other), signatureHeader(other, SECRET, NOW));
    assert.ok(skipped.status === 200 && !skipped.accepted);
    assert.deepStrictEqual(verify(Buffer.from('not json'), signatureHeader('not json', SECRET, NOW)), { status: 400, reason: 'invalid_json' });
    assert.deepStrictEqual(verify(Buffer.from('{"a":1}'), signatureHeader('{"a":1}', SECRET, NOW)), { status: 400, reason: 'not_an_event' });
    assert.deepStrictEqual(verify(Buffer.from(body), signatureHeader(body, 'whsec_forged_secret', NOW)), { status: 400, reason: 'no_matching_signature' });
  });
});

describe('lib/stripe event filter', () => {
  it('matches exact types, prefixes with *, and everything with * or an empty list', () => {
    const filter = compileEventFilter(['payment_intent.*', 'customer.created']);
    assert.deepStrictEqual(['payment_intent.succeeded', 'customer.created', 'customer.updated', 'payment_intentXsucceeded'].map(filter), [true, true, false, false]);
    assert.strictEqual(compileEventFilter([])('anything'), true);
    assert.strictEqual(compileEventFilter(['*'])('charge.refunded'), true);
  });
});

describe('lib/stripe errors and pacing', () => {
  it('maps SDK errors to msg.error with retryable and Retry-After', () => {
    const limited = toStripeFlowError(Stripe.errors.StripeError.generate({ type: 'invalid_request_error', code: 'rate_limit', message: 'slow down', statusCode: 429, headers: { 'retry-after': '2' }, requestId: 'req_1' } as any));
    assert.deepStrictEqual(
      { code: limited.code, status: limited.status, retryable: limited.retryable, retryAfterMs: limited.retryAfterMs, requestId: limited.requestId, service: limited.service },
      { code: 'rate_limit', status: 429, retryable: true, retryAfterMs: 2000, requestId: 'req_1', service: 'stripe' },
    );
    const card = toStripeFlowError(Stripe.errors.StripeError.generate({ type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'no', statusCode: 402 } as any));
    assert.deepStrictEqual([card.type, card.retryable, (card.details as any).declineCode], ['card_error', false, 'insufficient_funds']);
    const lock = toStripeFlowError(Stripe.errors.StripeError.generate({ type: 'invalid_request_error', code: 'lock_timeout', message: 'busy', statusCode: 400 } as any));
    assert.strictEqual(lock.retryable, true);
    const mismatch = toStripeFlowError(Stripe.errors.StripeError.generate({ type: 'idempotency_error', message: 'keys', statusCode: 400 } as any));
    assert.deepStrictEqual([mismatch.type, mismatch.retryable], ['idempotency_error', false]);
    // Stripe-Should-Retry wins over the status, here and in fg-retry's classification.
    const noRetry = toStripeFlowError(Stripe.errors.StripeError.generate({ type: 'api_error', message: 'x', statusCode: 500, headers: { 'stripe-should-retry': 'false' } } as any));
    assert.deepStrictEqual([noRetry.retryable, (noRetry.details as any).shouldRetry, classifyError(noRetry)], [false, false, 'permanent']);
    assert.strictEqual(classifyError(limited), 'retryable');
    assert.strictEqual(classifyError(card), 'permanent');
    const leaky = toStripeFlowError(new Error('Invalid API Key provided: sk_test_abcdefghijklmnop'));
    assert.ok(!leaky.message.includes('abcdefghijklmnop'));
  });

  it('throttle spaces request starts 1/rate apart (no burst at a window edge); close releases waiters', async () => {
    let now = 0;
    const throttle = new Throttle(2, () => now);
    const started: number[] = [];
    const take = () => throttle.acquire().then(() => started.push(now));
    await take();
    const second = take();
    const third = take();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepStrictEqual(started, [0], 'the second start waits for its slot, 500 ms later');
    assert.strictEqual(throttle.headroom(), 0);
    now = 500;
    await second;
    assert.deepStrictEqual(started, [0, 500]);
    throttle.close();
    await third;
    assert.strictEqual(started.length, 3, 'close releases the waiter');
    assert.deepStrictEqual([defaultRatePerSecond('sk_test_x'), defaultRatePerSecond('sk_live_x'), defaultRatePerSecond('rk_live_x')], [25, 100, 100]);
  });

  it('idempotency keys: scoped per node, stable, at most 255 characters', () => {
    assert.strictEqual(idempotencyKeyFor('evt_1', 'n1'), 'evt_1:n1');
    assert.strictEqual(idempotencyKeyFor('evt_1'), 'evt_1');
    assert.strictEqual(idempotencyKeyFor(undefined, 'n1'), undefined);
    const long = idempotencyKeyFor('x'.repeat(300), 'n1')!;
    assert.ok(long.length <= 255 && long === idempotencyKeyFor('x'.repeat(300), 'n1'));
    assert.strictEqual(messageKey({ idempotencyKey: 'evt_1', _msgid: 'm1' }), 'evt_1');
    assert.strictEqual(messageKey({ _msgid: 'm1' }), 'm1');
    assert.strictEqual(messageKey({}), undefined);
    assert.strictEqual(messageKey({ idempotencyKey: 'evt_1', parts: { id: 'p', index: 2, parts: { id: 'q', index: 0 } } }), 'evt_1/q.0/p.2');
    const sends = (name: string, kind: 'list' | 'search' | 'other' = 'other') => sendsIdempotencyKey({ name, ids: 0, kind });
    assert.deepStrictEqual([sends('create'), sends('confirm'), sends('update'), sends('retrieve'), sends('del'), sends('deleteSource'), sends('list', 'list'), sends('search', 'search')],
      [true, true, true, false, false, false, false, false]);
  });

  it('catalogue: built from the SDK, featured resources first, arity gives the id count', () => {
    const catalog = describeSdk(sdk);
    assert.strictEqual(catalog[0].path, 'customers');
    const customers = catalog.find((r) => r.path === 'customers')!;
    assert.deepStrictEqual(customers.methods.find((m) => m.name === 'retrieve'), { name: 'retrieve', ids: 1, kind: 'other' });
    assert.deepStrictEqual(customers.methods.find((m) => m.name === 'retrieveSource'), { name: 'retrieveSource', ids: 2, kind: 'other' });
    assert.deepStrictEqual(customers.methods.find((m) => m.name === 'search')?.kind, 'search');
    assert.ok(catalog.some((r) => r.path === 'checkout.sessions'));
    assert.ok(!catalog.some((r) => r.path.startsWith('v2') || r.path === 'webhooks'));
  });

  it('the event-type picker list matches the installed SDK (Stripe.Event.Type)', () => {
    const typings = fs.readFileSync(path.join(path.dirname(require.resolve('stripe')), 'resources', 'Events.d.ts'), 'utf8');
    const union = /type Type = ([^;]+);/.exec(typings)![1];
    assert.deepStrictEqual([...STRIPE_EVENT_TYPES], [...union.matchAll(/'([^']+)'/g)].map((m) => m[1]));
  });
});

describe('lib/stripe calls against the sandbox', () => {
  let sandbox: StripeSandbox;
  let connection: ReturnType<typeof createStripeConnection>;
  const catalog = describeSdk(sdk);
  before(async () => {
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
    connection = createStripeConnection({ secretKey: SANDBOX_TEST_KEY, ...sandbox.clientOptions, maxNetworkRetries: 0, ratePerSecond: 0 });
  });
  after(async () => {
    connection.close();
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  it('retries a 429 in place after Retry-After with the same idempotency key', async () => {
    sandbox.faults.add({ route: 'POST /v1/customers', kind: '429', retryAfterSeconds: 2, times: 2 });
    const waits: number[] = [];
    const out = await runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'create', ids: [], params: { email: 'a@example.com' }, idempotencyKey: 'k1', maxItems: 1 }, undefined, async (ms) => { waits.push(ms); });
    assert.deepStrictEqual(waits, [2000, 2000]);
    assert.strictEqual(out.kind, 'object');
    assert.strictEqual(sandbox.calls.snapshot()['POST /v1/customers'], 3);
    const again = await runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'create', ids: [], params: { email: 'a@example.com' }, idempotencyKey: 'k1', maxItems: 1 });
    assert.strictEqual(again.replayed, true);
    assert.strictEqual((again.result as any).id, (out.result as any).id);
  });

  it('gives up when Retry-After is longer than the in-place budget (the flow retries later)', async () => {
    sandbox.faults.add({ route: 'GET /v1/customers', kind: '429', retryAfterSeconds: 60 });
    await assert.rejects(runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'list', ids: [], params: {}, maxItems: 10 }, undefined, async () => assert.fail('must not wait')), (err: any) => err.statusCode === 429);
  });

  it('paginates lists and searches up to maxItems and reports truncation', async () => {
    for (let i = 0; i < 7; i++) await connection.stripe.customers.create({ email: `p${i}@example.com` });
    const all = await runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'list', ids: [], params: { limit: 3 }, maxItems: 100 });
    assert.deepStrictEqual([(all.result as any[]).length, all.truncated], [7, false]);
    const five = await runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'list', ids: [], params: { limit: 2 }, maxItems: 5 });
    assert.deepStrictEqual([(five.result as any[]).length, five.truncated], [5, true]);
    const found = await runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'search', ids: [], params: { query: "email~'example.com'", limit: 2 }, maxItems: 100 });
    assert.strictEqual((found.result as any[]).length, 7);
    await assert.rejects(runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'constructor', ids: [], params: {}, maxItems: 1 }), /Unknown method/);
    await assert.rejects(runStripeCall(connection.stripe, catalog, { resource: 'customers', method: 'retrieve', ids: [], params: {}, maxItems: 1 }), /needs 1 id/);
  });

  it('backfill lists events since a time, filtered, oldest first', async () => {
    const since = Math.floor(Date.now() / 1000) - 5;
    await connection.stripe.customers.create({ email: 'b1@example.com' });
    await connection.stripe.products.create({ name: 'x' });
    await connection.stripe.customers.create({ email: 'b2@example.com' });
    const events = await listEventsSince(connection.stripe, since, ['customer.*']);
    assert.deepStrictEqual(events.map((e) => (e.data.object as any).email), ['b1@example.com', 'b2@example.com']);
    await assert.rejects(listEventsSince(connection.stripe, since, [], 2), /More than 2 events/);
  });
});
