/**
 * The one Node-RED test harness every node test uses.
 * - runs node-red-node-test-helper against the runtime in NODE_RED_PATH (the Node-RED 5 CI leg sets it) or the dev dependency;
 * - loads node sets by folder name (`'fg-store-config'`) together with the config nodes they need;
 * - passes credentials keyed by node id;
 * - captures the RED object so routes on RED.httpNode can be called with supertest (the helper's request() only reaches httpAdmin).
 */
import * as path from 'path';
import supertest = require('supertest');

const helper = require('node-red-node-test-helper');

helper.init(process.env.NODE_RED_PATH || require.resolve('node-red'));

export { helper };
export type FlowNode = Record<string, any> & { id: string; type: string };

let RED: any;

/** Path of a compiled node module, e.g. nodeModule('fg-retry') → <dist>/nodes/fg-retry/fg-retry.js */
export function nodeModule(name: string): string {
  return path.join(__dirname, '..', 'nodes', name, name);
}

/** Loads the named node sets (config node sets too) with a flow; resolves once every node is started. */
export async function load(nodeSets: string[], flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<any> {
  const modules = nodeSets.map((name) => {
    const mod = require(nodeModule(name));
    const init = mod.default ?? mod;
    return (red: any) => {
      RED = red;
      return init(red);
    };
  });
  await helper.load(modules, flow, credentials);
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
