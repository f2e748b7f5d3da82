#!/usr/bin/env node
// The npm registry this project is built from serves only the Linux x64 builds of platform-specific optional packages
// (e.g. @duckdb/node-bindings-darwin-arm64), so `npm install` leaves them out of package-lock.json and `npm ci` then
// refuses the lock. This adds the missing ones as optional entries for their platform, which npm ci skips here.
// Run after any `npm install` that rewrites the lock.
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const PLATFORM = /-(darwin|linux|win32|freebsd)-(x64|arm64|arm|ia32)(-(musl|gnu))?$/;
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies || {})) {
    const where = `node_modules/${dep}`;
    const match = dep.match(PLATFORM);
    if (lock.packages[where] || !match || !/^\d/.test(range)) continue;
    const extra = { version: range, optional: true, os: [match[1]], cpu: [match[2]] };
    if (match[1] === 'linux') extra.libc = [match[4] === 'musl' ? 'musl' : 'glibc'];
    if (entry.dev) extra.dev = true;
    lock.packages[where] = extra;
    added++;
    void key;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform entries`);
