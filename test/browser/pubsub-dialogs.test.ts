// The Pub/Sub work as a user meets it in the editor (Chromium, real Node-RED with adminAuth): fg-salesforce-events in
// Pub/Sub mode shows Topic, Replay, If refused and In flow (and hides the poll-only rows), fg-salesforce's publish
// shows Key field, the config node has its Pub/Sub endpoint, and the two Pub/Sub examples open without an editor
// error. Screenshots: test-output/screenshots/dialog-nr<major>-*.png and example-pubsub-*.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { nodeRedVersion, openEditor, RunningNodeRed, startNodeRed } from './runtime';

const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples', 'Salesforce');
const NR_MAJOR = Number(nodeRedVersion.split('.')[0]);

describe('Pub/Sub dialogs and examples in the editor', function () {
  this.timeout(120000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const visible = (id: string) => page.locator(`#node-input-${id}`).isVisible();
  const slidIn = () => page.waitForFunction(() => { const t = $('.red-ui-tray'); return t.length > 0 && !t.is(':animated') && t.offset().left + t.outerWidth() <= window.innerWidth + 1; });

  before(async function () {
    fs.mkdirSync(SHOTS, { recursive: true });
    const flow = [
      { id: 'tab', type: 'tab', label: 'Dialogs', disabled: false, info: '' },
      { id: 'store', type: 'fg-store-config', name: 'store', backend: 'memory' },
      { id: 'sf-cfg', type: 'fg-salesforce-config', name: 'Salesforce', loginTarget: 'custom', loginUrl: 'http://127.0.0.1:9', authFlow: 'client_credentials', apiVersion: '68.0', pubsubEndpoint: 'http://127.0.0.1:4011' },
      { id: 'events', type: 'fg-salesforce-events', z: 'tab', name: '', salesforce: 'sf-cfg', store: 'store', object: 'Account', mode: 'pubsub', topic: '/data/AccountChangeEvent', fields: 'Name, Phone', maxInFlight: 5, x: 220, y: 80, wires: [[]] },
      { id: 'publish', type: 'fg-salesforce', z: 'tab', name: '', salesforce: 'sf-cfg', operation: 'publish', object: 'Order_Paid__e', keyField: 'Idempotency_Key__c', x: 220, y: 160, wires: [[], []] },
    ];
    red = await startNodeRed(flow, { 'sf-cfg': { clientId: 'x', clientSecret: 'y' } });
    ({ browser, page } = await openEditor(red, () => RED.nodes.node('events') && RED.nodes.node('publish'), errors));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('fg-salesforce-events in Pub/Sub mode: Topic, Replay, If refused and In flow shown, poll-only rows hidden', async () => {
    assert.strictEqual(await page.evaluate(() => RED.utils.getNodeLabel(RED.nodes.node('events'))), 'salesforce pub/sub /data/AccountChangeEvent');
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('events')));
    await page.locator('#node-input-mode').waitFor();
    await slidIn();
    assert.deepStrictEqual(await Promise.all(['topic', 'replayPreset', 'replayFallback', 'maxInFlight', 'interval', 'lagSeconds'].map(visible)), [true, true, true, true, false, false]);
    assert.strictEqual(await page.locator('#node-input-replayFallback').inputValue(), 'earliest');
    assert.strictEqual(await page.locator('#node-input-maxInFlight').inputValue(), '5');
    await shot(`dialog-nr${NR_MAJOR}-salesforce-events-pubsub`);
    // Poll mode hides the Pub/Sub rows again.
    await page.locator('#node-input-mode').selectOption('poll');
    assert.deepStrictEqual(await Promise.all(['topic', 'replayPreset', 'maxInFlight', 'interval'].map(visible)), [false, false, false, true]);
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-input-mode').waitFor({ state: 'detached' });
    assert.deepStrictEqual(errors, []);
  });

  it('fg-salesforce publish: Key field shown, record-write rows hidden; the config node has its Pub/Sub endpoint', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('publish')));
    await page.locator('#node-input-keyField').waitFor();
    await slidIn();
    assert.deepStrictEqual(await Promise.all(['keyField', 'object', 'externalIdField', 'allOrNone'].map(visible)), [true, true, false, false]);
    await shot(`dialog-nr${NR_MAJOR}-salesforce-publish`);
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-input-keyField').waitFor({ state: 'detached' });
    await page.evaluate(() => RED.editor.editConfig('', 'fg-salesforce-config', 'sf-cfg'));
    await page.locator('#node-config-input-pubsubEndpoint').waitFor();
    assert.strictEqual(await page.locator('#node-config-input-pubsubEndpoint').inputValue(), 'http://127.0.0.1:4011');
    await shot(`dialog-nr${NR_MAJOR}-salesforce-config-pubsub`);
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-config-input-pubsubEndpoint').waitFor({ state: 'detached' });
    assert.deepStrictEqual(errors, []);
  });

  for (const [file, name] of [['Stripe payment to Order_Paid__e.json', 'order-paid'], ['Account changes over Pub-Sub to Stripe.json', 'account-to-stripe']]) {
    it(`the example "${file}" imports and shows its tab`, async () => {
      const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
      const tabId = `ex-${name}`;
      const nodes = [{ id: tabId, type: 'tab', label: name, disabled: false, info: '' }, ...flow.filter((n: any) => !/-config$/.test(n.type)).map((n: any) => (n.z ? { ...n, z: tabId } : n))];
      await page.evaluate((ns) => { RED.view.importNodes(ns, { generateIds: true, addFlow: false }); }, nodes);
      await page.evaluate((label) => { const ws = RED.nodes.getWorkspaceOrder().find((id: string) => RED.nodes.workspace(id)?.label === label); RED.workspaces.show(ws); }, name);
      await page.waitForTimeout(500);
      await shot(`example-pubsub-${name}`);
      assert.deepStrictEqual(errors, []);
    });
  }
});

declare const RED: any;
declare const $: any;
declare const window: any;
