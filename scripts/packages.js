// Emits the publishable packages from the one build in dist/ (issue 17), each in dist/packages/<folder>/ with its own
// package.json and only its files:
//   core         @flowguard/node-red-core: the store config, the reliability nodes, mapper, reconcile, the ops plugin,
//                the Node-RED glue all nodes share (nodes/shared, lib/ops, lib/reliability) and the editor resources
//   stripe, salesforce, snowflake   one package per service: its nodes and lib/<service>; whatever core holds is
//                required from core (one copy of the secret registry, metrics and glue per process), and core is both
//                an npm dependency and a Node-RED dependency ("node-red": { "dependencies": [...] }), so Node-RED
//                loads core first and a service package without core is reported, not half-loaded
//   integrations @flowguard/node-red-integrations, the all-in-one: no node of its own, it depends on the four above
//                (npm and "node-red" dependencies), so every type is registered by exactly one package, whatever
//                combination a user installs; it carries the examples that mix services
//   sandbox      @flowguard/sandbox: `npx @flowguard/sandbox` starts the three local services for the examples
//                (bin: sandbox/main.js; the sandboxes' own files plus the few lib files they share)
// npm dependencies are the bare modules each package's files require, at the root package.json's versions.
'use strict';
const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const CORE = '@flowguard/node-red-core';
const ALL_IN_ONE = '@flowguard/node-red-integrations';

const PACKAGES = [
  {
    folder: 'core',
    name: CORE,
    description: 'FlowGuard reliability nodes for Node-RED: durable store (memory, SQLite, Redis, PostgreSQL), idempotency gate, retry with circuit breaker, dead-letter queue with replay, sequencer, field mapper, reconcile and the ops dashboard.',
    keywords: ['idempotency', 'retry', 'dead-letter-queue', 'circuit-breaker', 'mapping'],
    nodes: ['fg-store-config', 'fg-idempotency-gate', 'fg-idempotency-complete', 'fg-retry', 'fg-dead-letter', 'fg-sequencer', 'fg-field-mapper', 'fg-reconcile'],
    plugins: ['flowguard-ops'],
    shared: ['nodes/shared', 'lib/ops', 'lib/reliability'],
    resources: true,
  },
  {
    folder: 'stripe',
    name: '@flowguard/node-red-stripe',
    description: 'FlowGuard Stripe nodes for Node-RED: API calls with stable idempotency keys, verified webhooks. Needs @flowguard/node-red-core.',
    keywords: ['stripe', 'webhook', 'payments'],
    nodes: ['fg-stripe-config', 'fg-stripe', 'fg-stripe-webhook'],
  },
  {
    folder: 'salesforce',
    name: '@flowguard/node-red-salesforce',
    description: 'FlowGuard Salesforce nodes for Node-RED (jsforce): SOQL with binds, Collections and Bulk 2.0, a durable change feed. Needs @flowguard/node-red-core.',
    keywords: ['salesforce', 'jsforce', 'crm'],
    nodes: ['fg-salesforce-config', 'fg-salesforce', 'fg-salesforce-events'],
  },
  {
    folder: 'snowflake',
    name: '@flowguard/node-red-snowflake',
    description: 'FlowGuard Snowflake nodes for Node-RED (snowflake-sdk): pooled connections, binds, streamed results, MERGE upserts. Needs @flowguard/node-red-core.',
    keywords: ['snowflake', 'sql', 'warehouse'],
    nodes: ['fg-snowflake-config', 'fg-snowflake'],
  },
];
const SERVICE_NAMES = PACKAGES.slice(1).map((p) => p.name);

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const rel = (file) => path.relative(dist, file).split(path.sep).join('/');

/** The file a relative require in `from` (dist-relative) points at, dist-relative, or undefined. */
function resolveRelative(from, spec) {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return [target, `${target}.js`, `${target}/index.js`].find((f) => fs.existsSync(path.join(dist, f)) && fs.statSync(path.join(dist, f)).isFile());
}

