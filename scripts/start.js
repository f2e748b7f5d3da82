#!/usr/bin/env node
// `npm start`: build, start the local Stripe / Salesforce / Snowflake sandboxes, then a Node-RED 4.1 runtime with
// this pack and the demo flows (flows/flows.json) in the user dir .node-red/. Ctrl-C stops everything.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const userDir = path.join(root, '.node-red');
const port = Number(process.env.PORT || 1880);
const children = [];

function log(text) {
  console.log(`[flowguard] ${text}`);
}

function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(code);
}
/** Starts `node <script>` and resolves with the first JSON line it prints (the sandboxes announce their URLs so). */
function startChild(name, script, args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let buffered = '';
    let announced = false;
    child.stdout.on('data', (chunk) => {
      if (announced) return void process.stdout.write(chunk);
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.trim().startsWith('{'));
      if (line) {
        announced = true;
        resolve(JSON.parse(line));
      }
    });
    child.on('exit', (code) => {
      if (!announced) reject(new Error(`${name} exited with code ${code} before it was ready`));
      else if (code) { log(`${name} stopped with code ${code}`); stopAll(1); }
    });
  });
}

function prepareUserDir(sandboxes) {
  fs.mkdirSync(path.join(userDir, 'node_modules', '@flowguard'), { recursive: true });
  // The pack is linked into the user dir, as `npm install` would put it.
  const link = path.join(userDir, 'node_modules', '@flowguard', 'node-red-integrations');
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'flowguard-demo', private: true, dependencies: { '@flowguard/node-red-integrations': '*' } }, null, 2));
  // The demo starts from the committed flows each time; credentials point at the local sandboxes.
  const demo = JSON.parse(fs.readFileSync(path.join(root, 'flows', 'flows.json'), 'utf8'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(pointAtSandboxes(demo, sandboxes, port), null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(demoCredentials(demo, sandboxes), null, 2));
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(demoSettings(sandboxes, port), null, 2)};\n`);
}

/** The demo's Node-RED settings (test/browser/flows.test.ts opens the editor with them too). */
function demoSettings(sandboxes, port) {
  return {
    uiPort: port,
    flowFile: 'flows.json',
    // Demo only: credentials in plain text so npm start can fill in the sandbox keys. Use a secret in production.
    credentialSecret: false,
    logging: { console: { level: 'info', metrics: false, audit: false } },
    // The demo opens on its flows: no welcome tour, no telemetry consent / update-notification dialog (the settings
    // Node-RED 4.1 documents in its settings.js).
    editorTheme: { tours: false },
    telemetry: { enabled: false, updateNotification: false },
    flowguard: { sandboxes },
    // The demo's traffic generator (function nodes) reads the sandbox URLs and its own URL from here; URLs only,
    // as the editor's Context sidebar shows global context.
    functionGlobalContext: { sandboxes: sandboxUrls(sandboxes), demoUrl: `http://127.0.0.1:${port}` },
  };
}

function sandboxUrls(sandboxes) {
  return Object.fromEntries(Object.entries(sandboxes).map(([name, s]) => [name, { url: s.url }]));
}

/** Points the demo's config nodes at the running sandboxes (their ports can be moved with env variables). */
function pointAtSandboxes(flow, sandboxes, port) {
  return flow.map((node) => {
    if (node.type === 'fg-stripe-config' && sandboxes.stripe) return { ...node, useCustomHost: true, host: sandboxes.stripe.host, port: String(sandboxes.stripe.port), protocol: 'http' };
    if (node.type === 'fg-salesforce-config' && sandboxes.salesforce) return { ...node, loginTarget: 'custom', loginUrl: sandboxes.salesforce.url };
    if (node.type === 'fg-snowflake-config' && sandboxes.snowflake) return { ...node, accessUrl: sandboxes.snowflake.url };
    // Webhook nodes register their endpoint with the Stripe sandbox on deploy; the URL follows the Node-RED port.
    if (node.type === 'fg-stripe-webhook' && node.register) return { ...node, publicUrl: `http://127.0.0.1:${port}${node.path}` };
    return node;
  });
}

/** Fills the credentials of every config node in the demo flow from the sandboxes that are running (sandbox/main.ts prints them). */
function demoCredentials(flow, sandboxes) {
  const creds = {};
  for (const node of flow) {
    if (node.type === 'fg-stripe-config' && sandboxes.stripe) creds[node.id] = { secretKey: sandboxes.stripe.testKey, webhookSecrets: sandboxes.stripe.webhookSecret || '' };
    if (node.type === 'fg-salesforce-config' && sandboxes.salesforce) creds[node.id] = { ...sandboxes.salesforce.credentials };
    if (node.type === 'fg-snowflake-config' && sandboxes.snowflake) creds[node.id] = { password: sandboxes.snowflake.password };
  }
  return creds;
}

async function main() {
  log('building…');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
  let sandboxes = {};
  const sandboxMain = path.join(root, 'dist', 'sandbox', 'main.js');
  if (fs.existsSync(sandboxMain)) {
    log('starting the Stripe / Salesforce / Snowflake sandboxes…');
    sandboxes = await startChild('sandboxes', sandboxMain);
    for (const [name, s] of Object.entries(sandboxes)) log(`${name} sandbox: ${s.url}`);
  }
  prepareUserDir(sandboxes);
  log('starting Node-RED…');
  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(red);
  red.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (String(chunk).includes('Started flows')) log(`ready: open http://127.0.0.1:${port}/ (Ctrl-C stops the demo)`);
  });
  red.on('exit', (code) => stopAll(code ?? 0));
}

module.exports = { demoSettings, pointAtSandboxes, demoCredentials };

if (require.main === module) {
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  main().catch((err) => {
    console.error(`[flowguard] npm start failed: ${err.message}`);
    stopAll(1);
  });
}
