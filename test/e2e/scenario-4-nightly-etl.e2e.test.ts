// Scenario 4 end to end: the nightly ETL loads Stripe charges and won Salesforce opportunities into the Snowflake
// sandbox exactly once (MERGE), reconciles the day, writes one report row per day and alerts on a mismatch.
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { Collector } from './collector';
import { control, pointAtSandboxes, snowflakeSql, startAllSandboxes } from './sandboxes';
import { fetchExample, NodeRedProcess, startNodeRed } from './runtime';

const TODAY = new Date().toISOString().slice(0, 10);
/** Order events of one night for the stage load; FG_E2E_ETL_ROWS=1000000 for the full size (P5b measures 1,000,000). */
const EVENT_ROWS = Number(process.env.FG_E2E_ETL_ROWS || 200_000);

describe('e2e: Scenario 4, nightly ETL to Snowflake', function () {
  this.timeout(60000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;
  const collector = new Collector();
  const charges: { id: string; amount: number; currency: string }[] = [];

  before(async () => {
    sandboxes = await startAllSandboxes();
    await collector.start();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http' });
    for (const [amount, currency] of [[2000, 'usd'], [1999, 'usd'], [500, 'jpy'], [4250, 'eur']] as const) {
      const pi = await stripe.paymentIntents.create({ amount, currency, payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, metadata: { order_id: `o-${amount}` } });
      charges.push({ id: String(pi.latest_charge), amount, currency });
    }
    await control(sandboxes.info.salesforce.url, 'POST', '/_sandbox/seed', {
      records: { Opportunity: [
        { Name: 'Won today', StageName: 'Closed Won', CloseDate: TODAY, Amount: 150.5, Stripe_Payment_Id__c: 'pi_won_1' },
        { Name: 'Still open', StageName: 'Negotiation', CloseDate: TODAY, Amount: 99 },
      ] },
    });
    red = await startNodeRed();
    let flow = await fetchExample(red, 'Scenarios/4 Nightly ETL to Snowflake');
    flow = collector.tap(flow, 'sc4-mismatch', 0, 'alert');
    flow = collector.tap(flow, 'sc4-failed', 0, 'failed');
    await red.deploy(pointAtSandboxes(flow, sandboxes.info, red));
  });
  after(async () => {
    await red?.close();
    await collector.close();
    await sandboxes?.close();
  });

  const post = async (route: string, body: object) => {
    const res = await fetch(red.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** `select A, B from …` → rows keyed A, B (the sandbox answers text). */
  const db = (sql: string) => {
    const selected = /^select (.*?) from /i.exec(sql)?.[1] ?? '';
    return snowflakeSql(sandboxes.info, sql, selected.split(',').map((c) => c.trim()));
  };

  it('loads every charge once with exact amounts, the won opportunity, and a reconciled report row', async () => {
    const run = await post('/etl/run', { day: TODAY });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.reconciliation.ok, true, JSON.stringify(run.body.reconciliation));
    assert.equal(run.body.reconciliation.matchedCount, 4);

    const rows = await db('select CHARGE_ID, CURRENCY, AMOUNT_MINOR, AMOUNT from FACT_CHARGE order by AMOUNT_MINOR');
    assert.equal(rows.length, 4);
    const byId = new Map(rows.map((r) => [r.CHARGE_ID, r]));
    for (const c of charges) {
      const row = byId.get(c.id)!;
      assert.ok(row, `charge ${c.id} missing`);
      assert.equal(Number(row.AMOUNT_MINOR), c.amount);
      assert.equal(Number(row.AMOUNT), c.currency === 'jpy' ? c.amount : c.amount / 100);
      assert.equal(row.CURRENCY, c.currency.toUpperCase());
    }
    const opps = await db('select NAME, AMOUNT from SALES_OPPORTUNITY');
    assert.deepEqual(opps.map((o) => [o.NAME, Number(o.AMOUNT)]), [['Won today', 150.5]]);

    const report = await db('select CHARGES, RECONCILED, OPPORTUNITIES_WON, TOTALS from DAILY_SALES_REPORT');
    assert.equal(report.length, 1);
    assert.equal(Number(report[0].CHARGES), 4);
    assert.equal(report[0].RECONCILED, '1'); // booleans come back as 1 / 0 text
    assert.equal(Number(report[0].OPPORTUNITIES_WON), 1);
    const totals = JSON.parse(report[0].TOTALS!);
    assert.deepEqual(totals, { USD: { grossMinor: 3999, refundedMinor: 0, netMinor: 3999 }, JPY: { grossMinor: 500, refundedMinor: 0, netMinor: 500 }, EUR: { grossMinor: 4250, refundedMinor: 0, netMinor: 4250 } });
    assert.equal(collector.all('alert').length, 0);
  });

  it('a second run picks up a refund and still has one row per charge and one report row', async () => {
    await stripe.refunds.create({ charge: charges[0].id, amount: 500 });
    const run = await post('/etl/run', { day: TODAY });
    assert.equal(run.status, 200);
    assert.equal(run.body.reconciliation.ok, true);
    const rows = await db('select CHARGE_ID, AMOUNT_REFUNDED from FACT_CHARGE');
    assert.equal(rows.length, 4);
    assert.equal(Number(rows.find((r) => r.CHARGE_ID === charges[0].id)!.AMOUNT_REFUNDED), 5);
    const report = await db('select TOTALS from DAILY_SALES_REPORT');
    assert.equal(report.length, 1);
    const totals = JSON.parse(report[0].TOTALS!);
    assert.deepEqual(totals.USD, { grossMinor: 3999, refundedMinor: 500, netMinor: 3499 });
  });

  it('reconciliation on demand finds a tampered and a missing row, alerts, and records it in the report', async () => {
    await db(`update FACT_CHARGE set AMOUNT = 19.90 where CHARGE_ID = '${charges[1].id}'`);
    await db(`delete from FACT_CHARGE where CHARGE_ID = '${charges[3].id}'`);
    const rec = await post('/etl/reconcile', { day: TODAY });
    assert.equal(rec.status, 200);
    assert.equal(rec.body.reconciliation.ok, false);
    assert.deepEqual(rec.body.reconciliation.onlyInA, [charges[3].id]);
    assert.deepEqual(rec.body.reconciliation.mismatched, [{ key: charges[1].id, fields: [{ field: 'amount', a: 1999, b: 19.9 }] }]);
    const [alert] = await collector.wait('alert');
    assert.equal(alert.topic, 'etl.mismatch');
    assert.deepEqual(alert.payload.onlyInStripe, [charges[3].id]);
    const report = await db('select RECONCILED, ONLY_IN_STRIPE, MISMATCHED from DAILY_SALES_REPORT');
    assert.deepEqual(report.map((r) => [r.RECONCILED, Number(r.ONLY_IN_STRIPE), Number(r.MISMATCHED)]), [['0', 1, 1]]);
  });

  it(`loads a night of ${EVENT_ROWS} order events through a stage (above the 100,000-row threshold); a re-run of the night loads 0 rows`, async function () {
    this.timeout(900_000);
    const columns = 'EVENT_ID number(19,0), EVENT_DAY date, ORDER_ID varchar(64), EVENT_TYPE varchar(40), AMOUNT number(18,2), CURRENCY varchar(3), NOTE varchar';
    await db(`create table if not exists RAW_ORDER_EVENT (${columns})`);
    await db(`insert into RAW_ORDER_EVENT select seq4(), '${TODAY}', 'o-' || (seq4() % 50000), case when seq4() % 3 = 0 then 'refunded' else 'paid' end, (seq4() % 100000) / 100, 'EUR', case when seq4() % 10 = 0 then 'note, with "quotes"' else null end from table(generator(rowcount => ${EVENT_ROWS}))`);
    // Another night's rows are not loaded.
    await db("insert into RAW_ORDER_EVENT select -1, '2020-01-01', 'o-old', 'paid', 1, 'EUR', null");
    const first = await post('/etl/events', { day: TODAY });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.method, 'stage');
    assert.equal(first.body.rowsLoaded, EVENT_ROWS);
    assert.equal(first.body.filesAlreadyLoaded, 0);
    const [count] = await db(`select COUNT, NOTES, TOTAL from (select count(*) as COUNT, count_if(NOTE = 'note, with "quotes"') as NOTES, sum(AMOUNT) as TOTAL from FACT_ORDER_EVENT)`);
    const [source] = await db(`select TOTAL from (select sum(AMOUNT) as TOTAL from RAW_ORDER_EVENT where EVENT_DAY = '${TODAY}')`);
    assert.equal(Number(count.COUNT), EVENT_ROWS);
    assert.equal(Number(count.NOTES), Math.ceil(EVENT_ROWS / 10));
    assert.equal(count.TOTAL, source.TOTAL);

    const again = await post('/etl/events', { day: TODAY });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.method, 'stage');
    assert.equal(again.body.rowsLoaded, 0);
    assert.equal(again.body.filesAlreadyLoaded, first.body.filesPut);
    assert.equal(Number((await db('select COUNT from (select count(*) as COUNT from FACT_ORDER_EVENT)'))[0].COUNT), EVENT_ROWS);
    assert.equal(collector.all('failed').length, 0);
  });

  it('refuses a malformed day with 400 and loads nothing', async () => {
    const bad = await post('/etl/reconcile', { day: 'yesterday-ish' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /YYYY-MM-DD/);
  });
});
