#!/usr/bin/env node
// Compiles the TypeScript to CommonJS in dist/ and copies each node's editor files
// (.html, icons/) beside its compiled .js, where Node-RED looks for them.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });

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

for (const dir of ['nodes', 'plugins']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) copyNonTs(from, path.join(dist, dir));
}
console.log('build: dist/ ready');
