// Real Node-RED processes for the reliability suite: a temporary user dir holding the compiled FlowGuard nodes of
// this build (with their editor files), a flow, plain-text credentials, and a runtime started as a child process.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../support/net';

const RED_JS = require.resolve('node-red/red.js');
// Compiled node modules sit beside this build's test folder; editor files come from the source tree.
const BUILT_NODES = path.join(__dirname, '..', '..', 'nodes');
const SOURCE_NODES = [path.join(__dirname, '..', '..', '..', 'nodes'), path.join(__dirname, '..', '..', 'nodes')].find((d) => fs.existsSync(path.join(d, 'fg-store-config', 'fg-store-config.html')))!;

export { freePort };

export interface NodeRedProcess {
  url: string;
  userDir: string;
  pid: number;
  /** everything the process wrote to stdout and stderr */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A user dir with the given FlowGuard node types, the flow (plus a GET /ready probe) and credentials. */
export function prepareUserDir(types: string[], flow: any[], credentials: Record<string, Record<string, string>> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-rel-'));
  const nodesDir = path.join(dir, 'fg-nodes');
  fs.mkdirSync(nodesDir);
  for (const type of types) {
    fs.writeFileSync(path.join(nodesDir, `${type}.js`), `module.exports = require(${JSON.stringify(path.join(BUILT_NODES, type, type))});\n`);
    fs.copyFileSync(path.join(SOURCE_NODES, type, `${type}.html`), path.join(nodesDir, `${type}.html`));
  }
  const tab = flow.find((n) => n.type === 'tab')?.id ?? 'tab';
  const probe = [
    { id: 'ready-in', type: 'http in', z: tab, url: '/ready', method: 'get', wires: [['ready-out']] },
    { id: 'ready-out', type: 'http response', z: tab, statusCode: '200', wires: [] },
  ];
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify([...(flow.some((n) => n.type === 'tab') ? [] : [{ id: tab, type: 'tab', label: 'reliability' }]), ...flow, ...probe]));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(credentials));
  return dir;
}

export type AdminTokens = Record<string, { user: string; permissions: string }>;

/**
 * Starts Node-RED on the user dir; resolves once the flow answers GET /ready. With `adminTokens` the admin API sits
 * behind Node-RED's own auth, accepting those bearer tokens; `extraSettings` go into settings.js as they are.
 */
export async function startNodeRed(userDir: string, port?: number, logLevel = 'info', adminTokens?: AdminTokens,
  extraSettings: Record<string, unknown> = {}): Promise<NodeRedProcess> {
  port ??= await freePort();
  const settings = path.join(userDir, 'settings.js');
  const plain = JSON.stringify({
    uiPort: port, uiHost: '127.0.0.1', flowFile: 'flows.json', nodesDir: [path.join(userDir, 'fg-nodes')], disableEditor: true,
    credentialSecret: false, logging: { console: { level: logLevel } }, externalModules: { autoInstall: false }, ...extraSettings,
  });
  const adminAuth = adminTokens ? `{ type: 'credentials', users: [], tokens: (t) => Promise.resolve(${JSON.stringify(adminTokens)}[t] || null) }` : 'undefined';
  fs.writeFileSync(settings, `module.exports = Object.assign(${plain}, { adminAuth: ${adminAuth} });\n`);
  const child: ChildProcess = spawn(process.execPath, [RED_JS, '-u', userDir, '-s', settings], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const proc: NodeRedProcess = {
    url,
    userDir,
    pid: child.pid!,
    output: () => output,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node-red exited: ${output}`);
    if (await fetch(`${url}/ready`).then((r) => r.ok, () => false)) return proc;
    if (Date.now() > end) {
      await proc.kill('SIGKILL');
      throw new Error(`node-red did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
