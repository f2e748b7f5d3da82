#!/usr/bin/env node
// Checks Node-RED user dirs into which FlowGuard packages were installed as a palette user installs them
// (.ci/user-install.sh): `node scripts/user-install-check.js <baselineDir> <userDir>... [--sqlite=works|no-driver|auto]`.
// Runs on the Node and Node-RED it is started with (NODE_RED_PATH, see node-red-boot.js):
//   1. an empty flow: every node type the installed packages declare is registered; no service SDK, store driver,
//      JSONata or ajv is loaded from the user dir; RSS grows by at most 15 MiB and the log has no warning that
//      Node-RED without the packages does not print (the baseline dir: Node-RED alone, booted once for all user dirs);
//   2. with --sqlite=works|no-driver|auto: an idempotency gate on the SQLite store, fed the same key twice. "works": the
//      first message leaves on "new", the second on "duplicate". "no-driver": the message reaches Catch with the one
//      clear NO_SQLITE_DRIVER error naming the choices, and the process keeps running. "auto": "works" where this Node
//      has node:sqlite without a flag or the user dir has a built better-sqlite3 (npm fetched a prebuilt binary),
//      "no-driver" otherwise.
// Exit code 1 with the reason on the first failed check. (Node ids are prefixed: Node-RED reads a property whose value
// equals a node id as a reference, so a catch node with the id "catch" would depend on itself.)
'use strict';
const fs = require('fs');
const path = require('path');
const { boot, prepareUserDir, loadedPackages, LAZY } = require('./node-red-boot');

const [baselineDir, ...userDirs] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
const sqliteMode = (process.argv.find((a) => a.startsWith('--sqlite=')) ?? '').slice('--sqlite='.length);
const labelOf = (userDir) => `[${path.basename(userDir)}, Node ${process.version}]`;

function fail(label, reason, output) {
  console.error(`${label} FAIL: ${reason}`);
  if (output) console.error(output.split('\n').slice(-40).join('\n'));
  process.exit(1);
}

