// The ops dashboard in a real browser against a real Node-RED (adminAuth on): log in, open the FlowGuard tab, send
// messages and watch the counters move, edit and replay a dead letter and see it leave the queue and arrive
// downstream, open the ops page with the editor's token and without one, read the Prometheus endpoint.
// Screenshots go to test-output/screenshots/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { SANDBOX_TEST_KEY, startStripeSandbox, StripeSandbox } from '../../sandbox/stripe';
import { sandboxClient } from '../../sandbox/stripe/testing';
import { ADMIN, nodeRedVersion, RunningNodeRed, startNodeRed, VIEWER } from './runtime';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

function flow(sandbox: StripeSandbox, customerId: string): object[] {
  const inject = (id: string, name: string, stripeId: string, y: number) => ({
    id, type: 'inject', z: 'tab1', name, props: [{ p: 'payload' }, { p: 'stripeId', v: stripeId, vt: 'str' }, { p: 'correlationId', v: `${id}-corr`, vt: 'str' }],
    repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '{"order":42}', payloadType: 'json', x: 120, y, wires: [['get']],
  });
  return [
    { id: 'tab1', type: 'tab', label: 'Payments', disabled: false, info: '' },
    { id: 'store', type: 'fg-store-config', name: 'memory', backend: 'memory' },
    { id: 'cfg', type: 'fg-stripe-config', name: 'sandbox', useCustomHost: true, host: sandbox.host, port: sandbox.port, protocol: 'http', maxNetworkRetries: 0, ratePerSecond: 25 },
    inject('good', 'existing customer', customerId, 60),
    inject('bad', 'missing customer', 'cus_missing', 120),
    { id: 'get', type: 'fg-stripe', z: 'tab1', name: 'get customer', stripe: 'cfg', resource: 'customers', method: 'retrieve', idType: 'msg', idValue: 'stripeId', paramsType: 'none', keySource: 'msg', keyScope: 'node', maxItems: 100, listOutput: 'array', errorRouting: 'output', x: 340, y: 90, wires: [[], ['dlq']] },
    { id: 'dlq', type: 'fg-dead-letter', z: 'tab1', name: 'payments dlq', store: 'store', alertOnPark: false, alertThreshold: 100, alertIntervalSeconds: 60, x: 560, y: 120, wires: [['downstream'], []] },
    { id: 'downstream', type: 'debug', z: 'tab1', name: 'replayed', active: true, tosidebar: true, console: true, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 770, y: 120, wires: [] },
  ];
}

