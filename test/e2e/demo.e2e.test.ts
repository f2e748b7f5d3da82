// The `npm start` demo (flows/flows.json) in a real Node-RED process against the sandboxes, as scripts/start.js runs
// it: within a minute its traffic generator has paid orders, booked them in Salesforce once each and loaded Snowflake.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import { RunningSandboxes } from '../../sandbox/main';
import { control, pointAtSandboxes, snowflakeSql, startAllSandboxes } from './sandboxes';
import { eventually, FlowNode, NodeRedProcess, ROOT, startNodeRed } from './runtime';


const CONFIG_TYPES = new Set(['fg-store-config', 'fg-stripe-config', 'fg-salesforce-config', 'fg-snowflake-config']);
const CONFIG_REFS = ['store', 'stripe', 'salesforce', 'snowflake'];

describe('the demo flows', () => {
  it('hold the scenario examples unchanged, apart from the shared config nodes (and a faster Contact poll)', () => {
    const demo = new Map((JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'flows.json'), 'utf8')) as FlowNode[]).map((n) => [n.id, n]));
    const dir = path.join(ROOT, 'examples', 'Scenarios');
    for (const file of fs.readdirSync(dir)) {
      for (const node of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowNode[]) {
        if (CONFIG_TYPES.has(node.type)) continue;
        const copy = demo.get(node.id);
        assert.ok(copy, `${file}: ${node.id} is missing from flows/flows.json`);
        const strip = (n: FlowNode) => Object.fromEntries(Object.entries(n).filter(([k]) => !CONFIG_REFS.includes(k) && !(n.type === 'fg-salesforce-events' && k === 'interval')));
        assert.deepEqual(strip(copy), strip(node), `${file}: ${node.id} differs from the example`);
      }
    }
  });
});

describe('e2e: the npm start demo', function () {
  this.timeout(90000);
  let sandboxes: RunningSandboxes;
  let red: NodeRedProcess;
  let stripe: Stripe;

  before(async () => {
    sandboxes = await startAllSandboxes();
    const s = sandboxes.info.stripe;
    stripe = new Stripe(s.testKey, { host: s.host, port: s.port, protocol: 'http' });
    // As scripts/start.js sets it: the sandbox URLs only.
    const urls = Object.fromEntries(Object.entries(sandboxes.info).map(([name, info]) => [name, { url: info.url }]));
    red = await startNodeRed((url) => ({ functionGlobalContext: { sandboxes: urls, demoUrl: url } }));
    const demo: FlowNode[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'flows.json'), 'utf8'));
    assert.ok(demo.some((node) => node.id === 'demo-store' && node.type === 'fg-store-config'));
    await red.deploy(pointAtSandboxes(demo, sandboxes.info, red));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(red?.output().slice(-4000));
  });
  after(async () => {
    await red?.close();
    await sandboxes?.close();
  });

  it('pays orders, books each payment in Salesforce once with its amount, and loads Snowflake', async () => {
    const paid = await eventually('three paid orders', async () => {
      const list = await stripe.paymentIntents.list({ limit: 100 });
      const ok = list.data.filter((pi) => pi.status === 'succeeded' && /^ACME-/.test(pi.metadata.account_id ?? ''));
      return ok.length >= 3 ? ok : undefined;
    }, 30000);
    const opportunities = await eventually('their Opportunities', async () => {
      const state = await control(sandboxes.info.salesforce.url, 'GET', '/_sandbox/state');
      const opps: any[] = state.records?.Opportunity ?? [];
      return paid.every((pi) => opps.some((o) => o.Stripe_Payment_Id__c === pi.id)) ? opps : undefined;
    }, 30000);
    for (const pi of paid) {
      const booked = opportunities.filter((o) => o.Stripe_Payment_Id__c === pi.id);
      assert.equal(booked.length, 1, `${pi.id} booked ${booked.length} times`);
      // Before any refund the amount is the payment's (a demo refund may already have lowered it).
      assert.ok(booked[0].Amount > 0 && booked[0].Amount <= (pi.currency === 'jpy' ? pi.amount : pi.amount / 100));
    }
    const rows = await eventually('the ETL in Snowflake', async () => {
      const r = await snowflakeSql(sandboxes.info, 'select CHARGE_ID from FACT_CHARGE', ['CHARGE_ID']);
      return r.length > 0 ? r : undefined;
    }, 40000);
    const ids = rows.map((r) => r.CHARGE_ID);
    assert.equal(new Set(ids).size, ids.length, 'one row per charge');
  });
});
