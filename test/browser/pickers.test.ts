// Connection checks and pickers as a user meets them: each service config dialog opened in the editor (Chromium,
// real Node-RED with adminAuth, the editor at 1400×900), "Test connection" clicked with the saved values and with a
// value just edited (not saved), the answer read under the button; the Salesforce node's object and field pickers;
// the routes refused to a user without flowguard.write. Screenshots: test-output/screenshots/pickers-*.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandbox/salesforce';
import { startSnowflakeSandbox, SnowflakeSandbox } from '../../sandbox/snowflake';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { ADMIN, nodeRedVersion, RunningNodeRed, startNodeRed, VIEWER } from './runtime';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const NR_MAJOR = Number(nodeRedVersion.split('.')[0]);
const VIEWPORT = { width: 1400, height: 900 };

describe('connection checks and pickers in the editor', function () {
  this.timeout(180000);
  let stripe: StripeSandbox;
  let salesforce: SalesforceSandbox;
  let snow: SnowflakeSandbox;
  const requests: string[] = [];
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `pickers-nr${NR_MAJOR}-${name}.png`) });
  const message = () => page.locator('.fg-test-connection + .fg-editor-message');

  async function tokenFor(user: { username: string; password: string; permissions: string }): Promise<string> {
    const res = await fetch(`${red.url}auth/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: user.permissions, username: user.username, password: user.password }),
    });
    assert.strictEqual(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Opens a config node's edit dialog as the Configuration Nodes sidebar does. */
  async function editConfig(id: string): Promise<void> {
    await page.evaluate((n) => { const node = RED.nodes.node(n); RED.editor.editConfig('', node.type, n); }, id);
    await page.locator('#node-config-dialog-edit-form .fg-test-connection-button').waitFor();
  }

  /** Cancels a node's edit dialog and waits until its tray has gone (a dialog opened while one closes is left empty). */
  async function cancelNodeDialog(): Promise<void> {
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
  }

  async function closeDialog(): Promise<void> {
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-config-dialog-edit-form').waitFor({ state: 'detached' });
  }

  /** Waits until the completion menu has finished opening (it slides open) and holds `count` entries. */
  async function menuShown(count: number): Promise<void> {
    try {
      await page.waitForFunction((n) => {
        const c = document.querySelector('.red-ui-autoComplete-container');
        return !!c && c.querySelectorAll('.red-ui-autoComplete-completion').length === n && !$(c).is(':animated') && !$(c).find(':animated').length;
      }, count, { timeout: 15000 });
    } catch (err) {
      // Say what the page showed instead: the menu's entries and any message under a field.
      const seen = await page.evaluate(() => ({
        menu: Array.from(document.querySelectorAll('.red-ui-autoComplete-container .red-ui-autoComplete-completion')).map((e: any) => e.textContent),
        messages: Array.from(document.querySelectorAll('.fg-editor-message')).map((e: any) => e.textContent.trim()).filter(Boolean),
      }));
      throw new Error(`completion menu with ${count} entries not shown; seen ${JSON.stringify(seen)}: ${(err as Error).message}`);
    }
  }

  const trays = () => page.evaluate(() => document.querySelectorAll('.red-ui-tray').length);

  /** After a failed test: closes whatever dialogs it left open, so the next test starts on a clean editor. */
  async function closeAllDialogs(): Promise<void> {
    await page.keyboard.press('Escape');
    for (let open = await trays(); open > 0; open = await trays()) {
      await page.evaluate(() => RED.tray.close());
      await page.waitForFunction((n) => document.querySelectorAll('.red-ui-tray').length < n, open);
    }
  }

  async function testConnection(kind: 'ok' | 'error'): Promise<string> {
    await page.locator('.fg-test-connection-button').click();
    await page.locator(`.fg-test-connection + .fg-editor-message[data-kind="${kind}"]`).waitFor();
    return (await message().textContent())!.trim();
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
    fs.mkdirSync(SHOTS, { recursive: true });
    stripe = await startStripeSandbox({ rateLimitPerSecond: 0 });
    salesforce = await startSalesforceSandbox();
    // Not the default password 'sandbox': the config node registers it as a secret, which masks the word everywhere ("FlowGuard ***").
    snow = await startSnowflakeSandbox({ warehouses: ['COMPUTE_WH', 'LOAD_WH'], users: { SANDBOX: 'snow-browser-pass' } });
    await snow.runSql('create table orders (id int, amount number(10, 2))', 'SNOW_DB', 'PUBLIC');
    await snow.runSql('create table "Daily Report" (id int)', 'SNOW_DB', 'PUBLIC');
    const flow = [
      { id: 'tab', type: 'tab', label: 'Pickers', disabled: false, info: '' },
      { id: 'stripe-cfg', type: 'fg-stripe-config', name: 'Stripe sandbox', useCustomHost: true, host: stripe.host, port: stripe.port, protocol: 'http', maxNetworkRetries: 0, timeoutMs: 80000, ratePerSecond: '' },
      { id: 'sf-cfg', type: 'fg-salesforce-config', name: 'Salesforce sandbox', loginTarget: 'custom', loginUrl: salesforce.url, authFlow: 'client_credentials', apiVersion: '68.0', warnPercent: 80, pausePercent: 95 },
      { id: 'sf-node', type: 'fg-salesforce', z: 'tab', name: 'upsert accounts', salesforce: 'sf-cfg', operation: 'upsert', object: '', externalIdField: '', statement: '', fields: '', maxRecords: 10000, output: 'all', includeDeleted: false, allOrNone: false, bulkThreshold: 2000, dryRun: false, errorRouting: 'auto', x: 200, y: 80, wires: [[], []] },
      { id: 'store', type: 'fg-store-config', name: 'memory', backend: 'memory' },
      { id: 'sf-events', type: 'fg-salesforce-events', z: 'tab', name: 'account changes', salesforce: 'sf-cfg', store: 'store', object: 'Account', fields: 'Name', interval: 3600, pageSize: 200, includeDeleted: true, skipOwnChanges: true, startFrom: 'now', lagSeconds: 0, output: 'record', mode: 'poll', leaseSeconds: 30, x: 200, y: 240, wires: [[]] },
      { id: 'snow-cfg', type: 'fg-snowflake-config', name: 'Snowflake sandbox', account: 'sandbox', username: 'sandbox', auth: 'password', warehouse: 'COMPUTE_WH', database: 'SNOW_DB', schema: 'PUBLIC', role: 'SYSADMIN', queryTag: 'flowguard', accessUrl: snow.url, poolMin: 0, poolMax: 2, requestTimeout: 60, driverLog: 'off' },
      { id: 'snow-node', type: 'fg-snowflake', z: 'tab', name: 'load orders', snowflake: 'snow-cfg', mode: 'insert', sql: '', output: 'all', batchSize: 1000, waitForTick: false, async: false, pollInterval: 2, table: '', keys: '', columns: '', identifierCase: 'upper', maxRows: 16384, maxMegabytes: 16, timeout: 300, bigNumbersAsStrings: false, errorRouting: 'auto', x: 200, y: 160, wires: [[], []] },
    ];
    red = await startNodeRed(flow, {
      'snow-cfg': { password: 'snow-browser-pass' },
      'stripe-cfg': { secretKey: SANDBOX_TEST_KEY, webhookSecrets: '' },
      'sf-cfg': { clientId: 'flowguard-client', clientSecret: 'flowguard-secret' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    // Node-RED logs an exception of a dialog's oneditprepare to the console instead of throwing it.
    page.on('console', (m) => { if (/fg-editor|FlowGuardEditor|flowguard/i.test(m.text())) errors.push(`console: ${m.text()}`); });
    page.on('request', (r) => requests.push(decodeURIComponent(r.url())));
    page.on('response', (r) => { if (r.status() >= 400 && /flowguard|resources\//.test(r.url())) errors.push(`HTTP ${r.status()} ${r.url()}`); });
    await page.goto(red.url);
    await page.locator('#node-dialog-login-username').fill(ADMIN.username);
    await page.locator('#node-dialog-login-password').fill(ADMIN.password);
    await page.locator('#node-dialog-login-submit').click();
    await page.locator('#red-ui-workspace-chart').waitFor();
    await page.waitForFunction(() => (window as any).FlowGuardEditor !== undefined && RED.nodes.node('stripe-cfg'));
    await page.evaluate(() => RED.actions.invoke('core:toggle-show-tips', false));
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    await shot(`failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
    await closeAllDialogs().catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await stripe?.close();
    await salesforce?.close();
    await snow?.close();
  });

  it('Stripe: Test connection reports the account for the saved key, and Stripe\'s error for a key just typed', async () => {
    await editConfig('stripe-cfg');
    assert.match(await testConnection('ok'), /^Connected to FlowGuard sandbox \(acct_\w+\) in test mode/);
    await shot('stripe-config-ok');
    await page.locator('#node-config-input-secretKey').fill('sk_test_typedButWrong12345');
    assert.match(await testConnection('error'), /^Invalid API Key provided: sk_test_/);
    await shot('stripe-config-error');
    await closeDialog();
  });

  it('Salesforce: Test connection signs in with the saved secret, and shows Salesforce\'s error for a secret just typed', async () => {
    await editConfig('sf-cfg');
    assert.match(await testConnection('ok'), /^Signed in as \S+ to org 00D\w+, API 68\.0$/);
    await shot('salesforce-config-ok');
    await page.locator('#node-config-input-clientSecret').fill('typed-but-wrong');
    assert.strictEqual(await testConnection('error'), 'invalid client credentials');
    await closeDialog();
  });

  it('Salesforce node: object and external id picked from describe; a partial name is an error under the field, never a call', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('sf-node')));
    const object = page.locator('#node-input-object');
    await object.waitFor();
    const menu = page.locator('.red-ui-autoComplete-container');
    await object.click();
    await object.pressSequentially('acc');
    await menu.locator('.red-ui-autoComplete-completion', { hasText: /^Account$/ }).waitFor();
    await menuShown(1);
    await shot('salesforce-object-picker');
    await menu.locator('.red-ui-autoComplete-completion', { hasText: /^Account$/ }).click();
    assert.strictEqual(await object.inputValue(), 'Account');
    await page.locator('#node-input-externalIdField + .fg-picker-open').click();
    const externalIds = menu.locator('.red-ui-autoComplete-completion');
    await menuShown(2);
    assert.deepStrictEqual((await externalIds.allTextContents()).sort(), ['External_Id__c', 'Id']);
    await shot('salesforce-external-id-picker');
    await menu.locator('.red-ui-autoComplete-completion', { hasText: 'External_Id__c' }).click();
    assert.strictEqual(await page.locator('#node-input-externalIdField').inputValue(), 'External_Id__c');
    // a name typed by hand and left half-done
    await object.fill('');
    await object.pressSequentially('Opp');
    await page.keyboard.press('Escape');
    await page.locator('#node-input-name').click();
    const objectMessage = page.locator('.form-row.fg-sf-object + .fg-editor-message[data-kind="error"]');
    await objectMessage.waitFor();
    assert.strictEqual((await objectMessage.textContent())!.trim(), 'This org has no object named "Opp": pick one from the list');
    await shot('salesforce-object-unknown');
    assert.deepStrictEqual(requests.filter((u) => /sobjects\/Opp/i.test(u)), [], 'no request for a partial name');
    await cancelNodeDialog();
  });

  it('Salesforce events: Fields completes the last entry of the list from the object\'s describe', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('sf-events')));
    const fields = page.locator('#node-input-fields');
    await fields.waitFor();
    await fields.click();
    await page.keyboard.press('End');
    await fields.pressSequentially(', indu');
    const menu = page.locator('.red-ui-autoComplete-container .red-ui-autoComplete-completion');
    await menuShown(1);
    assert.deepStrictEqual(await menu.allTextContents(), ['Industry']);
    await shot('salesforce-events-fields-picker');
    await menu.first().click();
    assert.strictEqual(await fields.inputValue(), 'Name, Industry');
    await cancelNodeDialog();
  });

  it('Snowflake: Test connection shows the session, the warehouse / schema pickers list with the dialog\'s values, a wrong password shows Snowflake\'s error', async () => {
    await editConfig('snow-cfg');
    assert.strictEqual(await testConnection('ok'), 'Connected to account SANDBOX as SANDBOX, role SYSADMIN, warehouse COMPUTE_WH, SNOW_DB.PUBLIC');
    const menu = page.locator('.red-ui-autoComplete-container .red-ui-autoComplete-completion');
    await page.locator('#node-config-input-warehouse').fill('');
    await page.locator('#node-config-input-warehouse + .fg-picker-open').click();
    await menuShown(2);
    assert.deepStrictEqual(await menu.allTextContents(), ['COMPUTE_WH', 'LOAD_WH']);
    await shot('snowflake-warehouse-picker');
    await menu.filter({ hasText: 'LOAD_WH' }).click();
    assert.strictEqual(await page.locator('#node-config-input-warehouse').inputValue(), 'LOAD_WH');
    await page.locator('#node-config-input-schema').fill('');
    await page.locator('#node-config-input-schema + .fg-picker-open').click();
    await menu.first().waitFor();
    assert.deepStrictEqual(await menu.allTextContents(), ['INFORMATION_SCHEMA', 'PUBLIC']);
    await menu.filter({ hasText: 'PUBLIC' }).click();
    assert.match(await testConnection('ok'), /warehouse LOAD_WH, SNOW_DB\.PUBLIC$/, 'the edited warehouse is used before it is saved');
    await shot('snowflake-config-ok');
    await page.locator('#node-config-input-password').fill('typed-but-wrong');
    assert.strictEqual(await testConnection('error'), 'Incorrect username or password was specified.');
    await shot('snowflake-config-error');
    // The newer sign-in methods show their own fields; the service's refusal comes back in its words.
    await page.locator('#node-config-input-auth').selectOption('pat');
    assert.deepStrictEqual([await page.locator('#node-config-input-programmaticToken').isVisible(), await page.locator('#node-config-input-password').isVisible()], [true, false]);
    await page.locator('#node-config-input-programmaticToken').fill('not-a-valid-pat-1');
    assert.strictEqual(await testConnection('error'), 'Programmatic access token is invalid.');
    await shot('snowflake-config-pat');
    await page.locator('#node-config-input-auth').selectOption('oauthClientCredentials');
    await page.locator('#node-config-input-oauthClientId').fill('unknown-client');
    await page.locator('#node-config-input-oauthClientSecret').fill('not-the-secret-1');
    assert.strictEqual(await testConnection('error'), 'OAuth token endpoint refused the request: invalid_client (Client authentication failed.)');
    await shot('snowflake-config-client-credentials');
    await closeDialog();
  });

  it('Snowflake node: the table picker lists the config\'s schema, a name that needs quotes is filled in quoted', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('snow-node')));
    const table = page.locator('#node-input-table');
    await table.waitFor();
    await page.locator('#node-input-table + .fg-picker-open').click();
    const menu = page.locator('.red-ui-autoComplete-container .red-ui-autoComplete-completion');
    await menuShown(2);
    assert.deepStrictEqual(await menu.allTextContents(), ['"Daily Report"', 'ORDERS']);
    await shot('snowflake-table-picker');
    await menu.filter({ hasText: 'Daily Report' }).click();
    assert.strictEqual(await table.inputValue(), '"Daily Report"');
    await cancelNodeDialog();
  });

  it('the routes need flowguard.write: a read-only user is refused, an admin is answered', async () => {
    const body = JSON.stringify({ id: 'stripe-cfg', config: { useCustomHost: true, host: stripe.host, port: stripe.port, protocol: 'http' }, credentials: { secretKey: '__PWRD__' } });
    const post = (token?: string) => fetch(`${red.url}flowguard/stripe/test-connection`, {
      method: 'POST', body, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    assert.strictEqual((await post()).status, 401, 'no token');
    assert.strictEqual((await post(await tokenFor(VIEWER))).status, 401, 'read-only user');
    for (const service of ['salesforce', 'snowflake']) {
      const refused = await fetch(`${red.url}flowguard/${service}/test-connection`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await tokenFor(VIEWER)}` } });
      assert.strictEqual(refused.status, 401, `${service}: read-only user`);
    }
    const answer = await post(await tokenFor(ADMIN));
    assert.strictEqual(answer.status, 200);
    assert.strictEqual(((await answer.json()) as any).ok, true);
  });

  it('no page errors and no failed requests for our files and routes', () => {
    assert.deepStrictEqual(errors, []);
  });
});

declare const RED: any;
declare const window: any;
declare const document: any;
declare const $: any;
