// The shipped flows as a user sees them: the `npm start` demo (scripts/start.js's settings, the sandboxes running, its
// traffic flowing) opened in Chromium at 1400×900 and 100 % zoom, then every example imported into it as
// Import ▸ Examples does. Checked with the editor's own state: no invalid node (node.valid, the red triangle), no
// overlapping or off-canvas node, status label, comment or group, every section in a named group, no editor console
// error, every FlowGuard node's edit dialog (and one of each core type) opens with no select cutting its text; the
// examples reuse the demo's config nodes and their first comment says what they need; flows saved without newer
// settings are valid and their dialogs show the defaults. Screenshots: test-output/screenshots/flow-<tab>.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { RunningSandboxes, startSandboxes } from '../../sandbox/main';
import { ADMIN, nodeRedVersion, RunningNodeRed, startNodeRed } from './runtime';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const REPO = path.join(__dirname, '..', '..', '..');
const SHOTS = path.join(REPO, 'test-output', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };
const flows = require(path.join(REPO, 'scripts', 'flows.js'));
const start = require(path.join(REPO, 'scripts', 'start.js'));

/** Space kept free under every node for its status (dot and text), as the editor draws it. */
const STATUS_ROOM = 20;

interface Box { l: number; t: number; r: number; b: number }
interface Item { id: string; kind: 'node' | 'comment' | 'group'; label: string; box: Box; group?: string }
interface TabReport { tab: string; label: string; items: Item[]; problems: string[] }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Runs in the page: the boxes of everything drawn on a tab, in canvas coordinates at the current zoom, from the DOM
 * the editor built (node rectangles, status groups as drawn, comments, groups with their labels), and what is wrong
 * with them. Self-contained: playwright sends its source.
 */
function layoutOf(args: { tabId: string; statusRoom: number }): TabReport {
  const g = globalThis as any;
  const RED = g.RED;
  const doc = g.document;
  const { tabId, statusRoom } = args;
  const svg = doc.querySelector('#red-ui-workspace-chart svg');
  const origin = svg.getBoundingClientRect();
  const scale = RED.view.scale();
  const boxOf = (el: any): Box => {
    const r = el.getBoundingClientRect();
    return { l: (r.left - origin.left) / scale, t: (r.top - origin.top) / scale, r: (r.right - origin.left) / scale, b: (r.bottom - origin.top) / scale };
  };
  const union = (a: Box, b: Box): Box => ({ l: Math.min(a.l, b.l), t: Math.min(a.t, b.t), r: Math.max(a.r, b.r), b: Math.max(a.b, b.b) });
  const overlap = (a: Box, b: Box) => a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
  const tab = RED.nodes.workspace(tabId);
  const report: TabReport = { tab: tabId, label: tab ? tab.label : tabId, items: [], problems: [] };
  const label = (n: any) => RED.utils.getNodeLabel(n, n.type);
  RED.nodes.eachNode((n: any) => {
    if (n.z !== tabId) return;
    const el = doc.getElementById(n.id);
    const body = el && el.querySelector('.red-ui-flow-node');
    if (!body) {
      report.problems.push(`${n.type} "${label(n)}" is not drawn`);
      return;
    }
    let box = boxOf(body);
    if (n.type !== 'comment') {
      // the status as drawn, or the room it needs when the node shows none yet
      const status = el.querySelector('.red-ui-flow-node-status-group');
      const drawn = status && status.style.display !== 'none' && status.getBoundingClientRect().width > 0 ? boxOf(status) : undefined;
      box = union(box, drawn ?? { l: box.l, t: box.b, r: box.r, b: box.b + statusRoom });
    }
    report.items.push({ id: n.id, kind: n.type === 'comment' ? 'comment' : 'node', label: `${n.type} "${label(n)}"`, box, group: n.g });
  });
  for (const grp of RED.nodes.groups(tabId) ?? []) {
    const el = doc.getElementById(grp.id);
    const body = el && el.querySelector('.red-ui-flow-group-body');
    if (!body) continue;
    report.items.push({ id: grp.id, kind: 'group', label: `group "${grp.name ?? ''}"`, box: boxOf(body), group: grp.g });
    if (!grp.name) report.problems.push(`a group without a name (${grp.nodes.length} nodes)`);
  }
  const items = report.items;
  const inside = (item: Item, groupId: string): boolean => {
    for (let gid = item.group; gid; gid = RED.nodes.group(gid)?.g) if (gid === groupId) return true;
    return false;
  };
  for (const a of items) {
    if (a.box.l < -0.5 || a.box.t < -0.5) report.problems.push(`${a.label} starts left of or above the canvas origin (${Math.round(a.box.l)}, ${Math.round(a.box.t)})`);
  }
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i];
      const b = items[j];
      if (!overlap(a.box, b.box)) continue;
      if (a.kind === 'group' && inside(b, a.id)) continue;
      if (b.kind === 'group' && inside(a, b.id)) continue;
      report.problems.push(`${a.label} overlaps ${b.label}`);
    }
  }
  return report;
}

