// The fg-reconcile edit dialog in the real editor (headless Chromium through playwright-core): the example's fields
// show as rows, a row added in the dialog is saved. Skipped when no Chromium is installed (FG_E2E_CHROMIUM).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { fetchExample, NodeRedProcess, startNodeRed } from './runtime';

const CHROMIUM = process.env.FG_E2E_CHROMIUM || '/usr/bin/chromium';

describe('e2e: fg-reconcile in the editor', function () {
  this.timeout(60000);
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) return this.skip();
    red = await startNodeRed();
    await red.deploy(await fetchExample(red, 'Reconcile/Compare two record sets'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await red?.close();
  });

  it('shows the compared fields as rows and saves an added row', async () => {
    const page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(red!.url);
    await page.waitForFunction(() => (globalThis as any).RED?.nodes?.node('rec-ex1-reconcile'), undefined, { timeout: 30000 });
    await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      RED.editor.edit(RED.nodes.node('rec-ex1-reconcile'));
    });
    await page.waitForSelector('#node-input-field-container .fg-rec-a');
    const rows = await page.$$eval('#node-input-field-container .fg-rec-a', (inputs) => inputs.map((i: any) => i.value));
    assert.deepEqual(rows, ['amount', 'created', 'email']);
    assert.equal(await page.$eval('#node-input-field-container .fg-rec-options', (i: any) => i.value), '{"unitsA":"minor","unitsB":"decimal","currencyField":"currency"}');
    await page.evaluate(() => (globalThis as any).$('#node-input-field-container').editableList('addItem', { a: 'status', b: 'STATUS', compare: 'text', ignoreCase: true }));
    // The Done button, through jQuery: the editor's shade covers the page for pointer events in headless mode.
    await page.evaluate(() => (globalThis as any).$('#node-dialog-ok').trigger('click'));
    const fields = await page.evaluate(() => (globalThis as any).RED.nodes.node('rec-ex1-reconcile').fields);
    assert.equal(fields.length, 4);
    assert.deepEqual(fields[0], { unitsA: 'minor', unitsB: 'decimal', currencyField: 'currency', a: 'amount', b: 'AMOUNT', compare: 'money' });
    assert.deepEqual(fields[3], { ignoreCase: true, a: 'status', b: 'STATUS', compare: 'text' });
    assert.deepEqual(pageErrors, []);
  });
});
