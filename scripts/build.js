#!/usr/bin/env node
// Compiles the TypeScript to CommonJS in dist/ and copies each node's editor files
// (.html, icons/) beside its compiled .js, where Node-RED looks for them.
// `--release` (npm pack's prepack) compiles without source maps: a map points at .ts files a tarball does not ship,
// so it would only add size; stack traces name the compiled .js lines, which are readable tsc output.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const release = process.argv.includes('--release');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root, ...(release ? ['--sourceMap', 'false'] : [])], { stdio: 'inherit' });

function copyNonTs(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyNonTs(src, dest);
    } else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dest);
    }
  }
}

for (const dir of ['nodes', 'plugins', 'lib']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) copyNonTs(from, path.join(dist, dir));
}
// The publishable packages (core, one per service, the all-in-one, the sandbox) in dist/packages/: scripts/packages.js.
require('./packages').emit();
// on stderr, so `npm pack --json` (which runs this as prepack) prints clean JSON
console.error('build: dist/ ready');