/** Every compiled file reachable from `entries` through relative requires. */
function closure(entries) {
  const seen = new Set();
  const stack = [...entries];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(path.join(dist, file), 'utf8');
    for (const [, spec] of source.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = resolveRelative(file, spec);
      if (!target) throw new Error(`packages: ${file} requires ${spec}, which the build does not have`);
      stack.push(target);
    }
  }
  return seen;
}

/** The npm packages a source requires (not built-ins, not relative). */
function bareRequires(source) {
  const names = new Set();
  for (const [, spec] of source.matchAll(/require\(["']([^."'][^"']*)["']\)/g)) {
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return names;
}

/** The node types an editor file registers. */
function typesOf(htmlFile) {
  return [...fs.readFileSync(htmlFile, 'utf8').matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

function copy(from, to, transform) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  if (transform) fs.writeFileSync(to, transform(fs.readFileSync(from, 'utf8')));
  else fs.copyFileSync(from, to);
}

function versionOf(name) {
  const version = rootPkg.dependencies?.[name] ?? rootPkg.optionalDependencies?.[name] ?? rootPkg.devDependencies?.[name];
  if (!version) throw new Error(`packages: ${name} is required but not in the root package.json`);
  return version;
}

function manifest(spec, extra) {
  return {
    name: spec.name,
    version: rootPkg.version,
    description: spec.description,
    license: rootPkg.license,
    author: rootPkg.author,
    homepage: rootPkg.homepage,
    repository: rootPkg.repository,
    bugs: rootPkg.bugs,
    // "node-red" marks a node module for the Flow Library and Node-RED's scan: not for the sandbox
    keywords: [...(spec.folder === 'sandbox' ? [] : ['node-red']), 'flowguard', ...spec.keywords],
    engines: rootPkg.engines,
    ...extra,
  };
}

function writeReadme(dir, spec, body) {
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${spec.name}\n\n${spec.description}\n\n${body}\n\nDocumentation: ${rootPkg.homepage}\n`,
  );
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
}

/** Example flows by the package whose types (with its Node-RED dependencies) cover them; the rest go to the all-in-one. */
function assignExamples(typeOwner) {
  const byPackage = new Map();
  const examplesDir = path.join(root, 'examples');
  for (const file of walk(examplesDir).filter((f) => f.endsWith('.json'))) {
    const flow = JSON.parse(fs.readFileSync(file, 'utf8'));
    const owners = new Set(flow.map((n) => typeOwner.get(n.type)).filter(Boolean));
    owners.delete(CORE);
    const owner = owners.size === 0 ? CORE : owners.size === 1 ? [...owners][0] : ALL_IN_ONE;
    if (!byPackage.has(owner)) byPackage.set(owner, []);
    byPackage.get(owner).push(path.relative(examplesDir, file));
  }
  return byPackage;
}

/** Non-JavaScript files that code loads from its own folder. */
const RUNTIME_DATA = /\.proto$/;

function emit() {
  const out = path.join(dist, 'packages');
  fs.rmSync(out, { recursive: true, force: true });
  const isRuntimeJs = (f) => f.endsWith('.js');

  // Files of each node package: core takes its entries plus the shared folders; services take what core does not have.
  const entries = (spec) => [
    ...spec.nodes.map((n) => `nodes/${n}/${n}.js`),
    ...(spec.plugins ?? []).map((p) => `plugins/${p}/${p}.js`),
    ...(spec.shared ?? []).flatMap((d) => walk(path.join(dist, d)).map(rel).filter(isRuntimeJs)),
  ];
  const coreFiles = closure(entries(PACKAGES[0]));
  const typeOwner = new Map();
  const emitted = [];

  for (const spec of PACKAGES) {
    const dir = path.join(out, spec.folder);
    const isCore = spec.name === CORE;
    const files = isCore ? coreFiles : new Set([...closure(entries(spec))].filter((f) => !coreFiles.has(f)));
    const deps = new Set();
    for (const file of files) {
      copy(path.join(dist, file), path.join(dir, file), (source) => {
        // A file core holds is required from core: one module instance per process, whichever package asks.
        const rewritten = isCore ? source : source.replace(/require\("(\.{1,2}\/[^"]+)"\)/g, (whole, spec2) => {
          const target = resolveRelative(file, spec2);
          return coreFiles.has(target) ? `require("${CORE}/${target.replace(/(\/index)?\.js$/, '')}")` : whole;
        });
        for (const name of bareRequires(rewritten)) deps.add(name);
        return rewritten;
      });
    }
    // Data files a package's code reads at run time beside itself (the Pub/Sub proto beside lib/salesforce/pubsub/client.js).
    for (const folder of new Set([...files].map((f) => path.dirname(f)))) {
      for (const file of fs.readdirSync(path.join(dist, folder)).filter((f) => RUNTIME_DATA.test(f))) {
        copy(path.join(dist, folder, file), path.join(dir, folder, file));
      }
    }
    // Editor files beside each node / plugin (html, icons, the ops page); package names in them point at core's resources.
    const html = (source) => source.split(ALL_IN_ONE).join(CORE);
    for (const folder of [...spec.nodes.map((n) => `nodes/${n}`), ...(spec.plugins ?? []).map((p) => `plugins/${p}`)]) {
      for (const file of walk(path.join(dist, folder)).filter((f) => !/\.(js|map|ts)$/.test(f))) {
        copy(file, path.join(dir, rel(file)), file.endsWith('.html') ? html : undefined);
      }
    }
    for (const n of spec.nodes) for (const type of typesOf(path.join(dist, 'nodes', n, `${n}.html`))) typeOwner.set(type, spec.name);
    if (spec.resources) for (const file of walk(path.join(root, 'resources'))) copy(file, path.join(dir, 'resources', path.relative(path.join(root, 'resources'), file)));

    deps.delete(CORE);
    const optional = [...deps].filter((d) => rootPkg.optionalDependencies?.[d]);
    const required = [...deps].filter((d) => !optional.includes(d)).sort();
    spec.manifest = manifest(spec, {
      files: ['nodes', 'lib', 'plugins', 'resources', 'examples', 'README.md', 'LICENSE'].filter((f) => f.endsWith('.md') || f === 'LICENSE' || fs.existsSync(path.join(dir, f)) || f === 'examples'),
      'node-red': {
        version: rootPkg['node-red'].version,
        ...(isCore ? {} : { dependencies: [CORE] }),
        nodes: Object.fromEntries(spec.nodes.map((n) => [n, `nodes/${n}/${n}.js`])),
        ...(spec.plugins ? { plugins: Object.fromEntries(spec.plugins.map((p) => [p, `plugins/${p}/${p}.js`])) } : {}),
      },
      dependencies: Object.fromEntries([...(isCore ? [] : [[CORE, rootPkg.version]]), ...required.map((d) => [d, versionOf(d)])]),
      ...(optional.length ? { optionalDependencies: Object.fromEntries(optional.map((d) => [d, versionOf(d)])) } : {}),
      ...(optional.length && rootPkg.allowScripts ? { allowScripts: rootPkg.allowScripts } : {}),
    });
    emitted.push(spec);
  }

  // The all-in-one: the four packages as npm and Node-RED dependencies, and the examples that mix services.
  const allInOne = {
    folder: 'integrations',
    name: ALL_IN_ONE,
    description: rootPkg.description,
    keywords: rootPkg.keywords.filter((k) => k !== 'node-red'),
  };
  allInOne.manifest = manifest(allInOne, {
    files: ['examples', 'README.md', 'LICENSE'],
    'node-red': { version: rootPkg['node-red'].version, dependencies: [CORE, ...SERVICE_NAMES], nodes: {} },
    dependencies: Object.fromEntries([CORE, ...SERVICE_NAMES].map((n) => [n, rootPkg.version])),
  });
  emitted.push(allInOne);

  // The sandboxes: `npx @flowguard/sandbox` runs sandbox/main.js (the three services on the ports and with the
  // credentials the examples use, as `npm start` does), with the few lib files it shares copied in.
  const sandbox = {
    folder: 'sandbox',
    name: '@flowguard/sandbox',
    description: 'Local Stripe, Salesforce and Snowflake sandboxes for the FlowGuard Node-RED examples: `npx @flowguard/sandbox` starts all three (Stripe on 4030, Salesforce on 4010 with its Pub/Sub API over gRPC on 4011, Snowflake on 4020) with the credentials the examples expect.',
    keywords: ['sandbox', 'stripe', 'salesforce', 'snowflake', 'mock-server'],
  };
  {
    const dir = path.join(out, sandbox.folder);
    const deps = new Set();
    const files = closure(['sandbox/main.js']);
    for (const file of files) {
      copy(path.join(dist, file), path.join(dir, file), (source) => {
        for (const name of bareRequires(source)) deps.add(name);
        return file === 'sandbox/main.js' ? `#!/usr/bin/env node\n${source}` : source;
      });
    }
    // Salesforce's proto, which sandbox/salesforce/pubsub/server.js loads by path (no code of its folder is needed).
    copy(path.join(dist, 'lib/salesforce/pubsub/pubsub_api.proto'), path.join(dir, 'lib/salesforce/pubsub/pubsub_api.proto'));
    fs.chmodSync(path.join(dir, 'sandbox', 'main.js'), 0o755);
    sandbox.manifest = manifest(sandbox, {
      bin: { 'flowguard-sandbox': 'sandbox/main.js' },
      files: ['sandbox', 'lib', 'README.md', 'LICENSE'],
      dependencies: Object.fromEntries([...deps].sort().map((d) => [d, versionOf(d)])),
    });
    emitted.push(sandbox);
  }

  const examples = assignExamples(typeOwner);
  for (const spec of emitted) {
    const dir = path.join(out, spec.folder);
    fs.mkdirSync(dir, { recursive: true });
    for (const file of examples.get(spec.name) ?? []) copy(path.join(root, 'examples', file), path.join(dir, 'examples', file));
    if (!(examples.get(spec.name) ?? []).length) spec.manifest.files = spec.manifest.files.filter((f) => f !== 'examples');
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(spec.manifest, null, 2)}\n`);
    const contents = spec === sandbox
      ? [
          '```sh',
          'npx @flowguard/sandbox     # prints one JSON line with the URLs and credentials, Ctrl-C stops',
          '```',
          '',
          '| service | URL | credentials |',
          '|---|---|---|',
          '| Stripe | `http://127.0.0.1:4030` | secret key `sk_test_flowguard_sandbox` (host 127.0.0.1, port 4030, protocol http) |',
          '| Salesforce | `http://127.0.0.1:4010` | user `integration@flowguard.test`, password `password`, security token `TOKEN` (client id `flowguard-client`, secret `flowguard-secret`) |',
          '| Salesforce Pub/Sub API | `127.0.0.1:4011` (gRPC, plaintext) | metadata `accesstoken`, `instanceurl` (`http://127.0.0.1:4010`), `tenantid` (the org id) |',
          '| Snowflake | `http://127.0.0.1:4020` | account `sandbox`, user `sandbox`, password `sandbox` |',
          '',
          'Ports: `STRIPE_SANDBOX_PORT`, `SALESFORCE_SANDBOX_PORT`, `SALESFORCE_PUBSUB_PORT`, `SNOWFLAKE_SANDBOX_PORT` (0 = any free port). With `NODE_RED_URL`',
          'set, a Stripe webhook endpoint is registered for `<NODE_RED_URL>/stripe/webhook` and its signing secret is printed.',
          'Each sandbox has a control API under `/_sandbox` (reset, fault injection, call counts).',
        ].join('\n')
      : spec === allInOne
      ? `Installs ${[CORE, ...SERVICE_NAMES].map((n) => `\`${n}\``).join(', ')}; each node type comes from exactly one of them, so this package can be installed beside any of them.`
      : `Nodes: ${spec.nodes.map((n) => `\`${n}\``).join(', ')}.${spec.name === CORE ? '' : ` Needs \`${CORE}\` (installed with it).`}`;
    writeReadme(dir, spec, contents);
  }
  return emitted.map((s) => s.folder);
}

module.exports = { emit, PACKAGES, CORE, ALL_IN_ONE };

if (require.main === module) console.error(`packages: ${emit().join(', ')} in dist/packages/`);
