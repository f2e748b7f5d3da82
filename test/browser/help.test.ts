// Node help as a user reads it: every node's help opened in the editor's Help sidebar at its default width, in
// Chromium against a real Node-RED, and checked for the defects a broken help text shows (list syntax left over,
// raw markdown, a property name running into its type, property lists that are not Node-RED's, missing sections,
// text wider than the panel). The check proves itself on core nodes first (they give 0), then holds our nodes to it.
// Screenshots: test-output/screenshots/help-<type>.png (the whole help panel, sidebar at its default width).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { ADMIN, nodeRedVersion, RunningNodeRed, startNodeRed } from './runtime';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };

const CORE_TYPES = ['inject', 'debug', 'function', 'change', 'switch', 'http in', 'http request', 'mqtt in', 'join', 'split', 'catch', 'complete'];
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const FG_TYPES: string[] = Object.keys(pkg['node-red'].nodes);

interface HelpReport {
  type: string;
  inputs: number;
  outputs: number;
  headings: string[];
  /** items of each ol.node-ports under Outputs */
  outputPorts: number[];
  /** message-property lists directly under Inputs / Outputs */
  inputLists: number;
  outputLists: number;
  /** the headings of message-property lists outside Inputs / Outputs (core's change node lists its options so) */
  otherLists: string[];
  firstParagraph: string;
  /** what the palette shows on hover: the help's first top-level paragraph, as RED.palette picks it */
  tooltip: string;
  defects: string[];
}

/**
 * Runs in the page: shows `type`'s help in the Help sidebar and lists its defects. Self-contained (playwright sends
 * its source), written against the DOM the editor builds in RED.sidebar.help's setInfoText.
 */
