#!/usr/bin/env node
// The shipped flows (flows/flows.json, the demo, and examples/**): keeps them complete, consistent and readable.
//
//   node scripts/flows.js fix     fills every FlowGuard node's missing settings with the editor's defaults, gives the
//                                 examples the demo's config nodes (same ids and names, so importing an example into
//                                 the running demo reuses its configured nodes), rewrites examples/Scenarios from the
//                                 demo's scenario tabs, and writes the files in one format
//   node scripts/flows.js check   lists what the fix would change and the layout problems; exits 1 if there are any
//
// test/unit/flows.test.ts runs the check; test/browser/flows.test.ts looks at the same flows in the editor.
'use strict';
const fs = require('fs');
const path = require('path');

const { layoutTab } = require('./flow-layout');

const root = path.join(__dirname, '..');
const DEMO = path.join(root, 'flows', 'flows.json');
const EXAMPLES = path.join(root, 'examples');
/** The properties through which nodes use a config node, by the config node's type. */
const CONFIG_REFS = { 'fg-store-config': 'store', 'fg-stripe-config': 'stripe', 'fg-salesforce-config': 'salesforce', 'fg-snowflake-config': 'snowflake' };

function read(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function format(flow) {
  return `${JSON.stringify(flow, null, 2)}\n`;
}

/** flows/flows.json and every example, as { file, flow }. */
function shippedFlows() {
  const examples = fs.readdirSync(EXAMPLES).sort().flatMap((dir) =>
    fs.readdirSync(path.join(EXAMPLES, dir)).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(EXAMPLES, dir, f)));
  return [DEMO, ...examples].map((file) => ({ file, flow: read(file) }));
}

/**
 * The `defaults` of every FlowGuard node type, read from the editor files (nodes/<type>/<type>.html) by running their
 * registerType with a stand-in for the editor's RED.
 */
function editorDefaults() {
  return editorTypes().defaults;
}

