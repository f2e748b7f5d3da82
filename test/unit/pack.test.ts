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

describe('package: the packages the build emits (dist/packages)', function () {
  this.timeout(120000);
  const out = path.join(root, 'dist', 'packages');
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const folders = fs.existsSync(out) ? fs.readdirSync(out).sort() : [];
  const manifests = new Map(folders.map((f) => [f, JSON.parse(fs.readFileSync(path.join(out, f, 'package.json'), 'utf8'))]));
  const byName = new Map([...manifests.values()].map((m) => [m.name, m]));
  const CORE = '@flowguard/node-red-core';
  const SERVICES = ['@flowguard/node-red-stripe', '@flowguard/node-red-salesforce', '@flowguard/node-red-snowflake'];
  const typesOf = (folder: string, file: string) =>
    [...fs.readFileSync(path.join(out, folder, file.replace(/\.js$/, '.html')), 'utf8').matchAll(/RED\.nodes\.registerType\(\s*'([^']+)'/g)].map((m) => m[1]);

  it('are the core, one per service and the all-in-one', () => {
    assert.deepStrictEqual([...byName.keys()].filter((n) => n.includes('node-red')).sort(), [CORE, '@flowguard/node-red-integrations', ...SERVICES].sort());
  });

  it('register every node type of the repository exactly once between them', () => {
    const owners = new Map<string, string[]>();
    for (const [folder, m] of manifests) {
      for (const file of Object.values<string>(m['node-red']?.nodes ?? {})) {
        for (const type of typesOf(folder, file)) owners.set(type, [...(owners.get(type) ?? []), m.name]);
      }
    }
    const expected = Object.keys(rootPkg['node-red'].nodes).flatMap((set) =>
      [...fs.readFileSync(path.join(root, 'nodes', set, `${set}.html`), 'utf8').matchAll(/RED\.nodes\.registerType\(\s*'([^']+)'/g)].map((m) => m[1]));
    assert.deepStrictEqual([...owners.keys()].sort(), expected.sort());
    for (const [type, names] of owners) assert.strictEqual(names.length, 1, `${type} registered by ${names.join(', ')}`);
  });

  it('make core a Node-RED and npm dependency of each service, and all four of the all-in-one', () => {
    for (const name of SERVICES) {
      assert.deepStrictEqual(byName.get(name)['node-red'].dependencies, [CORE], name);
      assert.strictEqual(byName.get(name).dependencies[CORE], rootPkg.version, name);
    }
    const all = byName.get('@flowguard/node-red-integrations');
    assert.deepStrictEqual(all['node-red'].dependencies.sort(), [CORE, ...SERVICES].sort());
    assert.deepStrictEqual(Object.keys(all['node-red'].nodes), []);
    assert.deepStrictEqual(Object.keys(all.dependencies).sort(), [CORE, ...SERVICES].sort());
  });

  it('keep service SDKs out of the core', () => {
    const core = byName.get(CORE);
    for (const sdk of ['stripe', 'jsforce', 'snowflake-sdk']) assert.ok(!core.dependencies[sdk], `core does not depend on ${sdk}`);
    assert.ok(core.optionalDependencies['better-sqlite3'], 'better-sqlite3 stays optional');
  });

  for (const folder of folders) {
    describe(folder, () => {
      let files: string[];
      before(() => {
        files = packedFiles(path.join(out, folder));
      });

      it('ships no source maps, TypeScript, tests, benchmarks or sandboxes', () => {
        assert.deepStrictEqual(files.filter((f) => /\.map$|\.ts$|(^|\/)(test|bench)\//.test(f) || (folder !== 'sandbox' && f.startsWith('sandbox/'))), []);
      });

      it('ships its node sets with their editor files, and every file they require', () => {
        const m = manifests.get(folder);
        for (const entry of [...Object.values<string>(m['node-red']?.nodes ?? {}), ...Object.values<string>(m['node-red']?.plugins ?? {})]) {
          assert.ok(files.includes(entry), `${entry} is packed`);
          assert.ok(files.includes(entry.replace(/\.js$/, '.html')), `${entry}'s editor file is packed`);
        }
        const set = new Set(files);
        assert.deepStrictEqual(files.filter((f) => f.endsWith('.js')).flatMap((f) => missingRequires(path.join(out, folder), set, f)), []);
      });

      it('declares every npm package its files require', () => {
        const m = manifests.get(folder);
        const declared = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {})]);
        const { builtinModules } = require('module');
        for (const file of files.filter((f) => f.endsWith('.js'))) {
          const source = fs.readFileSync(path.join(out, folder, file), 'utf8');
          for (const [, spec] of source.matchAll(/require\(["']([^."'][^"']*)["']\)/g)) {
            if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
            assert.ok(declared.has(name), `${file} requires ${spec}, which ${m.name} does not declare`);
          }
        }
      });

      it('ships only examples whose node types it (or what it depends on) provides', () => {
        const m = manifests.get(folder);
        const reachable = new Set<string>([m.name, ...(m['node-red']?.dependencies ?? [])]);
        const provided = new Set<string>();
        for (const [f, other] of manifests) {
          if (!reachable.has(other.name)) continue;
          for (const file of Object.values<string>(other['node-red']?.nodes ?? {})) for (const type of typesOf(f, file)) provided.add(type);
        }
        for (const file of files.filter((f) => f.startsWith('examples/') && f.endsWith('.json'))) {
          const flow = JSON.parse(fs.readFileSync(path.join(out, folder, file), 'utf8'));
          for (const node of flow) if (/^fg-/.test(node.type)) assert.ok(provided.has(node.type), `${file} uses ${node.type}`);
        }
      });
    });
  }

  it('ship every example of the repository once between them', () => {
    const shipped = folders.flatMap((f) => (fs.existsSync(path.join(out, f, 'examples')) ? walkJson(path.join(out, f, 'examples')) : []));
    assert.deepStrictEqual(shipped.sort(), walkJson(path.join(root, 'examples')).sort());
  });
});

function walkJson(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walkJson(path.join(dir, e.name), base) : e.name.endsWith('.json') ? [path.relative(base, path.join(dir, e.name))] : []);
}

describe('package: the sandbox package', function () {
  this.timeout(60000);
  const dir = path.join(root, 'dist', 'packages', 'sandbox');

  it('has one command that starts the three sandboxes and prints their URLs and credentials', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.name, '@flowguard/sandbox');
    assert.deepStrictEqual(Object.keys(pkg.bin), ['flowguard-sandbox'], 'one command, so npx @flowguard/sandbox runs it');
    const bin = path.join(dir, pkg.bin['flowguard-sandbox']);
    assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const { spawn } = await import('child_process');
    const child = spawn(process.execPath, [bin], { env: { ...process.env, STRIPE_SANDBOX_PORT: '0', SALESFORCE_SANDBOX_PORT: '0', SALESFORCE_PUBSUB_PORT: '0', SNOWFLAKE_SANDBOX_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const info = JSON.parse(line);
      assert.strictEqual(info.stripe.testKey, 'sk_test_flowguard_sandbox');
      assert.strictEqual(info.salesforce.credentials.username, 'integration@flowguard.test');
      // The Pub/Sub API started, so the package carries Salesforce's proto and the gRPC / Avro dependencies.
      assert.match(info.salesforce.pubsubUrl, /^127\.0\.0\.1:\d+$/);
      assert.ok(fs.existsSync(path.join(dir, 'lib', 'salesforce', 'pubsub', 'pubsub_api.proto')));
      for (const dep of ['@grpc/grpc-js', '@grpc/proto-loader', 'avsc']) assert.ok(pkg.dependencies[dep], `${dep} is a dependency`);
      assert.strictEqual(info.snowflake.account, 'sandbox');
      const res = await fetch(`${info.stripe.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_flowguard_sandbox' } });
      assert.strictEqual(res.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
