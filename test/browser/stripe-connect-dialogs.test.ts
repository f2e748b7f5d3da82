// The Stripe dialogs changed for Connect, as a user meets them (Chromium, real Node-RED with adminAuth, 1400×900):
// fg-stripe's Connected account (an acct_… id or empty; anything else marks the node invalid) and fg-stripe-webhook's
// Connect box under Register; their help. Screenshots: test-output/screenshots/dialog-nr<major>-stripe-*.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { nodeRedVersion, openEditor, RunningNodeRed, startNodeRed } from './runtime';

const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const NR_MAJOR = Number(nodeRedVersion.split('.')[0]);

describe('Stripe Connect dialogs in the editor', function () {
  this.timeout(120000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `dialog-nr${NR_MAJOR}-${name}.png`) });

  before(async function () {
    fs.mkdirSync(SHOTS, { recursive: true });
    const flow = [
      { id: 'tab', type: 'tab', label: 'Dialogs', disabled: false, info: '' },
      { id: 'cfg', type: 'fg-stripe-config', name: 'Stripe' },
      { id: 's', type: 'fg-stripe', z: 'tab', name: 'seller customer', stripe: 'cfg', resource: 'customers', method: 'create', stripeAccount: 'acct_1SellerA', x: 200, y: 80, wires: [[], []] },
      { id: 'hook', type: 'fg-stripe-webhook', z: 'tab', name: 'connect events', stripe: 'cfg', path: '/stripe/connect', eventTypes: '*', register: true, publicUrl: 'https://shop.example.com/stripe/connect', connect: true, x: 200, y: 160, wires: [[]] },
    ];
    red = await startNodeRed(flow, { cfg: { secretKey: 'sk_test_dialogs', webhookSecrets: 'whsec_dialogs' } });
    ({ browser, page } = await openEditor(red, () => RED.nodes.node('s') && RED.nodes.node('hook'), errors));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('fg-stripe: Connected account holds an acct_ id; another value makes the node invalid', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('s')));
    await page.locator('#node-input-stripeAccount').waitFor();
    assert.strictEqual(await page.locator('#node-input-stripeAccount').inputValue(), 'acct_1SellerA');
    await shot('stripe-connected-account');
    await page.locator('#node-input-stripeAccount').fill('cus_123');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-input-stripeAccount').waitFor({ state: 'detached' });
    assert.strictEqual(await page.evaluate(() => RED.nodes.node('s').valid), false);
    await page.evaluate(() => { RED.sidebar.show('help'); RED.sidebar.help.show('fg-stripe'); });
    await page.locator('.red-ui-help h3').first().waitFor();
    await page.getByText('Connect.', { exact: true }).first().scrollIntoViewIfNeeded();
    await shot('stripe-help-connect');
  });

  it('fg-stripe-webhook: the Connect box shows with Register', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('hook')));
    await page.locator('#node-input-connect').waitFor();
    assert.strictEqual(await page.locator('#node-input-connect').isChecked(), true);
    await page.locator('#node-input-register').uncheck();
    assert.strictEqual(await page.locator('#node-input-connect').isVisible(), false);
    await page.locator('#node-input-register').check();
    assert.strictEqual(await page.locator('#node-input-connect').isVisible(), true);
    await shot('stripe-webhook-connect');
    await page.locator('#node-dialog-cancel').click();
    assert.deepStrictEqual(errors, []);
  });
});

// Globals of the editor page, used inside page.evaluate callbacks.
declare const RED: any;