/** The `defaults` and `label` functions of every FlowGuard node type, from the editor files. */
function editorTypes() {
  const defaults = {};
  const labels = {};
  const accept = () => () => true;
  const RED = { nodes: { registerType: (type, def) => { defaults[type] = def.defaults; labels[type] = def.label; } }, validators: { number: accept, regex: accept, typedInput: accept } };
  const FlowGuardEditor = { orMissing: (validator) => validator, showDefaults: () => undefined };
  const nodesDir = path.join(root, 'nodes');
  for (const type of fs.readdirSync(nodesDir)) {
    const file = path.join(nodesDir, type, `${type}.html`);
    if (!fs.existsSync(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
      new Function('RED', '$', 'FlowGuardEditor', m[1])(RED, () => ({}), FlowGuardEditor);
    }
  }
  return { defaults, labels };
}

/**
 * The sections of the demo's scenario tabs, in reading order: each becomes a named group, laid out left to right;
 * wires between sections become link nodes. Nodes not listed form a section per connected part (the demo's traffic
 * generators, the small examples).
 */
const SECTIONS = {
  'sc1-tab': [
    { name: '1 · Stripe events, each once', ids: ['sc1-webhook', 'sc1-gate', 'sc1-duplicate'] },
    { name: '2 · The payment as Stripe has it now', ids: ['sc1-pi-id', 'sc1-get-pi', 'sc1-charge-id', 'sc1-get-charge', 'sc1-merge', 'sc1-disputed', 'sc1-get-dispute', 'sc1-dispute'] },
    { name: '3 · Upsert the Opportunity in Salesforce', ids: ['sc1-map', 'sc1-account-binds', 'sc1-account', 'sc1-link', 'sc1-upsert', 'sc1-complete', 'sc1-written'] },
    { name: '4 · Retry, then park in the dead-letter queue (a replay goes back to the gate)', ids: ['sc1-retry', 'sc1-release', 'sc1-park', 'sc1-dlq', 'sc1-replay-key', 'sc1-notify', 'sc1-alert'] },
    { name: '5 · Compensation when the payment was captured (env COMPENSATION)', ids: ['sc1-captured', 'sc1-mode', 'sc1-refund-params', 'sc1-refund', 'sc1-refunded', 'sc1-flag-params', 'sc1-record', 'sc1-compensated', 'sc1-compensation-failed'] },
  ],
  'sc2-tab': [
    { name: 'POST /orders/:id/pay: one charge per order', ids: ['sc2-in', 'sc2-params', 'sc2-gate', 'sc2-pay', 'sc2-result', 'sc2-complete', 'sc2-201', 'sc2-dup', 'sc2-release', 'sc2-failed', 'sc2-conflict', 'sc2-out'] },
    { name: 'Store unavailable: 500, nothing charged', ids: ['sc2-catch', 'sc2-500'] },
    { name: 'POST /orders/:id/checkout: a Stripe Checkout page per order', ids: ['sc2-co-in', 'sc2-co-params', 'sc2-co-create', 'sc2-co-url', 'sc2-co-failed', 'sc2-co-out'] },
    { name: 'Checkout webhooks: the order marked paid once', ids: ['sc2-co-webhook', 'sc2-co-outcome', 'sc2-co-gate', 'sc2-co-record', 'sc2-co-done', 'sc2-co-updated', 'sc2-co-duplicate'] },
    { name: 'Store unavailable: the Checkout event parked, replayed through the gate', ids: ['sc2-co-catch', 'sc2-co-park', 'sc2-co-dlq', 'sc2-co-alert'] },
    { name: 'GET /orders/:id: the order', ids: ['sc2-co-get', 'sc2-co-lookup', 'sc2-co-get-out'] },
  ],
  'sc3-tab': [
    { name: '1 · Salesforce Contact changes, each once', ids: ['sc3-events', 'sc3-sf-gate', 'sc3-sf-seen', 'sc3-sf-keep', 'sc3-to-stripe', 'sc3-linked'] },
    { name: '2 · Contact → Stripe customer (update, or create and link)', ids: ['sc3-customer-id', 'sc3-get-customer', 'sc3-sf-state', 'sc3-decide-sf', 'sc3-update-customer', 'sc3-synced', 'sc3-new-params', 'sc3-create-customer', 'sc3-link', 'sc3-update-contact-link'] },
    { name: '3 · Stripe customer changes, each once, echoes dropped', ids: ['sc3-webhook', 'sc3-st-gate', 'sc3-st-seen', 'sc3-st-keep', 'sc3-st-customer', 'sc3-echo', 'sc3-get-contact', 'sc3-map-back'] },
    { name: '4 · Stripe customer → Contact, last write wins, conflicts parked', ids: ['sc3-to-salesforce', 'sc3-st-state', 'sc3-decide-st', 'sc3-update-contact', 'sc3-mark', 'sc3-conflict-json', 'sc3-conflict-record', 'sc3-conflicts', 'sc3-conflict-alert'] },
    { name: '5 · Sync errors: parked, replayed in their direction', ids: ['sc3-error', 'sc3-replay', 'sc3-replay-sf'] },
  ],
  'sc4-tab': [
    { name: '1 · Start: every night, a button, or POST /etl/run', ids: ['sc4-cron', 'sc4-now', 'sc4-http-run', 'sc4-window'] },
    { name: '2 · Tables and the watermark', ids: ['sc4-ddl-charges', 'sc4-ddl-opps', 'sc4-ddl-report', 'sc4-watermark', 'sc4-since'] },
    { name: '3 · Stripe charges → FACT_CHARGE', ids: ['sc4-charges', 'sc4-any-charges', 'sc4-split', 'sc4-map', 'sc4-join', 'sc4-rows', 'sc4-upsert-charges', 'sc4-skip-invalid', 'sc4-invalid'] },
    { name: '4 · Won Opportunities → SALES_OPPORTUNITY', ids: ['sc4-opps', 'sc4-opp-rows', 'sc4-any-opps', 'sc4-upsert-opps'] },
    { name: '5 · Reconcile the day: Stripe vs FACT_CHARGE (also on its own: button or POST /etl/reconcile)', ids: ['sc4-rec-now', 'sc4-http-rec', 'sc4-rec-window', 'sc4-rec-params', 'sc4-rec-charges', 'sc4-rec-keep', 'sc4-rec-rows', 'sc4-rec-sets', 'sc4-reconcile'] },
    { name: '6 · Daily report → DAILY_SALES_REPORT', ids: ['sc4-won-binds', 'sc4-won', 'sc4-report', 'sc4-upsert-report', 'sc4-check', 'sc4-answer', 'sc4-mismatch'] },
    { name: '7 · Answer the HTTP call, alert on failures', ids: ['sc4-respond', 'sc4-http-out', 'sc4-failed', 'sc4-alert'] },
    { name: '8 · Order events at warehouse size → FACT_ORDER_EVENT (a stage above 100,000 rows; POST /etl/events)', ids: ['sc4-ev-cron', 'sc4-ev-now', 'sc4-ev-http', 'sc4-ev-window', 'sc4-ev-ddl-raw', 'sc4-ev-ddl-fact', 'sc4-ev-binds', 'sc4-ev-read', 'sc4-ev-load', 'sc4-ev-answer'] },
  ],
  'sc5-tab': [
    { name: '1 · POST /customers: 202 at once, each customer once', ids: ['sc5-in', 'sc5-accepted', 'sc5-out', 'sc5-params', 'sc5-gate', 'sc5-dup'] },
    { name: '2 · Create the Stripe customer; retry, then park', ids: ['sc5-keep', 'sc5-create', 'sc5-done', 'sc5-created', 'sc5-retry', 'sc5-release', 'sc5-park'] },
    { name: '3 · Dead-letter queue and its alerts', ids: ['sc5-dlq', 'sc5-notify', 'sc5-alert', 'sc5-post'] },
    { name: '4 · Every 5 minutes: anything parked? probe Stripe, then replay all', ids: ['sc5-timer', 'sc5-stats', 'sc5-waiting', 'sc5-probe-params', 'sc5-probe', 'sc5-replay-all', 'sc5-still-down', 'sc5-replay-now'] },
  ],
};

/** What the editor shows on a node (its label function, else core's usual label), for sizes and link names. */
function labeller(labels) {
  return (node) => {
    if (labels[node.type]) {
      try {
        const text = labels[node.type].call(node);
        if (text) return String(text);
      } catch {
        // fall through to the name
      }
    }
    if (node.name) return node.name;
    if (node.type === 'http in') return `[${node.method}] ${node.url}`;
    if (node.type === 'http response') return node.statusCode ? `http (${node.statusCode})` : 'http';
    if (node.type === 'debug') return node.complete === 'true' ? 'msg' : `msg.${node.complete || 'payload'}`;
    if (node.type === 'catch') return 'catch: all';
    return node.type;
  };
}

/** Lays out every tab of a flow; an example without a tab node is laid out as the tab its nodes name. */
function layoutFlow(flow, labelOf) {
  const tabs = [...new Set(flow.filter((n) => n.z && !CONFIG_REFS[n.type]).map((n) => n.z))];
  let out = flow;
  for (const tab of tabs) {
    const nodes = out.filter((n) => n.z === tab && !CONFIG_REFS[n.type]);
    // An example's sections are the groups it was written with (their names say what each part does).
    const sections = SECTIONS[tab] ?? nodes.filter((n) => n.type === 'group' && n.name).map((g) => ({ name: g.name, ids: g.nodes.filter((id) => !id.startsWith('lk-')) }));
    const laid = layoutTab(tab, nodes, sections, labelOf);
    const first = out.findIndex((n) => n.z === tab && !CONFIG_REFS[n.type]);
    out = [...out.slice(0, first).filter((n) => n.z !== tab || CONFIG_REFS[n.type]), ...laid, ...out.slice(first).filter((n) => n.z !== tab || CONFIG_REFS[n.type])];
  }
  return out;
}

/** Adds the editor's default for each setting a FlowGuard node lacks; returns what it added. */
function completeSettings(flow, defaults) {
  const added = [];
  for (const node of flow) {
    const def = defaults[node.type];
    if (!def) continue;
    for (const [name, d] of Object.entries(def)) {
      if (name in node || d.value === undefined || d.type) continue;
      node[name] = JSON.parse(JSON.stringify(d.value));
      added.push(`${node.id}.${name}`);
    }
  }
  return added;
}

/** Replaces an example's config nodes with the demo's of the same type (id, name, settings) and points its nodes at them. */
function shareConfigNodes(flow, demoConfigs) {
  const renamed = {};
  const out = [];
  for (const node of flow) {
    const shared = demoConfigs[node.type];
    if (!shared) {
      out.push(node);
      continue;
    }
    if (node.id !== shared.id) renamed[node.id] = shared.id;
    if (!out.some((n) => n.id === shared.id)) out.push(JSON.parse(JSON.stringify(shared)));
  }
  for (const node of out) {
    for (const prop of Object.values(CONFIG_REFS)) if (renamed[node[prop]]) node[prop] = renamed[node[prop]];
  }
  // A node naming one of the demo's config nodes that the example does not hold gets it: an example imported on its
  // own would otherwise start with "no Stripe config selected".
  for (const [type, prop] of Object.entries(CONFIG_REFS)) {
    const shared = demoConfigs[type];
    if (shared && out.some((n) => n[prop] === shared.id) && !out.some((n) => n.id === shared.id)) out.push(JSON.parse(JSON.stringify(shared)));
  }
  return out;
}

/**
 * An example of examples/Scenarios: the demo's tab (its groups and nodes, in the demo's order) and the demo's config
 * nodes it uses. Settings the example keeps for itself (`keep`) are carried over.
 */
function scenarioFromDemo(demo, tabId, previous) {
  const keep = { 'fg-salesforce-events': ['interval'] }; // the demo polls Contacts faster, for its traffic
  const own = new Map(previous.map((n) => [n.id, n]));
  const nodes = demo.filter((n) => n.id === tabId || n.z === tabId).map((n) => {
    const copy = JSON.parse(JSON.stringify(n));
    for (const prop of keep[n.type] ?? []) if (own.get(n.id) && prop in own.get(n.id)) copy[prop] = own.get(n.id)[prop];
    return copy;
  });
  const used = new Set(nodes.flatMap((n) => Object.values(CONFIG_REFS).map((p) => n[p]).filter(Boolean)));
  return [...nodes, ...demo.filter((n) => CONFIG_REFS[n.type] && used.has(n.id))];
}

/** Everything `fix` does, on copies; returns the new file contents and the list of changes. */
function fixAll() {
  const { defaults, labels } = editorTypes();
  const labelOf = labeller(labels);
  const files = shippedFlows();
  const changes = [];
  const demoFile = files[0];
  for (const a of completeSettings(demoFile.flow, defaults)) changes.push(`flows/flows.json: ${a} set to the default`);
  demoFile.flow = layoutFlow(demoFile.flow, labelOf);
  const demoConfigs = Object.fromEntries(demoFile.flow.filter((n) => CONFIG_REFS[n.type]).map((n) => [n.type, n]));
  for (const f of files.slice(1)) {
    const rel = path.relative(root, f.file);
    const tab = f.flow.find((n) => n.type === 'tab');
    if (path.basename(path.dirname(f.file)) === 'Scenarios' && tab && demoFile.flow.some((n) => n.id === tab.id)) {
      f.flow = scenarioFromDemo(demoFile.flow, tab.id, f.flow);
    } else {
      for (const a of completeSettings(f.flow, defaults)) changes.push(`${rel}: ${a} set to the default`);
      f.flow = layoutFlow(shareConfigNodes(f.flow, demoConfigs), labelOf);
    }
  }
  const out = files.map((f) => ({ file: f.file, text: format(f.flow) }));
  for (const f of out) if (fs.readFileSync(f.file, 'utf8') !== f.text) changes.push(`${path.relative(root, f.file)} differs from its fixed form`);
  return { out, changes };
}

function main(command) {
  if (command === 'fix') {
    // A layout made from a laid-out file can place a node differently from one made from the original (link nodes
    // come later in the file): fix until the files are a fixed point, which is what `check` holds them to.
    for (let round = 0; round < 4; round++) {
      const { out, changes } = fixAll();
      if (!changes.length) return 0;
      for (const f of out) fs.writeFileSync(f.file, f.text);
      if (round === 0) for (const c of changes) console.log(c);
    }
    console.error('the layout did not settle');
    return 1;
  }
  if (command === 'check') {
    const { changes } = fixAll();
    for (const c of changes) console.log(c);
    return changes.length ? 1 : 0;
  }
  console.error('usage: node scripts/flows.js fix | check');
  return 2;
}

module.exports = { shippedFlows, editorDefaults, completeSettings, fixAll, CONFIG_REFS };

if (require.main === module) process.exit(main(process.argv[2]));
