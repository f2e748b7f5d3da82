/**
 * R2 faults: about 20 % of the calls to each service fail (429, 5xx, timeouts, dropped connections) while a flow
 * writes through fg-stripe / fg-salesforce / fg-snowflake with fg-retry on the error path. Everything must arrive,
 * exactly once in the service (counted in the sandbox), and nothing may be exhausted (the DLQ path stays empty).
 */
import * as assert from 'assert';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { sandboxCalls, sandboxControl } from '../../sandbox/salesforce/control-client';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { getNode, load, unload } from '../harness';
import { SEED, seededRandom, size } from './support';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const MESSAGES = size(300, 60);

/** fg-retry on the error output of `service`, looping back into it; exhausted messages go to a helper. */
function retryLoop(service: Record<string, unknown>): any[] {
  return [
    { id: 'tab', type: 'tab', label: 'r2' },
    { id: 'store', type: 'fg-store-config', backend: 'memory' },
    { ...service, id: 'svc', z: 'tab', errorRouting: 'output', wires: [['ok'], ['retry']] },
    { id: 'retry', z: 'tab', type: 'fg-retry', store: 'store', maxAttempts: 25, baseMs: 20, factor: 1.5, capMs: 300, jitter: 'none', circuit: false, pollMs: 20, wires: [['svc'], ['exhausted']] },
    { id: 'ok', z: 'tab', type: 'helper' },
    { id: 'exhausted', z: 'tab', type: 'helper' },
  ];
}

interface Tally { ok: string[]; exhausted: any[] }

function tally(key: (msg: any) => string): Tally {
  const t: Tally = { ok: [], exhausted: [] };
  getNode('ok').on('input', (msg: any) => t.ok.push(key(msg)));
  getNode('exhausted').on('input', (msg: any) => t.exhausted.push(msg.error ?? msg.retry));
  return t;
}

