/**
 * A real Node-RED process for end-to-end tests: its own user dir with the pack installed as a package, flows
 * deployed through the admin API exactly as the editor does, and the process stopped in `close()`.
 *
 * The pack in <userDir>/node_modules/@flowguard/node-red-integrations is generated from the repo: its package.json
 * declares every node set of nodes/ found compiled in the build folder (FG_E2E_DIST, default <repo>/dist), each
 * entry a one-line module re-exporting the compiled node, next to the node's html and icons from the source
 * tree (what the build copies). So a build in another folder can be tested without touching dist/.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const PACK = '@flowguard/node-red-integrations';

/** The repository root: the folder with the pack's package.json above this file (source or build folder). */
export const ROOT = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === PACK) return dir;
  }
  throw new Error('cannot find the pack root above ' + __dirname);
})();

export type FlowNode = Record<string, any> & { id: string; type: string };

export interface NodeRedProcess {
  url: string;
  userDir: string;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  /** JSON request against the admin API (or any route when `path` is a node route). */
  request(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Replaces all flows (deployment type full); credentials travel on each node's `credentials` property. */
  deploy(flow: FlowNode[]): Promise<void>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function linkIfExists(source: string, target: string): void {
  if (fs.existsSync(source)) fs.symlinkSync(source, target, fs.statSync(source).isDirectory() ? 'dir' : 'file');
}

/** Writes the generated pack (see the file comment) and answers the node sets it declares. */
export function installPack(userDir: string, distDir: string): string[] {
  const packDir = path.join(userDir, 'node_modules', ...PACK.split('/'));
  fs.mkdirSync(packDir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const nodes: Record<string, string> = {};
  for (const type of fs.readdirSync(path.join(ROOT, 'nodes')).sort()) {
    const compiled = path.join(distDir, 'nodes', type, `${type}.js`);
    if (!type.startsWith('fg-') || !fs.existsSync(compiled)) continue;
    const dir = path.join(packDir, 'nodes', type);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${type}.js`), `module.exports = require(${JSON.stringify(compiled)});\n`);
    const source = path.join(ROOT, 'nodes', type);
    linkIfExists(path.join(source, `${type}.html`), path.join(dir, `${type}.html`));
    linkIfExists(path.join(source, 'icons'), path.join(dir, 'icons'));
    nodes[type] = `nodes/${type}/${type}.js`;
  }
  const plugins: Record<string, string> = {};
  for (const [name, file] of Object.entries<string>(manifest['node-red']?.plugins ?? {})) {
    const compiled = path.join(distDir, path.relative('dist', file));
    if (!fs.existsSync(compiled)) continue;
    const target = path.join(packDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `module.exports = require(${JSON.stringify(compiled)});\n`);
    // The editor part: copied beside the compiled plugin by the build, or still in the source tree.
    const html = [compiled, path.join(ROOT, path.relative('dist', file))].map((f) => f.replace(/\.js$/, '.html')).find((f) => fs.existsSync(f));
    if (html) linkIfExists(html, target.replace(/\.js$/, '.html'));
    plugins[name] = file;
  }
  linkIfExists(path.join(ROOT, 'examples'), path.join(packDir, 'examples'));
  // the editor's shared dialog code (resources/fg-editor.js) and the ops view's files, served under resources/<package>/
  linkIfExists(path.join(ROOT, 'resources'), path.join(packDir, 'resources'));
  const pack = { name: PACK, version: manifest.version, 'node-red': { version: manifest['node-red']?.version, nodes, plugins } };
  fs.writeFileSync(path.join(packDir, 'package.json'), JSON.stringify(pack, null, 2));
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'flowguard-e2e', private: true, dependencies: { [PACK]: '*' } }));
  return Object.keys(nodes);
}

function countStarts(text: string): number {
  return text.split('[info] Started flows').length - 1;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms: number, output: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; Node-RED said:\n${output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Node-RED (NODE_RED_PATH or the dev dependency) with the pack in a fresh user dir; `settings` may depend on its URL. */
export async function startNodeRed(settings: Record<string, unknown> | ((url: string) => Record<string, unknown>) = {}): Promise<NodeRedProcess> {
  const distDir = path.resolve(process.env.FG_E2E_DIST || path.join(ROOT, 'dist'));
  if (!fs.existsSync(path.join(distDir, 'nodes'))) throw new Error(`no compiled nodes in ${distDir}: run npm run build first (or set FG_E2E_DIST)`);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-e2e-'));
  installPack(userDir, distDir);
  const port = await freePort();
  const settingsFile = path.join(userDir, 'settings.js');
  const all = {
    uiPort: port,
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
    // info: deploy() waits for the "Started flows" line (POST /flows answers before the flows have started).
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { tours: false },
    ...(typeof settings === 'function' ? settings(`http://127.0.0.1:${port}`) : settings),
  };
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(all, null, 2)};\n`);
  // NODE_RED_PATH names the package's main module (<node-red>/lib/red.js), as for the test helper; the CLI is <node-red>/red.js.
  const redJs = process.env.NODE_RED_PATH ? path.join(path.dirname(process.env.NODE_RED_PATH), '..', 'red.js') : require.resolve('node-red/red.js');
  const child: ChildProcess = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', settingsFile], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => { output += c; });
  child.stderr!.on('data', (c) => { output += c; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const request = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + route, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    return { status: res.status, body: parsed };
  };

  const proc: NodeRedProcess = {
    url,
    userDir,
    output: () => output,
    request,
    async deploy(flow) {
      const started = countStarts(output);
      const res = await request('POST', '/flows', flow, { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' });
      if (res.status !== 204 && res.status !== 200) throw new Error(`deploy failed: ${res.status} ${JSON.stringify(res.body)}\n${output.slice(-2000)}`);
      await waitFor(async () => countStarts(output) > started, 'the deployed flows to start', 30000, () => output);
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await request('GET', '/flows')).status === 200, 'the Node-RED admin API', 30000, proc.output);
    const loaded = await request('GET', '/nodes');
    const module = (loaded.body as any[]).filter((set) => set.module === PACK);
    const failed = module.filter((set) => set.err);
    if (module.length === 0 || failed.length > 0) {
      throw new Error(`the pack did not load: ${failed.map((set) => `${set.name}: ${set.err}`).join('; ') || 'no node sets'}`);
    }
  } catch (err) {
    await proc.close();
    throw err;
  }
  return proc;
}

/** Reads an example flow the way the editor's Import ▸ Examples does: from the runtime's example library. */
export async function fetchExample(red: NodeRedProcess, examplePath: string): Promise<FlowNode[]> {
  const route = `/library/examples/flows/${PACK}/${examplePath.split('/').map(encodeURIComponent).join('/')}`;
  const res = await red.request('GET', route);
  if (res.status !== 200 || !Array.isArray(res.body)) throw new Error(`example ${examplePath} not served: ${res.status}`);
  return res.body;
}

/** Polls `check` until it answers something truthy (errors count as "not yet"); rejects naming `what` after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