/** Runs in the page: the nodes (and config nodes) the editor marks invalid, with its reasons. */
function invalidNodes(): string[] {
  const RED = (globalThis as any).RED;
  const out: string[] = [];
  const check = (n: any) => {
    if (n.valid === false) out.push(`${n.type} ${n.id} "${RED.utils.getNodeLabel(n, n.type)}": ${JSON.stringify(n.validationErrors ?? [])}`);
  };
  RED.nodes.eachNode(check);
  RED.nodes.eachConfig(check);
  return out;
}

/**
 * Runs in the page: references from one node to others on its flow (a completion's gate, a Catch node's scope) that
 * do not point at a node of that flow. After Import ▸ "Import copy" (new ids) a reference the editor does not map
 * keeps pointing at the original node, or at nothing.
 */
function strayReferences(tabId: string): string[] {
  const RED = (globalThis as any).RED;
  const refs: Record<string, string[]> = { 'fg-idempotency-complete': ['gate'], catch: ['scope'], status: ['scope'], complete: ['scope'] };
  const out: string[] = [];
  for (const n of RED.nodes.filterNodes({ z: tabId })) {
    for (const prop of refs[n.type] ?? []) {
      for (const id of [].concat(n[prop] ?? [])) {
        const target = id ? RED.nodes.node(id) : undefined;
        if (!target || target.z !== tabId) out.push(`${n.type} "${RED.utils.getNodeLabel(n, n.type)}": ${prop} ${JSON.stringify(id)} is ${target ? `on ${target.z}` : 'no node'}`);
      }
    }
  }
  return out;
}