async function until(check: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const duplicates = (items: string[]) => items.filter((x, i) => items.indexOf(x) !== i);

describe('R2 20 % injected faults on Stripe, Salesforce and Snowflake', function () {
  this.timeout(120_000);
  afterEach(() => unload());

  describe('Stripe: 429, 500 and timeouts', () => {
    let sandbox: StripeSandbox;
    before(async () => { sandbox = await startStripeSandbox({ rateLimitPerSecond: 0, random: seededRandom(SEED) }); });
    after(() => sandbox?.close());

    it(`creates each of ${MESSAGES} customers exactly once`, async () => {
      for (const kind of ['429', '500', 'timeout'] as const) sandbox.faults.add({ route: 'POST /v1/customers', kind, rate: 0.075, retryAfterSeconds: 0 });
      await load(['fg-store-config', 'fg-retry', 'fg-stripe-config', 'fg-stripe'], [
        { id: 'cfg', type: 'fg-stripe-config', useCustomHost: true, host: sandbox.host, port: sandbox.port, protocol: 'http', maxNetworkRetries: 1, timeoutMs: 500, ratePerSecond: 0 },
        ...retryLoop({ type: 'fg-stripe', stripe: 'cfg', resource: 'customers', method: 'create', paramsType: 'msg', paramsValue: 'payload', keySource: 'msg', keyScope: 'node' }),
      ], { cfg: { secretKey: SANDBOX_TEST_KEY } });
      const t = tally((msg) => msg.payload.email);
      for (let n = 0; n < MESSAGES; n++) getNode('svc').receive({ payload: { email: `r2-${n}@example.com` }, idempotencyKey: `r2-${n}` });
      await until(() => t.ok.length + t.exhausted.length >= MESSAGES, `${MESSAGES} customers`, 90_000);
      await new Promise((r) => setTimeout(r, 300));
      const calls = sandbox.calls.snapshot()['POST /v1/customers'];
      const customers = [...sandbox.account(SANDBOX_TEST_KEY).collection('customers').values()].map((c: any) => c.email);
      console.log(`      ${MESSAGES} messages, ${calls} calls (${calls - MESSAGES} repeated after a fault), ${customers.length} customers`);
      assert.deepStrictEqual(t.exhausted, []);
      assert.deepStrictEqual(duplicates(t.ok), []);
      assert.strictEqual(t.ok.length, MESSAGES);
      assert.strictEqual(customers.length, MESSAGES, 'one customer per message in Stripe');
      assert.deepStrictEqual(duplicates(customers), []);
      assert.ok(calls > MESSAGES, 'faults were injected');
    });
  });

  describe('Salesforce: 503, UNABLE_TO_LOCK_ROW, dropped connections, lost replies', () => {
    let sb: SalesforceSandbox;
    before(async () => { sb = await startSalesforceSandbox(); });
    after(() => sb?.close());

    it(`upserts each of ${MESSAGES} accounts exactly once`, async () => {
      await load(['fg-store-config', 'fg-retry', 'fg-salesforce-config', 'fg-salesforce'], [
        { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', warnPercent: 0, pausePercent: 0 },
        ...retryLoop({ type: 'fg-salesforce', salesforce: 'c1', operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c' }),
      ], { c1: { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: 'integration@flowguard.test', password: 'password', securityToken: 'TOKEN' } });
      const t = tally((msg) => msg.payload.record?.External_Id__c ?? msg.payload.id);
      const rnd = seededRandom(SEED + 2);
      const faults = [
        { kind: 'http', status: 503 }, { kind: 'error', errorCode: 'UNABLE_TO_LOCK_ROW', status: 400 }, { kind: 'reset' }, { kind: 'lost-reply' },
      ];
      let injected = 0;
      // One message at a time, so each injected fault (times: 1) hits the call of the message it was drawn for.
      for (let n = 0; n < MESSAGES; n++) {
        if (rnd() < 0.2) {
          injected++;
          await sandboxControl(sb.url, 'POST', '/faults', { match: 'Account', times: 1, ...faults[Math.floor(rnd() * faults.length)] });
        }
        getNode('svc').receive({ payload: { External_Id__c: `r2-${n}`, Name: `R2 ${n}` } });
        await until(() => t.ok.length + t.exhausted.length > n, `account ${n}`, 20_000);
      }
      const accounts = sb.state.org.all('Account').map((a: any) => a.External_Id__c);
      console.log(`      ${MESSAGES} messages, ${injected} faults, ${(await sandboxCalls(sb.url)).total} calls, ${accounts.length} accounts`);
      assert.deepStrictEqual(t.exhausted, []);
      assert.strictEqual(t.ok.length, MESSAGES);
      assert.strictEqual(accounts.length, MESSAGES, 'one account per message in Salesforce');
      assert.deepStrictEqual(duplicates(accounts), []);
      assert.ok(injected > 0);
    });
  });

  describe('Snowflake: 503 on statements', () => {
    let sb: SnowflakeSandbox;
    before(async () => { sb = await startSnowflakeSandbox({ users: { SANDBOX: 'sandbox' } }); });
    after(() => sb?.close());

    // Each 503 costs the driver's own retry sleep (about 2 s), so this part is smaller in CI.
    const ROWS = size(300, 30);

    it(`inserts each of ${ROWS} rows exactly once`, async function () {
      this.timeout(ROWS * 2_000 + 60_000);
      await sb.runSql('create or replace table payments (id int, note string)', 'R2_DB');
      await load(['fg-store-config', 'fg-retry', 'fg-snowflake-config', 'fg-snowflake'], [
        { id: 'c1', type: 'fg-snowflake-config', account: 'sandbox', username: 'sandbox', auth: 'password', database: 'R2_DB', schema: 'PUBLIC', warehouse: 'WH', poolMax: 2, accessUrl: sb.url },
        ...retryLoop({ type: 'fg-snowflake', snowflake: 'c1', mode: 'insert', table: 'payments' }),
      ], { c1: { password: 'sandbox' } });
      const t = tally((msg) => String(msg.payload.id));
      const rnd = seededRandom(SEED + 3);
      let injected = 0;
      for (let n = 0; n < ROWS; n++) {
        if (rnd() < 0.2) {
          injected++;
          await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transient503: 1 }) });
        }
        getNode('svc').receive({ payload: { id: n, note: `r2-${n}` } });
        await until(() => t.ok.length + t.exhausted.length > n, `row ${n}`, 20_000);
      }
      const [[rows, distinct]] = await sb.runSql('select count(*), count(distinct id) from payments', 'R2_DB');
      console.log(`      ${ROWS} messages, ${injected} faults, ${sb.stats.rejected503} answered 503, ${rows} rows`);
      assert.deepStrictEqual(t.exhausted, []);
      assert.strictEqual(t.ok.length, ROWS);
      assert.strictEqual(Number(rows), ROWS, 'one row per message in Snowflake');
      assert.strictEqual(Number(distinct), ROWS);
      assert.ok(sb.stats.rejected503 > 0, 'faults were injected');
    });
  });
});
