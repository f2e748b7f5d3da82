// Dialogs holding Node-RED code editors (fg-field-mapper: four JSON editors; fg-snowflake and fg-salesforce: one SQL
// editor), opened and closed the way a person in a hurry does: nothing may be thrown into the page afterwards. The
// mapper's JSON editors did throw "Model is disposed!": the JSON worker's folding answer arrived after the dialog had
// disposed the text (seen in CI under load; here at once).
import * as assert from 'assert';
import { Browser, Page } from 'playwright-core';
import { openEditor, RunningNodeRed, startNodeRed } from './runtime';

describe('dialogs with code editors, opened and closed quickly', function () {
  this.timeout(120000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async function () {
    const flow = [
      { id: 'tab', type: 'tab', label: 'Editors', disabled: false, info: '' },
      { id: 'sf-cfg', type: 'fg-salesforce-config', name: 'Salesforce', loginTarget: 'custom', loginUrl: 'http://127.0.0.1:9', authFlow: 'client_credentials', apiVersion: '68.0' },
      { id: 'snow-cfg', type: 'fg-snowflake-config', name: 'Snowflake', account: 'acme', username: 'etl', warehouse: 'WH', database: 'DB', schema: 'PUBLIC' },
      { id: 'mapper', type: 'fg-field-mapper', z: 'tab', name: 'map', rules: [{ target: 'Name', source: { type: 'path', value: 'name' } }], inputSchema: '{"type":"object"}', x: 200, y: 80, wires: [[], []] },
      { id: 'snow', type: 'fg-snowflake', z: 'tab', name: 'query', snowflake: 'snow-cfg', mode: 'query', sql: 'select 1', x: 200, y: 160, wires: [[], []] },
      { id: 'sf', type: 'fg-salesforce', z: 'tab', name: 'soql', salesforce: 'sf-cfg', operation: 'query', statement: 'SELECT Id FROM Account', x: 200, y: 240, wires: [[], []] },
    ];
    red = await startNodeRed(flow, { 'sf-cfg': { clientId: 'x', clientSecret: 'y' } });
    ({ browser, page } = await openEditor(red, () => RED.nodes.node('mapper') && RED.nodes.node('snow') && RED.nodes.node('sf'), errors));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  // The mapper's JSON editors are the ones with a language worker (its folding answer came after the text was gone).
  const cases: [string, string, number][] = [['mapper', 'cancel', 6], ['mapper', 'ok', 6], ['snow', 'ok', 3], ['sf', 'ok', 3]];
  for (const [id, button, times] of cases) {
    it(`${id}: opened and closed with ${button === 'ok' ? 'Done' : 'Cancel'} at once, ${times} times: nothing thrown afterwards, the text kept`, async () => {
      const before = await page.evaluate((n) => JSON.stringify(RED.nodes.node(n).rules ?? RED.nodes.node(n).sql ?? RED.nodes.node(n).statement), id);
      for (let i = 0; i < times; i++) {
        await page.evaluate((n) => RED.editor.edit(RED.nodes.node(n)), id);
        await page.locator(`#node-dialog-${button}`).click();
        await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
      }
      // Monaco lays out on animation frames and timers: give them time to run against the closed dialogs.
      await page.waitForTimeout(1000);
      assert.deepStrictEqual(errors, []);
      assert.strictEqual(await page.evaluate((n) => JSON.stringify(RED.nodes.node(n).rules ?? RED.nodes.node(n).sql ?? RED.nodes.node(n).statement), id), before);
    });
  }
});

// Globals of the editor page, used inside page.evaluate callbacks.
declare const RED: any;
declare const document: any;
