/**
 * The one Node-RED test harness every node test uses.
 * - runs node-red-node-test-helper against the runtime in NODE_RED_PATH (the Node-RED 5 CI leg sets it) or the dev dependency;
 * - loads node sets by folder name (`'fg-store-config'`) together with the config nodes they need;
 * - passes credentials keyed by node id;
 * - captures the RED object so routes on RED.httpNode can be called with supertest (the helper's request() only reaches httpAdmin).
 */
import * as fs from 'fs';
import * as path from 'path';
import supertest = require('supertest');

const helper = require('node-red-node-test-helper');

const NODE_RED_PATH = process.env.NODE_RED_PATH || require.resolve('node-red');
helper.init(NODE_RED_PATH);

/** Core node files of the runtime under test (Node-RED 4 or 5), by node type. */
const CORE_NODES: Record<string, string> = {
  inject: 'common/20-inject.js',
  debug: 'common/21-debug.js',
  function: 'function/10-function.js',
  switch: 'function/10-switch.js',
  change: 'function/15-change.js',
  delay: 'function/89-delay.js',
  split: 'sequence/17-split.js',
  join: 'sequence/17-split.js',
  'http in': 'network/21-httpin.js',
  'http response': 'network/21-httpin.js',
  'http request': 'network/21-httprequest.js',
  'link in': 'common/60-link.js',
  'link out': 'common/60-link.js',
};
// catch, status and complete are preloaded by the helper whenever a flow uses them; loading them again would clash
// (tabs and groups are the runtime's own; link nodes are core nodes the helper does not preload).
const PRELOADED = new Set(['catch', 'status', 'complete', 'tab', 'group', 'comment', 'helper']);

export { helper };
export type FlowNode = Record<string, any> & { id: string; type: string };

let RED: any;

/** The messaging hooks of the runtime under test (@node-red/util's, which its flows trigger). */
function runtimeHooks(): any {
  return require(require.resolve('@node-red/util', { paths: [path.dirname(NODE_RED_PATH)] })).hooks;
}

/** Path of a compiled node module, e.g. nodeModule('fg-retry') → <dist>/nodes/fg-retry/fg-retry.js */
export function nodeModule(name: string): string {
  return path.join(__dirname, '..', 'nodes', name, name);
}

/** Path of a core node file of the runtime under test, e.g. coreModule('change'). */
export function coreModule(type: string): string {
  const file = CORE_NODES[type];
  if (!file) throw new Error(`the harness does not know the core node "${type}"; add it to CORE_NODES in test/harness.ts`);
  const nodesPackage = require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(NODE_RED_PATH)] });
  return path.join(path.dirname(nodesPackage), 'core', file);
}

/**
 * Loads node sets with a flow; resolves once every node is started. Entries are FlowGuard node sets by folder name
 * (`'fg-retry'`, config node sets too), core node types (`'change'`), loaded from the runtime under test, or a
 * module function `(RED) => void` registering a node type of the caller's own (benchmarks measure reference nodes).
 */
export async function load(nodeSets: (string | ((red: any) => void))[], flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<any> {
  const names = nodeSets.filter((set): set is string => typeof set === 'string');
  const files = [...new Set(names.map((name) => (name.startsWith('fg-') ? nodeModule(name) : coreModule(name))))];
  const inits = [...files.map((file) => {
    const mod = require(file);
    return mod.default ?? mod;
  }), ...nodeSets.filter((set) => typeof set === 'function')];
  const modules = inits.map((init) => (red: any) => {
    // The test helper's node API has no hooks object (Node-RED's own has): give the nodes the one its flows trigger.
    RED = red.hooks ? red : Object.assign(Object.create(red), { hooks: runtimeHooks() });
    return init(RED);
  });
  await helper.load(modules, flow, credentials);
  return RED;
}

/** The repo's examples/ folder (tests run from dist/test or from a .build-* folder). */
export function examplesDir(): string {
  const candidates = [path.join(__dirname, '..', '..', 'examples'), path.join(__dirname, '..', '..', '..', 'examples')];
  const dir = candidates.find((d) => fs.existsSync(d));
  if (!dir) throw new Error(`no examples folder near ${__dirname}`);
  return dir;
}

/**
 * Loads a shipped example as a user would import it: Comment nodes dropped, Debug nodes replaced by helper nodes
 * (same id, so tests receive() on them), every node passed through `configure` (point config nodes at a sandbox).
 * The node sets it needs are worked out from the node types.
 */
export async function loadExample(
  file: string,
  options: {
    configure?: (node: FlowNode) => FlowNode;
    /** credentials for a node of the example (config nodes), or undefined */
    credentials?: (node: FlowNode) => Record<string, string> | undefined;
  } = {},
): Promise<FlowNode[]> {
  const exported: FlowNode[] = JSON.parse(fs.readFileSync(path.join(examplesDir(), file), 'utf8'));
  const flow = exported
    .filter((node) => node.type !== 'comment')
    .map((node) => (node.type === 'debug' ? { id: node.id, type: 'helper', z: node.z } : node))
    .map((node) => (options.configure ? options.configure(node) : node));
  const tabs = [...new Set(flow.map((n) => n.z).filter(Boolean))].filter((z) => !flow.some((n) => n.id === z && n.type === 'tab'));
  const types = [...new Set(flow.map((n) => n.type))].filter((t) => !PRELOADED.has(t));
  const credentials: Record<string, Record<string, string>> = {};
  for (const node of flow) {
    const c = options.credentials?.(node);
    if (c) credentials[node.id] = c;
  }
  await load(types, [...tabs.map((z) => ({ id: z as string, type: 'tab', label: file })), ...flow], credentials);
  return flow;
}

/** The RED object the loaded nodes were given. */
export function red(): any {
  return RED;
}

export function getNode(id: string): any {
  return helper.getNode(id);
}

/** supertest against RED.httpNode (webhook routes). */
export function httpNode(): supertest.Agent {
  if (!RED) throw new Error('load() a flow before calling httpNode()');
  return supertest(RED.httpNode) as unknown as supertest.Agent;
}

/** supertest against RED.httpAdmin (admin routes); needs startServer(). */
export function httpAdmin(): supertest.Agent {
  return helper.request();
}

export async function startServer(): Promise<void> {
  await helper.startServer();
}

export async function stopServer(): Promise<void> {
  await helper.stopServer();
}

export async function unload(): Promise<void> {
  await helper.unload();
  RED = undefined;
}

/** Collects `count` messages arriving at a helper node; rejects after `ms` naming how many arrived. */
export function receive(nodeId: string, count = 1, ms = 5000): Promise<any[]> {
  const node = helper.getNode(nodeId);
  if (!node) throw new Error(`no node ${nodeId} in the loaded flow`);
  return new Promise((resolve, reject) => {
    const got: any[] = [];
    const timer = setTimeout(() => {
      node.removeListener('input', onInput);
      reject(new Error(`expected ${count} message(s) at ${nodeId}, got ${got.length}`));
    }, ms);
    const onInput = (msg: any) => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        node.removeListener('input', onInput);
        resolve(got);
      }
    };
    node.on('input', onInput);
  });
}

/** Resolves when `check()` is true; polls every 20 ms; rejects with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Errors the node reported with node.error(err, msg) / done(err), i.e. what a Catch node would receive. */
export function reportedErrors(nodeId: string): { text: string; msg: any }[] {
  const node = helper.getNode(nodeId);
  return node.error.getCalls().map((c: any) => ({ text: String(c.args[0]?.message ?? c.args[0]), msg: c.args[1] }));
}
