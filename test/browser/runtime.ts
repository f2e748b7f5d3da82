/**
 * A real Node-RED process for the browser tests: a fresh user dir with the pack installed into node_modules (as npm
 * would), a flow, plain-text credentials, adminAuth with one user, and the Prometheus endpoint switched on.
 *
 * The pack is the compiled tree these tests run from: `dist/` (npm run test:browser builds it first) is linked as
 * is; any other output dir (a helper's private build) gets a package.json of its own pointing at it, so the real
 * runtime never needs a rebuild of dist/ that other work relies on.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.join(__dirname, '..', '..', '..');
const buildRoot = path.join(__dirname, '..', '..');
/** The Node-RED package to run: the dev dependency, or the one NODE_RED_PATH points into (the Node-RED 5 leg). */
function nodeRedDir(): string {
  const configured = process.env.NODE_RED_PATH;
  if (!configured) return path.dirname(require.resolve('node-red/package.json'));
  let dir = path.dirname(configured);
  const isNodeRed = (d: string) => fs.existsSync(path.join(d, 'package.json')) && JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).name === 'node-red';
  while (!isNodeRed(dir) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return dir;
}
const nodeRedPath = nodeRedDir();
/** "4.1.15", "5.0.7": screenshots are named by it so both legs can keep theirs. */
export const nodeRedVersion: string = JSON.parse(fs.readFileSync(path.join(nodeRedPath, 'package.json'), 'utf8')).version;

export const ADMIN = { username: 'ops', password: 'ops-browser-test-pass', permissions: '*' };
/** may read (flowguard.read through "read") but not replay or edit */
export const VIEWER = { username: 'viewer', password: 'viewer-browser-test-pass', permissions: 'read' };

function copyNonTs(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) copyNonTs(src, dest);
    else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dest);
    }
  }
}

/** Installs the pack into `<userDir>/node_modules/@flowguard/node-red-integrations`. */
function installPack(userDir: string): void {
  const target = path.join(userDir, 'node_modules', '@flowguard', 'node-red-integrations');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (path.basename(buildRoot) === 'dist') {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    if (!pkg['node-red']?.plugins?.['flowguard-ops']) throw new Error('package.json lacks "node-red".plugins["flowguard-ops"]: the runtime would not load the dashboard');
    return void fs.symlinkSync(repo, target, 'dir');
  }
  // A private build: editor files beside the compiled js (what scripts/build.js does for dist/), and a package.json
  // with every node set that was compiled plus the plugin.
  for (const dir of ['nodes', 'plugins']) copyNonTs(path.join(repo, dir), path.join(buildRoot, dir));
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const nodes: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(buildRoot, 'nodes'))) {
    if (fs.existsSync(path.join(buildRoot, 'nodes', name, `${name}.js`))) nodes[name] = `build/nodes/${name}/${name}.js`;
  }
  pkg['node-red'] = { ...pkg['node-red'], nodes, plugins: { 'flowguard-ops': 'build/plugins/flowguard-ops/flowguard-ops.js' } };
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.symlinkSync(buildRoot, path.join(target, 'build'), 'dir');
  fs.symlinkSync(path.join(repo, 'resources'), path.join(target, 'resources'), 'dir'); // the ops view's browser files
}

export interface RunningNodeRed {
  url: string;
  userDir: string;
  /** everything the process printed so far */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Node-RED on `flow`. `overrides` replace top-level settings (the demo's, from scripts/start.js: its port,
 * editorTheme, telemetry, global context).
 */
export async function startNodeRed(flow: object[], credentials: Record<string, object>, overrides: Record<string, unknown> = {}): Promise<RunningNodeRed> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-ops-browser-'));
  installPack(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'fg-ops-browser', private: true, dependencies: { '@flowguard/node-red-integrations': '*' } }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedPath] }));
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: 0,
    flowFile: 'flows.json',
    credentialSecret: false,
    adminAuth: { type: 'credentials', users: [
      ...[ADMIN, VIEWER].map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 8), permissions: u.permissions })),
    ] },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    telemetry: { enabled: false },
    flowguard: { prometheus: { path: '/metrics' } },
    ...overrides,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

  const child: ChildProcess = spawn(process.execPath, [path.join(nodeRedPath, 'red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => { output += c; });
  child.stderr!.on('data', (c) => { output += c; });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Node-RED did not start:\n${output}`)), 30000);
    const check = () => {
      const port = /Server now running at http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (port && output.includes('Started flows')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(`http://127.0.0.1:${port[1]}/`);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Node-RED exited with ${code}:\n${output}`)); });
  });
  return {
    url,
    userDir,
    output: () => output,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Chromium at 1400×900 on a running Node-RED's editor, signed in as ADMIN, once `ready` (run in the page) holds, with
 * Node-RED's rotating tips off. Page errors are pushed into `errors`.
 */
export async function openEditor(red: RunningNodeRed, ready: () => unknown, errors: string[]): Promise<{ browser: import('playwright-core').Browser; page: import('playwright-core').Page }> {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}`);
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(red.url);
  await page.locator('#node-dialog-login-username').fill(ADMIN.username);
  await page.locator('#node-dialog-login-password').fill(ADMIN.password);
  await page.locator('#node-dialog-login-submit').click();
  await page.locator('#red-ui-workspace-chart').waitFor();
  await page.waitForFunction(ready);
  await page.evaluate(() => (globalThis as any).RED.actions.invoke('core:toggle-show-tips', false));
  return { browser, page };
}
