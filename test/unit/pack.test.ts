// What `npm pack` puts in the tarball (issue 17): the runtime only. Every node set and plugin with its editor file,
// every file they require, the examples and resources; no source maps, no TypeScript, no tests, benchmarks or sandboxes.
// Lists the files of the current build with --ignore-scripts (the prepack build would rebuild dist/ under the suite).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..', '..');

/** The files `npm pack` would put in the tarball of the package in `dir`. */
export function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path).sort();
}

/** Relative requires of a compiled file that do not resolve to a file in `files` (what the tarball would miss). */
export function missingRequires(dir: string, files: Set<string>, file: string): string[] {
  const source = fs.readFileSync(path.join(dir, file), 'utf8');
  const missing: string[] = [];
  for (const [, spec] of source.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    if (![target, `${target}.js`, `${target}/index.js`, `${target}.json`].some((f) => files.has(f))) missing.push(`${file} → ${spec}`);
  }
  return missing;
}

describe('package: the npm pack tarball', function () {
  this.timeout(60000);
  let files: string[];
  before(() => {
    files = packedFiles(root);
  });

  it('has a prepack build, so a clean clone packs dist/', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.prepack, /scripts\/build\.js --release/);
  });

  it('ships no source maps, TypeScript, tests, benchmarks or sandboxes', () => {
    const unwanted = files.filter((f) => /\.map$|\.ts$|^dist\/(test|bench|sandbox)\//.test(f));
    assert.deepStrictEqual(unwanted, []);
  });

  it('ships every node set and plugin with its editor file, the examples and the resources', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const entries = [...Object.values<string>(pkg['node-red'].nodes), ...Object.values<string>(pkg['node-red'].plugins)];
    for (const entry of entries) {
      assert.ok(files.includes(entry), `${entry} is packed`);
      assert.ok(files.includes(entry.replace(/\.js$/, '.html')), `${entry}'s editor file is packed`);
    }
    assert.ok(files.some((f) => f.startsWith('examples/') && f.endsWith('.json')), 'examples');
    assert.ok(files.some((f) => f.startsWith('resources/')), 'resources');
    assert.ok(files.includes('README.md') && files.includes('LICENSE'));
  });

  it('ships every file the runtime requires', () => {
    const set = new Set(files);
    const missing = files.filter((f) => f.endsWith('.js')).flatMap((f) => missingRequires(root, set, f));
    assert.deepStrictEqual(missing, []);
  });
});