describe('the demo and the examples in the editor', function () {
  this.timeout(600000);
  let sandboxes: RunningSandboxes;
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let watching = false;
  /** The dialog being opened or closed, to name it in an error the page throws meanwhile. */
  let currentDialog = '';
  const [demoFile, ...exampleFiles] = flows.shippedFlows() as { file: string; flow: any[] }[];
  const demo = demoFile.flow;
  const demoTabs = demo.filter((n) => n.type === 'tab');

  async function showTab(tabId: string): Promise<void> {
    await page.evaluate((id) => {
      const RED = (globalThis as any).RED;
      RED.workspaces.show(id);
      RED.view.zoomZero?.();
      const chart = (globalThis as any).document.getElementById('red-ui-workspace-chart');
      chart.scrollLeft = 0;
      chart.scrollTop = 0;
      RED.view.redraw(true);
    }, tabId);
    await page.waitForTimeout(300);
  }

  async function shotTab(name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `flow-${name}.png`) });
  }

  /** Opens every node's edit dialog (a config node's in its own dialog) once, waits for it to show, closes it. */
  async function openEveryDialog(ids: string[]): Promise<string[]> {
    const failed: string[] = [];
    const pictured = new Set<string>();
    for (const id of ids) {
      currentDialog = id;
      const opened = await page.evaluate(async (nodeId) => {
        const g = globalThis as any;
        const RED = g.RED;
        const n = RED.nodes.node(nodeId);
        if (!n) return { type: '', problem: `no node ${nodeId}` };
        if (n._def.category === 'config') RED.editor.editConfig('', n.type, n.id);
        else RED.editor.edit(n);
        const shown = await new Promise<boolean>((resolve) => {
          const started = Date.now();
          const poll = () => {
            const button = g.document.querySelector('#node-dialog-cancel, #node-config-dialog-cancel');
            if (button && button.offsetParent && g.document.querySelector('.red-ui-tray-body form, .red-ui-tray-body .red-ui-tray-content')) resolve(true);
            else if (Date.now() - started > 5000) resolve(false);
            else setTimeout(poll, 20);
          };
          poll();
        });
        // a select whose chosen text is wider than the select shows it cut ("failing service (msg.e")
        const cut: string[] = [];
        const ctx = g.document.createElement('canvas').getContext('2d');
        for (const select of g.document.querySelectorAll('.red-ui-tray-body select')) {
          if (!select.offsetParent || select.selectedIndex < 0) continue;
          const style = g.getComputedStyle(select);
          ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const text = select.options[select.selectedIndex].text;
          const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
          if (ctx.measureText(text).width > room) cut.push(`${n.type} ${nodeId}: select ${select.id} cuts "${text}"`);
        }
        return { type: n.type as string, problem: shown ? cut.join('; ') : `${n.type} ${nodeId}: the edit dialog did not open` };
      }, id);
      // A person reads the dialog before closing it: the tray has slid in (Node-RED animates it) and its editors have
      // started (a dialog closed within milliseconds of opening races Node-RED's own code editor set-up).
      if (!opened.problem) {
        await page.waitForFunction(() => { const t = $('.red-ui-tray'); return t.length > 0 && !t.is(':animated') && t.offset().left + t.outerWidth() <= window.innerWidth + 1; });
        await page.waitForTimeout(100);
      }
      // One picture of each FlowGuard node type's dialog as it opens with the demo's values.
      if (opened.type.startsWith('fg-') && !pictured.has(opened.type)) {
        pictured.add(opened.type);
        await page.screenshot({ path: path.join(SHOTS, `dialog-${opened.type}.png`) });
      }
      await page.evaluate(async () => {
        const g = globalThis as any;
        // Closed as a person does, with Cancel (runs the node's oneditcancel); then wait for the tray to be gone.
        g.document.querySelector('#node-config-dialog-cancel, #node-dialog-cancel')?.click();
        await new Promise<void>((resolve) => {
          const started = Date.now();
          const gone = () => (!g.document.querySelector('.red-ui-tray') || Date.now() - started > 5000 ? resolve() : setTimeout(gone, 20));
          gone();
        });
      });
      if (opened.problem) failed.push(opened.problem);
    }
    currentDialog = '';
    return failed;
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    // As `npm start` runs it: the sandboxes, the demo pointed at them with their keys, the demo's settings.
    sandboxes = await startSandboxes({ stripe: 0, salesforce: 0, snowflake: 0 });
    const port = await freePort();
    const info = sandboxes.info;
    red = await startNodeRed(start.pointAtSandboxes(demo, info, port), start.demoCredentials(demo, info), { ...start.demoSettings(info, port), uiHost: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    page.on('dialog', (d) => d.accept());
    page.on('pageerror', (err) => consoleErrors.push(`uncaught${currentDialog ? ` (dialog of ${currentDialog})` : ''}: ${err.message}\n${err.stack?.split('\n').slice(0, 6).join('\n')}`));
    // The editor fetches Node-RED's palette catalogue from the internet at start; this machine is offline, which is
    // no fault of the flows or the pack.
    const catalogue = (url: string) => url.startsWith('https://catalogue.nodered.org/');
    page.on('console', (m) => { if (watching && m.type() === 'error' && !catalogue(m.location().url)) consoleErrors.push(`console: ${m.text()} (${m.location().url})`); });
    page.on('requestfailed', (r) => { if (watching && !catalogue(r.url())) consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
    await page.goto(red.url);
    await page.locator('#node-dialog-login-username').fill(ADMIN.username);
    await page.locator('#node-dialog-login-password').fill(ADMIN.password);
    watching = true;
    await page.locator('#node-dialog-login-submit').click();
    await page.waitForFunction('window.RED && RED.nodes && RED.nodes.getType("fg-retry") && RED.nodes.workspace("sc1-tab")');
    await page.locator('.red-ui-flow-node').first().waitFor();
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    if (red) fs.writeFileSync(path.join(SHOTS, '..', `browser-flows-node-red-${nodeRedVersion}.log`), red.output());
    await sandboxes?.close();
  });

  it('opens without the welcome tour or the telemetry / update dialog (npm start\'s settings)', async () => {
    await page.waitForTimeout(1500);
    const modals = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const visible = (sel: string) => [...doc.querySelectorAll(sel)].filter((el: any) => el.offsetParent !== null).map((el: any) => el.textContent.trim().slice(0, 80));
      return [...visible('.red-ui-tourGuide-popover'), ...visible('.red-ui-popover .red-ui-popover-content'), ...visible('.ui-dialog')];
    });
    assert.deepStrictEqual(modals, [], 'nothing in front of the flows');
  });

  it('shows no invalid node in the demo', async () => {
    assert.deepStrictEqual(await page.evaluate(invalidNodes), []);
  });

  it('draws every demo tab without overlaps, nothing off the canvas, sections in named groups; screenshots', async () => {
    // let the traffic generator run a little, so the statuses are the ones a user sees
    await page.waitForTimeout(6000);
    const problems: string[] = [];
    for (const tab of demoTabs) {
      await showTab(tab.id);
      const report = await page.evaluate(layoutOf, { tabId: tab.id, statusRoom: STATUS_ROOM });
      problems.push(...report.problems.map((p) => `${tab.label}: ${p}`));
      await shotTab(tab.id);
    }
    assert.deepStrictEqual(problems, []);
  });

  it('opens the edit dialog of every FlowGuard node of the demo (and of one node of each other type)', async () => {
    const ids = await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      const list: string[] = [];
      const seen = new Set<string>();
      const pick = (n: any) => {
        if (!n.type.startsWith('fg-') && seen.has(n.type)) return;
        seen.add(n.type);
        list.push(n.id);
      };
      RED.nodes.eachNode(pick);
      RED.nodes.eachConfig((n: any) => { if (n.type.startsWith('fg-')) pick(n); });
      return list;
    });
    assert.ok(ids.length > 60, `${ids.length} nodes`);
    assert.deepStrictEqual(await openEveryDialog(ids), []);
  });

  for (const { file, flow } of exampleFiles) {
    const name = path.relative(path.join(REPO, 'examples'), file).replace(/\.json$/, '');
    it(`imports the example "${name}" into the demo: the demo's config nodes reused, valid, readable`, async () => {
      // Import ▸ Examples into the running demo, with "Import copy" (new ids) when ids are taken; an example without
      // a tab of its own lands on a new one.
      const report = await page.evaluate(({ nodes, title }) => {
        const RED = (globalThis as any).RED;
        const configsBefore: string[] = [];
        RED.nodes.eachConfig((n: any) => { configsBefore.push(n.id); });
        const tabsBefore: string[] = [];
        RED.nodes.eachWorkspace((w: any) => { tabsBefore.push(w.id); });
        const hasTab = nodes.some((n: any) => n.type === 'tab');
        const z = nodes.find((n: any) => n.z)?.z;
        RED.view.importNodes(hasTab ? nodes : [{ id: z, type: 'tab', label: title, disabled: false, info: '' }, ...nodes], { generateIds: true, addFlow: false });
        const configsAfter: string[] = [];
        RED.nodes.eachConfig((n: any) => { configsAfter.push(n.id); });
        const tabs: string[] = [];
        RED.nodes.eachWorkspace((w: any) => { if (!tabsBefore.includes(w.id)) tabs.push(w.id); });
        return { tabId: tabs[0], added: configsAfter.filter((id) => !configsBefore.includes(id)) };
      }, { nodes: flow, title: name });
      assert.deepStrictEqual(report.added, [], 'no config node added: the demo\'s are reused');
      await showTab(report.tabId);
      assert.deepStrictEqual(await page.evaluate(invalidNodes), []);
      assert.deepStrictEqual(await page.evaluate(strayReferences, report.tabId), [], 'references lead to the imported nodes');
      const layout = await page.evaluate(layoutOf, { tabId: report.tabId, statusRoom: STATUS_ROOM });
      await shotTab(`example-${name.replace(/\W+/g, '-')}`);
      assert.deepStrictEqual(layout.problems, []);
      // the scenario examples are the demo's tabs, whose dialogs were opened above
      if (!name.startsWith('Scenarios/')) {
        const ids = await page.evaluate((tabId) => (globalThis as any).RED.nodes.filterNodes({ z: tabId }).filter((n: any) => n.type.startsWith('fg-')).map((n: any) => n.id), report.tabId);
        assert.deepStrictEqual(await openEveryDialog(ids), []);
      }
      // the first comment says what the example needs
      const first = flow.find((n: any) => n.type === 'comment');
      assert.match(first?.info ?? '', /^\*\*Needs\*\* /, 'the first comment starts by saying what the example needs');
      assert.doesNotMatch(first.info, /node sandbox\//, 'sandboxes run from dist/ (as the README says)');
      await page.evaluate((tabId) => {
        const RED = (globalThis as any).RED;
        RED.workspaces.delete(RED.nodes.workspace(tabId));
      }, report.tabId);
    });
  }

  it('shows flows saved before a setting existed as valid, with the defaults in their dialogs', async () => {
    // Every FlowGuard node type with no settings at all, only its config nodes.
    const types = Object.keys(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'))['node-red'].nodes).filter((t) => !t.endsWith('-config'));
    const refs: Record<string, string> = { store: 'demo-store', stripe: 'demo-stripe', salesforce: 'demo-salesforce', snowflake: 'demo-snowflake' };
    const bare = [{ id: 'old-tab', type: 'tab', label: 'Saved long ago', disabled: false, info: '' },
      ...types.map((type, i) => ({ id: `old-${type}`, type, z: 'old-tab', x: 200 + 260 * (i % 4), y: 60 + 80 * Math.floor(i / 4), wires: [], ...refs }))];
    const invalid = await page.evaluate((nodes) => {
      const RED = (globalThis as any).RED;
      RED.view.importNodes(nodes, { generateIds: false, addFlow: false });
      const out: string[] = [];
      for (const n of nodes) {
        const node = RED.nodes.node(n.id);
        if (node && node.valid === false) out.push(`${n.type}: ${JSON.stringify(node.validationErrors)}`);
      }
      return out;
    }, bare);
    assert.deepStrictEqual(invalid, []);
    await showTab('old-tab');
    await shotTab('saved-long-ago');
    // the dialogs show what the runtime does
    const dialog = async (id: string, read: () => Record<string, unknown>) => {
      await page.evaluate((n) => (globalThis as any).RED.editor.edit((globalThis as any).RED.nodes.node(n)), id);
      await page.locator('#node-dialog-cancel').waitFor({ state: 'visible' });
      const values = await page.evaluate(read);
      await page.locator('#node-dialog-cancel').click();
      await page.waitForFunction(() => !(globalThis as any).document.querySelector('.red-ui-tray'));
      return values;
    };
    const events = await dialog('old-fg-salesforce-events', () => {
      const $ = (globalThis as any).$;
      return { mode: $('#node-input-mode').val(), pollSettingsShown: $('.fg-sf-poll').first().is(':visible'), output: $('#node-input-output').val() };
    });
    assert.deepStrictEqual(events, { mode: 'poll', pollSettingsShown: true, output: 'record' });
    const retry = await dialog('old-fg-retry', () => {
      const $ = (globalThis as any).$;
      return { failureWindowSeconds: $('#node-input-failureWindowSeconds').val(), circuit: $('#node-input-circuit').prop('checked') };
    });
    assert.deepStrictEqual(retry, { failureWindowSeconds: '60', circuit: true });
    const deadLetter = await dialog('old-fg-dead-letter', () => ({ alertOnPark: (globalThis as any).$('#node-input-alertOnPark').prop('checked') }));
    assert.deepStrictEqual(deadLetter, { alertOnPark: true });
    assert.strictEqual(await page.evaluate(() => (globalThis as any).RED.utils.getNodeLabel((globalThis as any).RED.nodes.node('old-fg-retry'))), 'retry ×5');
    await page.evaluate(() => (globalThis as any).RED.workspaces.delete((globalThis as any).RED.nodes.workspace('old-tab')));
  });

  it('saves the gate picked in a completion\'s dialog, undoably (the gate is a typed node reference, mapped on import)', async () => {
    await page.evaluate(() => (globalThis as any).RED.editor.edit((globalThis as any).RED.nodes.node('sc1-complete')));
    const select = page.locator('#fg-complete-gate');
    await select.waitFor({ state: 'visible' });
    assert.strictEqual(await select.inputValue(), 'sc1-gate', 'the dialog shows the node\'s gate');
    await select.selectOption('sc2-gate');
    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => !(globalThis as any).document.querySelector('.red-ui-tray'));
    assert.strictEqual(await page.evaluate(() => (globalThis as any).RED.nodes.node('sc1-complete').gate), 'sc2-gate');
    await page.evaluate(() => (globalThis as any).RED.history.pop());
    assert.strictEqual(await page.evaluate(() => (globalThis as any).RED.nodes.node('sc1-complete').gate), 'sc1-gate', 'undone');
  });

  it('records where each of the demo\'s dead letters came from (error outputs and function nodes name the failing node)', async () => {
    // The demo's traffic parks a payment whose Account does not exist (Scenario 1) within a minute or two of starting.
    const entries = await page.evaluate(async () => {
      const $ = (globalThis as any).$;
      const started = Date.now();
      for (;;) {
        const found: { queue: string; code: string; origin: any }[] = [];
        for (const q of (await $.getJSON('flowguard/dlq')).nodes) {
          for (const e of (await $.getJSON(`flowguard/dlq/${q.node}`)).entries) found.push({ queue: q.node, code: e.item.error.code, origin: e.item.origin });
        }
        if (found.length || Date.now() - started > 90000) return found;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    assert.ok(entries.length > 0, 'the demo parked something');
    assert.deepStrictEqual(entries.filter((e) => !e.origin?.node || !e.origin?.flow), [], 'every entry names its origin node and flow');
  });

  // Dialogs are opened and closed at machine speed above: late answers and timers must not touch a closed dialog.
  it('logged no editor console error', () => {
    assert.deepStrictEqual(consoleErrors, []);
  });
});

declare const $: any;
declare const window: any;