describe('ops dashboard in the browser', function () {
  this.timeout(120000);
  let sandbox: StripeSandbox;
  let red: RunningNodeRed;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SHOTS, `nr${nodeRedVersion.split('.')[0]}-${name}.png`) });
  const sidebar = () => page.locator('.fg-ops-sidebar');
  const cell = (nodeId: string, counter: string) => sidebar().locator(`tr[data-node-id="${nodeId}"] .fg-c-${counter}`);
  const clickInject = async (id: string) => {
    await page.locator(`[id="${id}"] .red-ui-flow-node-button`).click();
  };

  async function tokenFor(user: { username: string; password: string; permissions: string }): Promise<string> {
    const res = await fetch(`${red.url}auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: user.permissions, username: user.username, password: user.password }),
    });
    assert.strictEqual(res.status, 200, `token for ${user.username}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    sandbox = await startStripeSandbox({ rateLimitPerSecond: 0 });
    const customer = await sandboxClient(sandbox).customers.create({ email: 'browser@example.com' });
    red = await startNodeRed(flow(sandbox, customer.id), { cfg: { secretKey: SANDBOX_TEST_KEY, webhookSecrets: '' } });
    // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in launch()).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    page = await context.newPage();
    page.on('dialog', (d) => d.accept());
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await shot(page, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    if (red) fs.writeFileSync(path.join(SHOTS, '..', `browser-node-red-${nodeRedVersion}.log`), red.output());
    await sandbox?.close();
  });

  it('logs in to the editor and opens the FlowGuard tab with the deployed nodes', async () => {
    await page.goto(red.url);
    await page.locator('#node-dialog-login-username').fill(ADMIN.username);
    await page.locator('#node-dialog-login-password').fill(ADMIN.password);
    await page.locator('#node-dialog-login-submit').click();
    await page.locator('[id="get"] .red-ui-flow-node').first().waitFor();
    await page.evaluate('RED.sidebar.show("flowguard")');
    await sidebar().locator('tr[data-node-id="get"]').waitFor();
    assert.strictEqual(await cell('get', 'received').textContent(), '0');
    assert.match((await sidebar().locator('tr[data-node-id="dlq"]').textContent()) ?? '', /payments dlq/);
    await shot(page, '01-sidebar');
  });

  it('reveals a node in the workspace when its row is clicked', async () => {
    await sidebar().locator('tr[data-node-id="dlq"]').click();
    await page.waitForFunction('RED.nodes.node("dlq").__flashTimer !== undefined');
  });

  it('moves the counters live as messages flow (pushed over comms)', async () => {
    await clickInject('good');
    await clickInject('good');
    await clickInject('bad');
    await cell('get', 'received').filter({ hasText: /^3$/ }).waitFor();
    await cell('get', 'errors').filter({ hasText: /^1$/ }).waitFor();
    assert.strictEqual(await cell('dlq', 'received').textContent(), '1');
    assert.match((await sidebar().locator('tr[data-node-id="get"]').getAttribute('title')) ?? '', /resource_missing: 1/);
    await shot(page, '02-counters');
  });

  it('shows the dead letter, edits its payload, replays it: it leaves the queue and arrives downstream', async () => {
    const row = sidebar().locator('tr[data-entry-id]');
    await row.first().waitFor();
    assert.strictEqual(await row.count(), 1);
    await row.first().click();
    const detail = sidebar().locator('[data-fg="dlq-detail"]');
    await detail.locator('[data-fg="payload"]').waitFor();
    assert.match((await detail.textContent()) ?? '', /correlation id: bad-corr/);
    assert.match((await detail.locator('[data-fg="entry-error"]').textContent()) ?? '', /^resource_missing: /);
    assert.deepStrictEqual(JSON.parse(await detail.locator('[data-fg="payload"]').inputValue()), { order: 42 });
    await detail.locator('[data-fg="payload"]').fill('{"order": 42, "fixedBy": "ops"}');
    await detail.locator('[data-fg="save-payload"]').click();
    await sidebar().locator('[data-fg="message"]', { hasText: 'payload saved' }).waitFor();
    await shot(page, '03-dlq-entry');
    await sidebar().locator('[data-fg="replay-one"]').click();
    await sidebar().locator('[data-fg="message"]', { hasText: 'replayed 1' }).waitFor();
    await sidebar().locator('[data-fg="dlq-entries"]', { hasText: 'the queue is empty' }).waitFor();
    await sidebar().locator('[data-fg="dlq-node"] option', { hasText: 'payments dlq (0)' }).waitFor({ state: 'attached' });
    const deadline = Date.now() + 10000;
    const arrived = /\[debug:replayed\]\s*\{ order: 42, fixedBy: 'ops' \}/; // the debug node's console line (util.inspect)
    while (!arrived.test(red.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(red.output(), arrived, 'the edited message arrived at the downstream debug node');
    await cell('dlq', 'sent').filter({ hasText: /^1$/ }).waitFor();
    await page.evaluate('RED.sidebar.show("debug")');
    await shot(page, '04-replayed-debug');
    await page.evaluate('RED.sidebar.show("flowguard")');
  });

  it('opens the ops page with the editor token: nodes, charts and the DLQ browser', async () => {
    const ops = await context.newPage();
    await ops.goto(`${red.url}flowguard/ops/page`);
    await ops.locator('tr[data-node-id="get"] .fg-c-received', { hasText: '3' }).waitFor();
    await ops.locator('svg[data-chart="Throughput"] polyline[data-series="received"]').waitFor();
    await ops.locator('svg[data-chart="Errors"]').waitFor();
    assert.match((await ops.locator('[data-fg="totals"]').textContent()) ?? '', /in 4 ?out 2 ?errors 1/);
    assert.match((await ops.locator('[data-fg="dlq-node"]').textContent()) ?? '', /payments dlq \(0\)/);
    await shot(ops, '05-ops-page');
    await ops.close();
  });

  it('refuses the ops data without a token, opens with a token link, and serves Prometheus text on httpNode', async () => {
    const anonymous = await browser.newContext();
    const ops = await anonymous.newPage();
    await ops.goto(`${red.url}flowguard/ops/page`);
    await ops.locator('[data-fg="message"]', { hasText: 'not signed in' }).waitFor();
    assert.strictEqual(await ops.locator('tr[data-node-id]').count(), 0, 'no data without a token');
    await shot(ops, '06-ops-page-signed-out');
    // A token from the admin API's token endpoint, given in the link, opens the page in a browser that never logged in.
    const token = await tokenFor(ADMIN);
    await ops.goto(`${red.url}flowguard/ops/page?access_token=${encodeURIComponent(token)}`);
    await ops.locator('tr[data-node-id="get"] .fg-c-received', { hasText: '3' }).waitFor();
    const prom = await ops.goto(`${red.url}metrics`);
    assert.strictEqual(prom?.status(), 200);
    assert.match(await prom!.text(), /^flowguard_received_total\{node="get",type="fg-stripe",name="get customer",flow="tab1"\} 3$/m);
    await anonymous.close();
  });

  it('discards selected entries and replays all entries matching a filter', async () => {
    await clickInject('bad');
    await clickInject('bad');
    const rows = sidebar().locator('tr[data-entry-id]');
    await page.waitForFunction('document.querySelectorAll(".fg-ops-sidebar tr[data-entry-id]").length === 2');
    const [discardId, replayId] = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entry-id')));
    await sidebar().locator(`input[data-entry-check="${discardId}"]`).check();
    await sidebar().locator('[data-fg="discard-selected"]').click(); // the confirm dialog is accepted
    await sidebar().locator('[data-fg="message"]', { hasText: 'discarded 1' }).waitFor();
    await page.waitForFunction('document.querySelectorAll(".fg-ops-sidebar tr[data-entry-id]").length === 1');
    assert.strictEqual(await rows.first().getAttribute('data-entry-id'), replayId);
    await sidebar().locator('[data-fg="filter-code"]').fill('no_such_code');
    await sidebar().locator('[data-fg="filter-apply"]').click();
    await sidebar().locator('[data-fg="dlq-entries"]', { hasText: 'the queue is empty' }).waitFor();
    await sidebar().locator('[data-fg="filter-code"]').fill('resource_missing');
    await sidebar().locator('[data-fg="filter-apply"]').click();
    await rows.first().waitFor();
    await shot(page, '07-dlq-filtered');
    const [download] = await Promise.all([page.waitForEvent('download'), sidebar().locator('[data-fg="export"]').click()]);
    const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    assert.deepStrictEqual(exported.entries.map((e: any) => e.id), [replayId]);
    assert.strictEqual(exported.entries[0].item.error.code, 'resource_missing');
    await sidebar().locator('[data-fg="replay-all"]').click();
    await sidebar().locator('[data-fg="message"]', { hasText: 'replayed 1' }).waitFor();
    await sidebar().locator('[data-fg="dlq-node"] option', { hasText: 'payments dlq (0)' }).waitFor({ state: 'attached' });
    await cell('dlq', 'sent').filter({ hasText: /^2$/ }).waitFor();
  });

  it('lets a read-only user look but not replay, edit or discard', async () => {
    const auth = { Authorization: `Bearer ${await tokenFor(VIEWER)}` };
    const call = (method: string, url: string, body?: object) => fetch(`${red.url}${url}`, { method, headers: { ...auth, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    assert.strictEqual((await fetch(`${red.url}flowguard/ops/state`)).status, 401, 'no token, no data');
    assert.strictEqual((await call('GET', 'flowguard/ops/state')).status, 200);
    assert.strictEqual((await call('GET', 'flowguard/dlq/dlq')).status, 200);
    assert.strictEqual((await call('POST', 'flowguard/dlq/dlq/replay', { all: true })).status, 401);
    assert.strictEqual((await call('POST', 'flowguard/dlq/dlq/purge', { all: true })).status, 401);
    assert.strictEqual((await call('PUT', 'flowguard/dlq/dlq/1', { payload: {} })).status, 401);
    assert.strictEqual((await call('DELETE', 'flowguard/dlq/dlq/1')).status, 401);
  });
});