function auditHelp(type: string): HelpReport {
  const g = globalThis as any;
  const RED = g.RED;
  const doc = g.document;
  RED.sidebar.help.show(type);
  const help = doc.querySelector('#red-ui-sidebar-content .red-ui-sidebar-help-stack .red-ui-help');
  const def = RED.nodes.getType(type);
  const report: HelpReport = {
    type,
    inputs: def?.inputs ?? 0,
    outputs: def?.outputs ?? 0,
    headings: [],
    outputPorts: [],
    inputLists: 0,
    outputLists: 0,
    otherLists: [],
    firstParagraph: '',
    tooltip: '',
    defects: [],
  };
  if (!help) {
    report.defects.push('no help shown in the Help sidebar');
    return report;
  }
  const defect = (what: string, el: any) => {
    const text = String(el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    report.defects.push(`${what}: "${text.slice(0, 90)}"`);
  };
  const firstP = help.querySelector('p');
  report.firstParagraph = firstP ? firstP.textContent.replace(/\s+/g, ' ').trim() : '';
  const top = g.$(String(RED.nodes.getNodeHelp(type) ?? '').trim()).filter(function (this: any) {
    return (this.nodeType === 1 && this.nodeName === 'P') || (this.nodeType === 3 && this.textContent.trim().length > 0);
  });
  report.tooltip = top.length ? String(top[0].textContent).replace(/\s+/g, ' ').trim() : '';

  // 1. Text the reader sees: no list syntax left over, no raw markdown.
  const walker = doc.createTreeWalker(help, 4 /* NodeFilter.SHOW_TEXT */);
  const texts: any[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent.trim()) texts.push(n);
  for (const t of texts) {
    const s: string = t.textContent;
    if (s.includes('**')) defect('raw ** in text', t.parentElement);
    if (/(^|\n)\s*#{2,6} /.test(s)) defect('raw markdown heading', t.parentElement);
    if (/\]\((https?:|#)/.test(s)) defect('raw markdown link', t.parentElement);
  }
  // ": name (type) : description" the renderer did not turn into a list: a block that starts with ": ", or " : "
  // between words (outside code).
  const blocks = Array.from(help.querySelectorAll('p, li, dt, dd, td, th, h3, h4, h5') as any[]);
  const looseText = Array.from(help.childNodes as any[]).concat(Array.from(help.querySelector('.red-ui-text-bidi-aware')?.childNodes ?? []))
    .filter((c: any) => c.nodeType === 3 || (c.nodeName === 'SPAN' && !c.className));
  for (const block of blocks.concat(looseText)) {
    const plain = (el: any): string => (el.nodeType === 3 ? el.textContent : /^(CODE|PRE)$/.test(el.nodeName) ? 'code' : Array.from(el.childNodes as any[]).map(plain).join(''));
    const text = block.textContent.replace(/\s+/g, ' ');
    if (/^\s*:\s/.test(text)) defect('text starts with ": " (markdown property-list syntax left over)', block);
    else if (/ : /.test(plain(block))) defect('" : " in text (markdown property-list syntax left over)', block);
  }
  // A code span split by the renderer leaves an odd backtick in its block ("list`.").
  for (const block of help.querySelectorAll('p, li, dt, dd, td, th, h1, h2, h3, h4, h5')) {
    const own = Array.from(block.childNodes as any[]).filter((c: any) => c.nodeType === 3 || !/^(P|LI|DL|DT|DD|UL|OL|TABLE|PRE|CODE)$/.test(c.nodeName));
    const text = own.map((c: any) => c.textContent).join('');
    if ((text.match(/`/g) ?? []).length % 2 === 1) defect('stray backtick', block);
  }

  // 2. Property lists: Node-RED's dl.message-properties, each dt a name with its type in span.property-type beside it.
  for (const typeSpan of help.querySelectorAll('.property-type')) {
    if (!typeSpan.parentElement.matches('dl.message-properties > dt')) defect('property type outside a dl.message-properties entry', typeSpan.parentElement);
  }
  for (const dl of help.querySelectorAll('dl.message-properties')) {
    for (const dt of dl.querySelectorAll(':scope > dt')) {
      const typeSpan = dt.querySelector(':scope > .property-type');
      const nameNodes = Array.from(dt.childNodes as any[]).filter((c: any) => c !== typeSpan);
      const name = nameNodes.map((c: any) => c.textContent).join('').trim();
      if (!name) defect('property without a name', dt);
      if (/\s\(?(string|number|boolean|object|array|any|buffer)\)?$/i.test(name) || /\(.*\)/.test(name)) defect('type written into the property name', dt);
      if (!typeSpan) {
        if (/[a-z](string|number|boolean|object|array)$/.test(name)) defect('property name runs into its type (no span.property-type)', dt);
        continue;
      }
      const range = doc.createRange();
      range.setStartBefore(dt.firstChild);
      range.setEndBefore(typeSpan);
      const nameBox = range.getBoundingClientRect();
      const typeBox = typeSpan.getBoundingClientRect();
      const sameLine = nameBox.top < typeBox.bottom && typeBox.top < nameBox.bottom;
      if (sameLine && nameBox.right > typeBox.left - 4) defect('property name runs into its type', dt);
    }
  }
  // A list that looks like properties ("name (type)") but is not Node-RED's property list.
  for (const el of help.querySelectorAll('li, dt, p')) {
    if (el.closest('dl.message-properties')) continue;
    const text = el.textContent.replace(/\s+/g, ' ').trim();
    if (/^\S+ \((string|number|boolean|object|array|any)( \| \w+)*\)/i.test(text)) defect('property list not written as dl.message-properties', el);
  }

  // 3. Sections: where the property lists sit; several outputs are an ol.node-ports.
  let section = '';
  for (const el of help.querySelectorAll('h3, dl.message-properties, ol.node-ports')) {
    if (el.nodeName === 'H3') {
      section = el.textContent.trim();
      report.headings.push(section);
      continue;
    }
    if (el.nodeName === 'DL' && el.closest('ol.node-ports')) continue;
    const isInputs = /^Inputs?$/.test(section);
    const isOutputs = /^Outputs?$/.test(section);
    if (!isInputs && !isOutputs) report.otherLists.push(section);
    if (isInputs) report.inputLists++;
    if (isOutputs) {
      report.outputLists++;
      if (el.nodeName === 'OL') {
        // core styles every li under ol.node-ports as a port box: a list inside a port gets a box per item
        for (const nested of el.querySelectorAll(':scope > li li')) defect('a list inside an output port (each item drawn as a port box)', nested);
        const ports = el.querySelectorAll(':scope > li');
        report.outputPorts.push(ports.length);
        for (const li of ports) if (!li.querySelector('dl.message-properties')) defect('output port without a dl.message-properties', li);
      }
    }
  }
  if ((report.inputs > 0 || report.outputs > 0) && !report.headings.includes('Details')) defect('no Details heading', help);
  for (const h of report.headings) if (!/^(Inputs?|Outputs?|Details|References)$/.test(h)) defect(`heading "${h}" is not one of Inputs / Outputs / Details / References (use h4 inside Details)`, help);

  // 4. Everything fits the panel: no element and no line of text wider than the help section.
  const panel = help.getBoundingClientRect();
  const right = panel.right + 1;
  for (const el of help.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > right) defect(`<${el.nodeName.toLowerCase()}> ${Math.round(box.right - panel.right)}px wider than the help panel`, el);
  }
  for (const t of texts) {
    const range = doc.createRange();
    range.selectNodeContents(t);
    for (const r of range.getClientRects()) {
      if (r.right > right) {
        defect(`text ${Math.round(r.right - panel.right)}px beyond the help panel`, t.parentElement);
        break;
      }
    }
  }
  const scroller = help.closest('.red-ui-panel') ?? help.parentElement;
  if (scroller.scrollWidth > scroller.clientWidth + 1) defect('the help panel scrolls sideways', help);
  return report;
}

describe('node help in the editor (Help sidebar, default width)', function () {
  this.timeout(180000);
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const reports = new Map<string, HelpReport>();

  async function audit(type: string): Promise<HelpReport> {
    await page.setViewportSize(VIEWPORT);
    const report = await page.evaluate(auditHelp, type);
    reports.set(type, report);
    await screenshot(type);
    return report;
  }

  /** The whole help in one picture: the viewport grows in height only, so the sidebar keeps its default width. */
  async function screenshot(type: string): Promise<void> {
    const hidden = `(() => {
      const scroller = document.querySelector('#red-ui-sidebar-content .red-ui-sidebar-help-stack .red-ui-help').closest('.red-ui-panel');
      return scroller.scrollHeight - scroller.clientHeight;
    })()`;
    const more = (await page.evaluate(hidden)) as number;
    if (more > 0) {
      // the help panel keeps its share of the sidebar's height (the node list above it takes the rest)
      const share = (await page.evaluate(`(() => {
        const panel = document.querySelector('#red-ui-sidebar-content .red-ui-sidebar-help-stack .red-ui-help').closest('.red-ui-panel');
        return panel.clientHeight / document.querySelector('#red-ui-sidebar-content .red-ui-sidebar-help-stack').clientHeight;
      })()`)) as number;
      await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(8000, VIEWPORT.height + Math.ceil(more / share) + 40) });
      await page.waitForFunction(`${hidden} <= 0`, undefined, { timeout: 5000 }).catch(() => undefined);
    }
    await page.locator('#red-ui-sidebar-content .red-ui-sidebar-help-stack .red-ui-panel', { has: page.locator('.red-ui-help') }).screenshot({ path: path.join(SHOTS, `help-${type.replace(/\W+/g, '-')}.png`) });
    await page.setViewportSize(VIEWPORT);
  }

  const describeDefects = (list: HelpReport[]) => list.filter((r) => r.defects.length).map((r) => `${r.type}:\n  ${r.defects.join('\n  ')}`).join('\n');

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    red = await startNodeRed([{ id: 'tab1', type: 'tab', label: 'Help', disabled: false, info: '' }], {});
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.goto(red.url);
    await page.locator('#node-dialog-login-username').fill(ADMIN.username);
    await page.locator('#node-dialog-login-password').fill(ADMIN.password);
    await page.locator('#node-dialog-login-submit').click();
    await page.waitForFunction('window.RED && RED.nodes && RED.nodes.getType("fg-stripe") && RED.sidebar && RED.sidebar.help');
    await page.locator('.red-ui-palette-node').first().waitFor();
    // the default sidebar width (a saved width from another run would change what fits)
    assert.strictEqual(Math.round((await page.locator('#red-ui-sidebar').boundingBox())!.width), 315, `the sidebar is at its default width (Node-RED ${nodeRedVersion})`);
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('finds no defect in the help of core nodes (the check proves itself)', async () => {
    const list: HelpReport[] = [];
    for (const type of CORE_TYPES) list.push(await audit(type));
    // the check did look: core help has property lists under Inputs / Outputs, and headings
    assert.ok(list.some((r) => r.inputLists > 0) && list.some((r) => r.outputLists > 0), 'core help was read (property lists found)');
    assert.ok(list.every((r) => r.headings.includes('Details')), 'core help was read (Details headings found)');
    const total = list.reduce((n, r) => n + r.defects.length, 0);
    assert.strictEqual(total, 0, `core nodes give 0 help defects, found ${total}:\n${describeDefects(list)}`);
  });

  it('finds no defect in the help of any FlowGuard node', async () => {
    assert.strictEqual(FG_TYPES.length, 16, 'all 16 node types are checked');
    const list: HelpReport[] = [];
    for (const type of FG_TYPES) list.push(await audit(type));
    const total = list.reduce((n, r) => n + r.defects.length, 0);
    fs.writeFileSync(path.join(SHOTS, '..', 'help-defects.json'), JSON.stringify(list.map((r) => ({ type: r.type, defects: r.defects })), null, 2));
    assert.strictEqual(total, 0, `${total} help defects:\n${describeDefects(list)}`);
  });

  it('documents the inputs and every output of each FlowGuard node, as core help does', async () => {
    // Stricter than core (function, change and switch describe their messages in Details): our nodes list them.
    const problems: string[] = [];
    for (const type of FG_TYPES) {
      const r = reports.get(type) ?? (await audit(type));
      const need = (ok: boolean, what: string) => { if (!ok) problems.push(`${type}: ${what}`); };
      need(r.firstParagraph.length > 20 && r.tooltip === r.firstParagraph, `a first paragraph that is the palette tooltip (tooltip: "${r.tooltip.slice(0, 60)}")`);
      need(r.headings.includes('Details'), 'a Details section');
      need(r.otherLists.length === 0, `message-property lists only under Inputs / Outputs (options are a plain dl in Details), found under ${r.otherLists.join(', ')}`);
      if (r.inputs > 0) need(r.headings.includes('Inputs') && r.inputLists > 0, 'an Inputs section with a message-property list');
      else need(!r.headings.includes('Inputs'), 'no Inputs section (the node has no input)');
      if (r.outputs > 0) need(r.headings.includes('Outputs') && r.outputLists > 0, 'an Outputs section with a message-property list');
      else need(!r.headings.includes('Outputs'), 'no Outputs section (the node has no output)');
      if (r.outputs > 1) need(r.outputPorts.length === 1 && r.outputPorts[0] === r.outputs, `an ol.node-ports with ${r.outputs} items (one per output), found ${JSON.stringify(r.outputPorts)}`);
    }
    assert.deepStrictEqual(problems, []);
  });
});
