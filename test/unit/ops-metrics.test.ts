// lib/ops/metrics: per node counters / gauges / histograms in a registry of our own, the dashboard snapshot,
// the last hour per minute, and the Prometheus text format.
import * as assert from 'assert';
import { register } from 'prom-client';
import { FlowGuardMetrics } from '../../lib/ops/metrics';
import { Throttle } from '../../lib/stripe/throttle';

const stripeNode = { id: 'n1', type: 'fg-stripe', name: 'charge', z: 'flow1' };
const dlqNode = { id: 'n2', type: 'fg-dead-letter', name: '', z: 'flow1' };

describe('ops metrics registry', () => {
  let clock = Date.UTC(2026, 0, 1, 12, 0, 30);
  let m: FlowGuardMetrics;
  beforeEach(() => {
    clock = Date.UTC(2026, 0, 1, 12, 0, 30);
    m = new FlowGuardMetrics(() => clock);
  });

  it('counts per node and per error code, and snapshots without sharing state', () => {
    m.count(stripeNode, 'received', 3);
    m.count(stripeNode, 'sent');
    m.count(stripeNode, 'errors', 1, 'card_declined');
    m.count(stripeNode, 'errors', 2, 'rate_limit');
    m.count(stripeNode, 'errors');
    m.count(dlqNode, 'parked', 0); // zero / negative increments are ignored
    const [snap] = m.snapshot();
    assert.deepStrictEqual(snap.counters, { received: 3, sent: 1, errors: 4, retries_scheduled: 0, duplicates: 0, conflicts: 0, parked: 0, replayed: 0 });
    assert.deepStrictEqual(snap.errorsByCode, { card_declined: 1, rate_limit: 2, UNKNOWN: 1 });
    assert.deepStrictEqual(snap.lastError, { code: 'UNKNOWN', at: clock });
    snap.counters.received = 99;
    assert.strictEqual(m.snapshot()[0].counters.received, 3, 'a snapshot is a copy');
    assert.deepStrictEqual(m.nodeIds(), ['n1']);
  });

  it('writes the Prometheus text format with node, type, name and flow labels, in its own registry', async () => {
    m.count(stripeNode, 'received', 2);
    m.count(stripeNode, 'errors', 1, 'card_declined');
    m.gauge(dlqNode, 'dlq_depth', 7);
    m.observe(stripeNode, 'call_seconds', 0.2);
    const text = await m.metrics();
    assert.match(text, /^# HELP flowguard_received_total Messages received by the node$/m);
    assert.match(text, /^# TYPE flowguard_received_total counter$/m);
    assert.match(text, /^flowguard_received_total\{node="n1",type="fg-stripe",name="charge",flow="flow1"\} 2$/m);
    assert.match(text, /^flowguard_errors_total\{node="n1",type="fg-stripe",name="charge",flow="flow1",code="card_declined"\} 1$/m);
    assert.match(text, /^# TYPE flowguard_dlq_depth gauge$/m);
    assert.match(text, /^flowguard_dlq_depth\{node="n2",type="fg-dead-letter",name="",flow="flow1"\} 7$/m);
    assert.match(text, /^flowguard_call_duration_seconds_bucket\{le="0.25",node="n1",type="fg-stripe",name="charge",flow="flow1"\} 1$/m);
    assert.match(text, /^flowguard_call_duration_seconds_count\{node="n1",type="fg-stripe",name="charge",flow="flow1"\} 1$/m);
    assert.strictEqual(register.getSingleMetric('flowguard_received_total'), undefined, 'the global prom-client registry is left alone');
  });

  it('keeps gauges and timings in the snapshot and bumps the version only on change', () => {
    m.gauge(dlqNode, 'dlq_depth', 2);
    const v = m.version;
    m.gauge(dlqNode, 'dlq_depth', 2);
    assert.strictEqual(m.version, v, 'same value, no change to publish');
    m.gauge(dlqNode, 'dlq_depth', 3);
    assert.ok(m.version > v);
    m.gauge(dlqNode, 'pending_retries', Number.NaN);
    m.observe(stripeNode, 'call_seconds', 0.5);
    m.observe(stripeNode, 'call_seconds', 1.5);
    const byId = Object.fromEntries(m.snapshot().map((s) => [s.id, s]));
    assert.deepStrictEqual(byId.n2.gauges, { dlq_depth: 3 });
    assert.deepStrictEqual(byId.n1.timings, { call_seconds: { count: 2, sum: 2 } });
  });

  it('forgets a removed node and restarts the series of a renamed one', async () => {
    m.count(stripeNode, 'errors', 1, 'card_declined');
    m.count(stripeNode, 'received');
    m.forget('n1');
    assert.deepStrictEqual(m.snapshot(), []);
    assert.doesNotMatch(await m.metrics(), /node="n1"/);
    m.count(stripeNode, 'received');
    m.count({ ...stripeNode, name: 'refund' }, 'received');
    const text = await m.metrics();
    assert.doesNotMatch(text, /name="charge"/);
    assert.match(text, /^flowguard_received_total\{node="n1",type="fg-stripe",name="refund",flow="flow1"\} 1$/m);
  });

  it('keeps one bucket per minute for the last hour, zeros included', () => {
    m.count(stripeNode, 'received', 2);
    m.count(stripeNode, 'sent', 1);
    clock += 60_000;
    m.count(stripeNode, 'errors', 1, 'x');
    clock += 2 * 60_000;
    const h = m.history();
    assert.strictEqual(h.length, 60);
    assert.deepStrictEqual(h.slice(-4).map((b) => [b.received, b.sent, b.errors]), [[2, 1, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    assert.strictEqual(h[59].at - h[58].at, 60_000);
    clock += 60 * 60_000;
    m.count(stripeNode, 'received');
    assert.deepStrictEqual(m.history().reduce((sum, b) => sum + b.received + b.sent + b.errors, 0), 1, 'older than an hour is dropped');
  });

  it('reads the Stripe rate-limit headroom from the client-side throttle (a metrics source)', async () => {
    let now = 10_000;
    const throttle = new Throttle(3, () => now);
    assert.strictEqual(throttle.headroom(), 3);
    await throttle.acquire();
    now += 334; // starts are spaced 1/3 s apart
    await throttle.acquire();
    assert.strictEqual(throttle.headroom(), 1);
    now += 1000;
    assert.strictEqual(throttle.headroom(), 3, 'a second later the window is free again');
    assert.strictEqual(new Throttle(0).headroom(), Infinity);
    m.gauge(stripeNode, 'stripe_rate_headroom', new Throttle(0).headroom());
    assert.deepStrictEqual(m.snapshot(), [], 'an unlimited throttle reports no gauge');
    throttle.close();
  });
});
