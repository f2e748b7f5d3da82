// Boots a real Node-RED process (its own red.js, as a user starts it) on a user dir with an empty flow and reports
// what start-up cost: the module files and built-ins it loaded, its RSS after a full GC, the node types it registered
// and its log. Used by test/nodes/startup.test.ts (the pack linked from the repository) and by .ci/user-install.sh
// (the packed tarballs installed as a palette user would). Node-RED comes from NODE_RED_PATH (…/node-red/lib/red.js,
// as for the test helper) or the node-red package this file resolves; the process runs on this Node (process.execPath).
'use strict';
/* global fetch */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

/** The red.js a user runs, for the Node-RED in NODE_RED_PATH or the one installed here. */
function redJs() {
  if (process.env.NODE_RED_PATH) return path.join(path.dirname(process.env.NODE_RED_PATH), '..', 'red.js');
  return require.resolve('node-red/red.js');
}

/** Writes a user dir with an empty flow and quiet settings (no port clash: port 0). */
function prepareUserDir(userDir, dependencies = {}, flows = []) {
  fs.mkdirSync(userDir, { recursive: true });
  if (!fs.existsSync(path.join(userDir, 'package.json'))) {
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'startup-check', private: true, dependencies }, null, 2));
  }
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiPort: 0,
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: false,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false },
    })};\n`,
  );
}

/** Log lines that report a problem, without their time stamps (so two runs can be compared). */
function problemLines(output) {
  return output
    .split('\n')
    .map((line) => line.replace(/^\d+ \w+ \d\d:\d\d:\d\d - /, '').trim())
    .filter((line) => /\[(warn|error)\]|warning|deprecat/i.test(line));
}

/**
 * Starts Node-RED on `userDir`, waits for "Started flows" (and for `until` in its output, if given), asks the probe
 * for its report and stops the process.
 * Resolves { rss, files, builtins, warnings, output, problems, types } (types: the node types the runtime
 * registered, from GET /nodes).
 */
function boot(userDir, { timeoutMs = 90000, until } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '-r', path.join(__dirname, 'startup-probe.js'), redJs(), '-u', userDir], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let output = '';
    let asked = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Node-RED did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const started = /Started flows/.test(output);
      const url = /Server now running at (http:\/\/[^\s/]+)/.exec(output);
      if (started && url && !asked && (!until || until.test(output))) {
        asked = true;
        setTimeout(async () => {
          let types = [];
          try {
            const res = await fetch(`${url[1].replace('0.0.0.0', '127.0.0.1')}/nodes`, { headers: { Accept: 'application/json' } });
            types = (await res.json()).filter((set) => set.enabled !== false && !set.err).flatMap((set) => set.types);
          } catch (err) {
            output += `\n(startup check: GET /nodes failed: ${err.message})`;
          }
          child.once('message', (report) => {
            clearTimeout(timer);
            child.kill('SIGTERM');
            resolve({ ...report, output, problems: problemLines(output), types });
          });
          child.send('report');
        }, 500);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      if (!asked) {
        clearTimeout(timer);
        reject(new Error(`Node-RED exited (${code}) before it started:\n${output}`));
      }
    });
  });
}

/** Packages with code loaded (module files in `files` under a node_modules folder), by name. A package.json alone
 * does not count: Node-RED reads every one in the user dir when it scans for node modules. */
function loadedPackages(files) {
  const names = new Set();
  for (const file of files) {
    if (/[\\/]package\.json$/.test(file)) continue;
    const match = /.*node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (match) names.add(match[1].replace(/\\/g, '/'));
  }
  return names;
}

/** Packages the pack loads only when a node that needs them starts (issue 17), with the SDKs they bring. */
const LAZY = /[\\/]node_modules[\\/](prom-client|@opentelemetry[\\/]api|stripe|jsforce|snowflake-sdk|@snowflake|@aws-sdk|@azure|@google-cloud|redis|@redis[\\/][^\\/]+|pg|pg-pool|better-sqlite3|jsonata|ajv|ajv-formats|avsc|@grpc[\\/][^\\/]+|protobufjs)[\\/]/;

module.exports = { redJs, prepareUserDir, boot, problemLines, loadedPackages, LAZY };

if (require.main === module) {
  // node scripts/node-red-boot.js <userDir>: boots it and prints the report (without the file list) as JSON.
  boot(path.resolve(process.argv[2])).then(
    (report) => {
      console.log(JSON.stringify({ rss: report.rss, packages: [...loadedPackages(report.files)].sort(), builtins: report.builtins, problems: report.problems, types: report.types }, null, 2));
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
