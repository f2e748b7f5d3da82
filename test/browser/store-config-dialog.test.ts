// fg-store-config in the editor (Chromium, real Node-RED): the Sentinel password row shows in sentinel mode only, and a
// password typed into a URL is marked under the field, naming where it belongs, before a deploy would refuse it.
// Screenshot: test-output/screenshots/dialog-nr<major>-store-url-password.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { nodeRedVersion, openEditor, RunningNodeRed, startNodeRed } from './runtime';

const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const NR_MAJOR = Number(nodeRedVersion.split('.')[0]);

describe('fg-store-config dialog: passwords stay out of the URLs', function () {
  this.timeout(120000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    red = await startNodeRed([{ id: 'store', type: 'fg-store-config', name: 'store', backend: 'redis', redisUrl: 'redis://127.0.0.1:26379', redisMode: 'sentinel', redisSentinelName: 'mymaster' }], {});
    ({ browser, page } = await openEditor(red, () => RED.nodes.node('store'), errors));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('shows the Sentinel password row in sentinel mode, and marks a password in the URL', async () => {
    await page.evaluate(() => RED.editor.editConfig('', 'fg-store-config', 'store'));
    const url = page.locator('#node-config-input-redisUrl');
    await url.waitFor();
    assert.ok(await page.locator('#node-config-input-sentinelPassword').isVisible());
    const message = page.locator('.fg-editor-message').first();
    assert.ok(!(await message.isVisible()));
    await url.fill('redis://:secret@127.0.0.1:26379');
    await url.dispatchEvent('change');
    assert.match(await message.innerText(), /Remove the password from the URL and enter it in the Sentinel password field/);
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, `dialog-nr${NR_MAJOR}-store-url-password.png`) });
    await page.locator('#node-config-input-redisMode').selectOption('single');
    assert.ok(!(await page.locator('#node-config-input-sentinelPassword').isVisible()));
    assert.match(await message.innerText(), /enter it in the Password field/);
    await url.fill('redis://127.0.0.1:6379');
    await url.dispatchEvent('change');
    assert.ok(!(await message.isVisible()));
    await page.locator('#node-config-dialog-cancel').click();
    assert.deepStrictEqual(errors, []);
  });
});

declare const RED: any;
