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
  const defaults = {};
  const accept = () => () => true;
  const RED = { nodes: { registerType: (type, def) => { defaults[type] = def.defaults; } }, validators: { number: accept, regex: accept, typedInput: accept } };
  const FlowGuardEditor = { orMissing: (validator) => validator, showDefaults: () => undefined };
  const nodesDir = path.join(root, 'nodes');
  for (const type of fs.readdirSync(nodesDir)) {
    const file = path.join(nodesDir, type, `${type}.html`);
    if (!fs.existsSync(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
      new Function('RED', '$', 'FlowGuardEditor', m[1])(RED, () => ({}), FlowGuardEditor);
    }
  }
  return defaults;
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
  const defaults = editorDefaults();
  const files = shippedFlows();
  const changes = [];
  const demoFile = files[0];
  for (const a of completeSettings(demoFile.flow, defaults)) changes.push(`flows/flows.json: ${a} set to the default`);
  const demoConfigs = Object.fromEntries(demoFile.flow.filter((n) => CONFIG_REFS[n.type]).map((n) => [n.type, n]));
  for (const f of files.slice(1)) {
    const rel = path.relative(root, f.file);
    const tab = f.flow.find((n) => n.type === 'tab');
    if (path.basename(path.dirname(f.file)) === 'Scenarios' && tab && demoFile.flow.some((n) => n.id === tab.id)) {
      f.flow = scenarioFromDemo(demoFile.flow, tab.id, f.flow);
    } else {
      for (const a of completeSettings(f.flow, defaults)) changes.push(`${rel}: ${a} set to the default`);
      f.flow = shareConfigNodes(f.flow, demoConfigs);
    }
  }
  const out = files.map((f) => ({ file: f.file, text: format(f.flow) }));
  for (const f of out) if (fs.readFileSync(f.file, 'utf8') !== f.text) changes.push(`${path.relative(root, f.file)} differs from its fixed form`);
  return { out, changes };
}

function main(command) {
  if (command === 'fix') {
    const { out, changes } = fixAll();
    for (const f of out) fs.writeFileSync(f.file, f.text);
    for (const c of changes) console.log(c);
    return 0;
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
