/**
 * R1 duplicate storm: 10,000 signed webhook deliveries (FG_RELIABILITY_SCALE=ci: 1,000), 30 % of them duplicates,
 * 50 at a time, spread over two Node-RED processes that share one store: a Redis, a 3-shard Redis Cluster (the URL
 * field lists its seed nodes), and a PostgreSQL database. Each process runs
 * fg-stripe-webhook → fg-idempotency-gate (one namespace) → fg-stripe customers.create with NO Stripe
 * idempotency key, so the gate is the only thing between a duplicate and a second customer. The Stripe sandbox
 * must end with exactly one customer per distinct event: none lost, none doubled.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { computeSignature } from '../../lib/stripe/signature';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { dropSchemas, PG_URL, requirePostgres, runSchema } from '../support/postgres';
import { cleanRedis, REDIS_URL, requireRedis, RUN_PREFIX } from '../support/redis';
import { RedisCluster, requireRedisServer, startCluster } from '../support/redis-topologies';
import { NodeRedProcess, prepareUserDir, startNodeRed } from './launcher';
import { pool, request, SEED, seededRandom, size } from './support';

const DELIVERIES = size(10_000, 1_000);
const DISTINCT = Math.round(DELIVERIES * 0.7);
const SECRET = 'whsec_r1_storm_signing_secret_01';

interface SharedStore {
  label: string;
  /** starts what the store needs (or skips); returns the fg-store-config node's settings */
  start(ctx: Mocha.Context): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const prefix = `${RUN_PREFIX}r1:`;
let cluster: RedisCluster | undefined;
const schema = runSchema('r1');

const STORES: SharedStore[] = [
  {
    label: 'Redis',
    start: async (ctx) => {
      await requireRedis(ctx);
      return { backend: 'redis', redisUrl: REDIS_URL, redisPrefix: prefix };
    },
    stop: () => cleanRedis(prefix),
  },
  {
    label: 'a 3-shard Redis Cluster',
    start: async (ctx) => {
      requireRedisServer(ctx);
      cluster = await startCluster(3);
      return { backend: 'redis', redisUrl: cluster.url, redisPrefix: 'r1:' };
    },
    stop: async () => cluster?.stop(),
  },
  {
    label: 'PostgreSQL',
    start: async (ctx) => {
      await requirePostgres(ctx);
      return { backend: 'postgres', postgresUrl: PG_URL, postgresSchema: schema };
    },
    stop: () => dropSchemas(schema),
  },
];

for (const shared of STORES) describe(`R1 duplicate storm on two Node-RED processes sharing ${shared.label}`, function () {
  this.timeout(300_000);
  let stripe: StripeSandbox;
  const reds: NodeRedProcess[] = [];
  const dirs: string[] = [];

  before(async function () {
    const storeSettings = await shared.start(this);
    stripe = await startStripeSandbox({ rateLimitPerSecond: 0 });
    const flow = [
      { id: 'tab', type: 'tab', label: 'r1' },
      { id: 'store', type: 'fg-store-config', ...storeSettings },
      { id: 'cfg', type: 'fg-stripe-config', useCustomHost: true, host: stripe.host, port: stripe.port, protocol: 'http', maxNetworkRetries: 2, ratePerSecond: 0 },
      { id: 'hook', type: 'fg-stripe-webhook', z: 'tab', stripe: 'cfg', path: '/hook', eventTypes: '*', toleranceSeconds: 300, wires: [['gate']] },
      { id: 'gate', type: 'fg-idempotency-gate', z: 'tab', store: 'store', namespace: 'stripe-events', wires: [['charge'], [], []] },
      { id: 'charge', type: 'fg-stripe', z: 'tab', stripe: 'cfg', resource: 'customers', method: 'create', paramsType: 'jsonata', paramsValue: '{"email": payload.id & "@storm.test"}', keySource: 'none', errorRouting: 'both', wires: [[], []] },
    ];
    for (let i = 0; i < 2; i++) {
      const dir = prepareUserDir(['fg-store-config', 'fg-stripe-config', 'fg-stripe-webhook', 'fg-idempotency-gate', 'fg-stripe'], flow, { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: SECRET } });
      dirs.push(dir);
      reds.push(await startNodeRed(dir, undefined, 'warn'));
    }
  });

  after(async function () {
    // A failed run shows what the processes said (a crash, a store error).
    if (this.currentTest?.state === 'failed') for (const red of reds) console.log(red.output().split('\n').slice(-30).join('\n'));
    for (const red of reds) await red.kill('SIGKILL');
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await stripe?.close();
    await shared.stop();
  });

  it(`turns ${DELIVERIES} deliveries (${DELIVERIES - DISTINCT} duplicates) into exactly ${DISTINCT} customers`, async () => {
    const rnd = seededRandom(SEED);
    const ids = Array.from({ length: DISTINCT }, (_, n) => `evt_storm_${SEED}_${n}`);
    const deliveries = [...ids, ...Array.from({ length: DELIVERIES - DISTINCT }, () => ids[Math.floor(rnd() * DISTINCT)])];
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
    }
    // A re-delivered Stripe event has the same body as the first delivery (only the signature is new).
    const created = Math.floor(Date.now() / 1000);
    const bodies = new Map(ids.map((id, n) => [id, JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', created, livemode: false, data: { object: { id: `pi_${n}` } } })]));
    const statuses: Record<number, number> = {};
    await pool(deliveries.length, 50, async (i) => {
      const now = Math.floor(Date.now() / 1000);
      const body = bodies.get(deliveries[i])!;
      const target = reds[Math.floor(rnd() * reds.length)];
      const reply = await request(`${target.url}/hook`, 'POST', { 'content-type': 'application/json', 'stripe-signature': `t=${now},v1=${computeSignature(body, SECRET, now)}` }, body);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    });
    const customers = () => [...stripe.account(SANDBOX_TEST_KEY).collection('customers').values()].map((c: any) => c.email as string);
    // Side effects happen after the 200: wait until the count stops moving.
    let last = -1;
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      const now = customers().length;
      if (now === last && now >= DISTINCT) break;
      last = now;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const emails = customers();
    const distinct = new Set(emails);
    console.log(`      ${DELIVERIES} deliveries → statuses ${JSON.stringify(statuses)}; ${emails.length} customers, ${distinct.size} distinct`);
    assert.deepStrictEqual(statuses, { 200: DELIVERIES }, 'every delivery acknowledged');
    assert.strictEqual(emails.length, DISTINCT, 'exactly one side effect per distinct event');
    assert.strictEqual(distinct.size, DISTINCT);
    assert.ok(ids.every((id) => distinct.has(`${id}@storm.test`)), 'no event lost');
    const errors = reds.flatMap((r) => r.output().split('\n').filter((line) => line.includes('[error]')));
    assert.deepStrictEqual(errors.slice(0, 5), [], 'no errors logged');
  });
});