/** Node types declared by the FlowGuard packages installed in the user dir (from each node set's editor file). */
function declaredTypes(userDir) {
  const scope = path.join(userDir, 'node_modules', '@flowguard');
  const types = [];
  for (const name of fs.existsSync(scope) ? fs.readdirSync(scope) : []) {
    const dir = path.join(scope, name);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const file of Object.values(pkg['node-red']?.nodes ?? {})) {
      const html = fs.readFileSync(path.join(dir, file.replace(/\.js$/, '.html')), 'utf8');
      types.push(...[...html.matchAll(/RED\.nodes\.registerType\(\s*'([^']+)'/g)].map((m) => m[1]));
    }
  }
  return types;
}

const GATE_FLOW = [
  { id: 'chk-tab', type: 'tab', label: 'SQLite gate check' },
  { id: 'chk-store', type: 'fg-store-config', name: 'sqlite check', backend: 'sqlite', sqlitePath: 'flowguard-check.sqlite' },
  ...[0.5, 1.5].map((delay, i) => ({
    id: `chk-inject${i}`, type: 'inject', z: 'chk-tab', props: [{ p: 'payload' }, { p: 'idempotencyKey', v: 'order-1', vt: 'str' }],
    payload: '{"amount":100}', payloadType: 'json', once: true, onceDelay: delay, repeat: '', topic: '', wires: [['chk-gate']],
  })),
  { id: 'chk-gate', type: 'fg-idempotency-gate', z: 'chk-tab', store: 'chk-store', keyType: 'msg', key: 'idempotencyKey', fingerprintProps: 'payload', leaseSeconds: 60, resultTtlHours: 24, wires: [['chk-new'], ['chk-duplicate'], ['chk-conflict']] },
  ...['new', 'duplicate', 'conflict'].map((out) => ({ id: `chk-${out}`, type: 'debug', z: 'chk-tab', name: `gate-${out}`, active: true, tosidebar: false, console: true, complete: 'idempotencyKey', targetType: 'msg', wires: [] })),
  { id: 'chk-catch', type: 'catch', z: 'chk-tab', scope: ['chk-gate'], uncaught: false, wires: [['chk-caught']] },
  { id: 'chk-caught', type: 'debug', z: 'chk-tab', name: 'gate-error', active: true, tosidebar: false, console: true, complete: 'error.message', targetType: 'msg', wires: [] },
];

/** RSS after a GC still varies by a few MiB between two boots of the same process: each side is booted twice and its
 * lower reading kept, so the comparison measures the pack rather than the allocator's luck. */
async function bootTwice(dir) {
  const first = await boot(dir);
  const again = await boot(dir);
  return again.rss < first.rss ? { ...first, rss: again.rss } : first;
}

/** What the SQLite gate should do in `userDir` on this Node with --sqlite=auto (see lib/store/sqlite-driver.ts). */
function expectedSqlite(userDir) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const builtin = major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
  const built = fs.existsSync(path.join(userDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  return builtin || built ? 'works' : 'no-driver';
}

async function check(userDir, baseline) {
  const label = labelOf(userDir);
  const sqlite = sqliteMode === 'auto' ? expectedSqlite(userDir) : sqliteMode;
  prepareUserDir(userDir);
  const report = await bootTwice(userDir);

  const declared = declaredTypes(userDir);
  if (declared.length === 0) fail(label, 'no FlowGuard node type declared in the user dir');
  const missing = declared.filter((t) => !report.types.includes(t));
  if (missing.length) fail(label, `types not registered: ${missing.join(', ')}`, report.output);
  const lazy = [...loadedPackages(report.files.filter((f) => f.startsWith(userDir + path.sep) && LAZY.test(f)))];
  if (lazy.length) fail(label, `loaded with an empty flow: ${lazy.join(', ')}`);
  const growth = (report.rss - baseline.rss) / 2 ** 20;
  if (growth > 15) fail(label, `RSS grew by ${growth.toFixed(1)} MiB (at most 15)`);
  const known = new Set(baseline.problems);
  const added = report.problems.filter((line) => !known.has(line));
  if (added.length || report.warnings.length) fail(label, `warnings: ${[...added, ...report.warnings].join(' | ')}`, report.output);
  console.log(`${label} empty flow: ${declared.length} types registered, no lazy module loaded, RSS +${growth.toFixed(1)} MiB, no new warning`);

  if (sqlite) {
    prepareUserDir(userDir, undefined, GATE_FLOW);
    fs.rmSync(path.join(userDir, 'flowguard-check.sqlite'), { force: true });
    const until = sqlite === 'works' ? /gate-duplicate/ : /gate-error/;
    let run;
    try {
      run = await boot(userDir, { until, timeoutMs: 60000 });
    } catch (err) {
      fail(label, `the SQLite gate flow did not answer (${sqlite})`, err.message);
    }
    if (sqlite === 'works') {
      if (!/gate-new/.test(run.output)) fail(label, 'the first message did not leave on "new"', run.output);
      if (/gate-error/.test(run.output)) fail(label, 'the gate failed', run.output);
      console.log(`${label} SQLite gate: first message new, second duplicate`);
    } else {
      const error = run.output.split('\n').find((l) => /gate-error/.test(l)) ?? '';
      const next = run.output.slice(run.output.indexOf(error)).split('\n').slice(0, 3).join(' ');
      if (!/no SQLite driver/i.test(next) || !/better-sqlite3/.test(next) || !/Redis/.test(next)) fail(label, 'the error does not name the choices', run.output);
      if (/gate-new/.test(run.output)) fail(label, 'a message passed a gate without a store', run.output);
      console.log(`${label} SQLite gate without a driver: ${next.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
  }
}

async function main() {
  if (!baselineDir || userDirs.length === 0) fail('[usage]', 'node scripts/user-install-check.js <baselineDir> <userDir>... [--sqlite=works|no-driver|auto]');
  fs.rmSync(baselineDir, { recursive: true, force: true });
  prepareUserDir(baselineDir);
  const baseline = await bootTwice(baselineDir);
  for (const userDir of userDirs) await check(userDir, baseline);
}

main().catch((err) => fail(labelOf(userDirs[0] ?? '?'), err.message));
