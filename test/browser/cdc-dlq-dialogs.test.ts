// The dialogs changed by the CDC and dead-letter replay work, as a user meets them (Chromium, real Node-RED with
// adminAuth, 1400×900): fg-salesforce-events in CDC mode shows Fields and Output (gap re-reads and re-syncs use them)
// and hides the poll-only rows; fg-dead-letter has its Replay lease and its Schedule (rows shown when ticked). Screenshots: test-output/screenshots/dialog-*.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { nodeRedVersion, openEditor, RunningNodeRed, startNodeRed } from './runtime';

const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const NR_MAJOR = Number(nodeRedVersion.split('.')[0]);

describe('CDC and dead-letter dialogs in the editor', function () {
  this.timeout(120000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `dialog-nr${NR_MAJOR}-${name}.png`) });
  const visible = (id: string) => page.locator(`#node-input-${id}`).isVisible();

  before(async function () {
    fs.mkdirSync(SHOTS, { recursive: true });
    const flow = [
      { id: 'tab', type: 'tab', label: 'Dialogs', disabled: false, info: '' },
      { id: 'store', type: 'fg-store-config', name: 'store', backend: 'memory' },
      { id: 'sf-cfg', type: 'fg-salesforce-config', name: 'Salesforce', loginTarget: 'custom', loginUrl: 'http://127.0.0.1:9', authFlow: 'client_credentials', apiVersion: '68.0' },
      { id: 'events', type: 'fg-salesforce-events', z: 'tab', name: 'account changes', salesforce: 'sf-cfg', store: 'store', object: 'Account', mode: 'cdc', fields: 'Name, Industry', output: 'record', x: 200, y: 80, wires: [[]] },
      { id: 'dlq', type: 'fg-dead-letter', z: 'tab', name: 'dead letters', store: 'store', x: 200, y: 160, wires: [[], []] },
    ];
    red = await startNodeRed(flow, { 'sf-cfg': { clientId: 'x', clientSecret: 'y' } });
    ({ browser, page } = await openEditor(red, () => RED.nodes.node('events') && RED.nodes.node('dlq'), errors));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('fg-salesforce-events in CDC mode: Fields and Output shown, poll-only rows hidden', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('events')));
    await page.locator('#node-input-mode').waitFor();
    assert.deepStrictEqual(await Promise.all(['fields', 'output', 'interval', 'lagSeconds', 'includeDeleted'].map(visible)), [true, true, false, false, false]);
    assert.strictEqual(await page.locator('#node-input-output option[value="batch"]').textContent(), 'one message per query page (CDC: per change event)');
    await shot('salesforce-events-cdc');
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-input-mode').waitFor({ state: 'detached' });
  });

  it('fg-dead-letter: Replay lease, 60 s by default', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('dlq')));
    await page.locator('#node-input-replayLeaseSeconds').waitFor();
    assert.strictEqual(await page.locator('#node-input-replayLeaseSeconds').inputValue(), '60');
    await shot('dead-letter');
    await page.locator('#node-dialog-cancel').click();
    assert.deepStrictEqual(errors, []);
  });

  it('fg-dead-letter: Schedule off by default; ticking it shows Every (15 min), Error codes and At most (3)', async () => {
    // The previous test's dialog gone, this one opened and its tray slid in (Node-RED animates it).
    await page.locator('#node-input-replayLeaseSeconds').waitFor({ state: 'detached' });
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('dlq')));
    await page.locator('#node-input-autoReplay').waitFor();
    await page.waitForFunction(() => { const t = $('.red-ui-tray'); return t.length > 0 && !t.is(':animated') && t.offset().left + t.outerWidth() <= window.innerWidth + 1; });
    assert.strictEqual(await page.locator('#node-input-autoReplay').isChecked(), false);
    assert.deepStrictEqual(await Promise.all(['autoReplayMinutes', 'autoReplayCodes', 'autoReplayMax'].map(visible)), [false, false, false]);
    await page.locator('#node-input-autoReplay').check();
    assert.deepStrictEqual(await Promise.all(['autoReplayMinutes', 'autoReplayCodes', 'autoReplayMax'].map(visible)), [true, true, true]);
    assert.strictEqual(await page.locator('#node-input-autoReplayMinutes').inputValue(), '15');
    assert.strictEqual(await page.locator('#node-input-autoReplayMax').inputValue(), '3');
    await page.locator('#node-input-autoReplayCodes').fill('UNABLE_TO_LOCK_ROW rate_limit');
    await shot('dead-letter-schedule');
    // The help's Schedule entry, beside the dialog.
    await page.evaluate(() => RED.sidebar.show('help'));
    await page.locator('.red-ui-help dt', { hasText: 'Schedule' }).scrollIntoViewIfNeeded();
    await shot('dead-letter-schedule-help');
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-input-autoReplay').waitFor({ state: 'detached' });
    assert.deepStrictEqual(errors, []);
  });
});

// Globals of the editor page, used inside page.evaluate callbacks.
declare const RED: any;
declare const $: any;
declare const window: any;
