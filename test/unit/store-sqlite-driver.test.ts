import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildStoreConfig } from '../../lib/store/config';
import { builtinWithoutWarning, chooseSqliteDriver, processEnvironment, SqliteEnvironment } from '../../lib/store/sqlite-driver';
import { StoreError } from '../../lib/store/types';

// Availability cases this machine cannot show (another Node.js, a missing addon) as the loaders' own errors.
class FakeDb {
  constructor(readonly file: string) {}
  exec() {}
  prepare(): never { throw new Error('not used'); }
  close() {}
}
class BuiltinDb extends FakeDb {}
class BetterDb extends FakeDb {}
const loads = () => BuiltinDb as any;
const loadsBetter = () => BetterDb as any;
const notABuiltin = () => { throw Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' }); };
const notInstalled = () => { throw Object.assign(new Error("Cannot find module 'better-sqlite3'\nRequire stack:\n- /x/sqlite-driver.js"), { code: 'MODULE_NOT_FOUND' }); };
const otherAbi = () => {
  throw Object.assign(new Error("The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137."), { code: 'ERR_DLOPEN_FAILED' });
};

function env(nodeVersion: string, loadBuiltin: () => any, loadBetterSqlite3: () => any): SqliteEnvironment & { tried: string[] } {
  const tried: string[] = [];
  return {
    nodeVersion,
    tried,
    loadBuiltin: () => { tried.push('node:sqlite'); return loadBuiltin(); },
    loadBetterSqlite3: () => { tried.push('better-sqlite3'); return loadBetterSqlite3(); },
  };
}

const CHOICES = /Install better-sqlite3 in the Node-RED user directory \(npm install better-sqlite3\), or run Node\.js 22\.13 or later \(built-in node:sqlite, without a warning from 24\.15\), or pick the Redis or Postgres store\.$/;

describe('store: SQLite driver choice', () => {
  it('Node 24.15+: the built-in node:sqlite first (no warning there), even with better-sqlite3 installed', () => {
    const e = env('24.21.0', loads, loadsBetter);
    const chosen = chooseSqliteDriver(e);
    assert.strictEqual(chosen.name, 'node:sqlite');
    assert.ok(chosen.open('/tmp/x.sqlite') instanceof BuiltinDb);
    assert.deepStrictEqual(e.tried, ['node:sqlite'], 'better-sqlite3 is not even loaded');
  });

  it('Node 22.13 to 24.14: better-sqlite3 first (requiring node:sqlite prints an ExperimentalWarning there)', () => {
    for (const v of ['22.13.0', '23.4.0', '24.14.1']) {
      const e = env(v, loads, loadsBetter);
      assert.strictEqual(chooseSqliteDriver(e).name, 'better-sqlite3', v);
      assert.deepStrictEqual(e.tried, ['better-sqlite3'], v);
    }
  });

  it('Node 22.13 to 24.14 without better-sqlite3, or with one built for another Node.js: node:sqlite', () => {
    assert.strictEqual(chooseSqliteDriver(env('22.13.0', loads, notInstalled)).name, 'node:sqlite');
    const e = env('24.0.0', loads, otherAbi);
    assert.strictEqual(chooseSqliteDriver(e).name, 'node:sqlite');
    assert.deepStrictEqual(e.tried, ['better-sqlite3', 'node:sqlite']);
  });

  it('Node 20 (and 22 before 22.13, where node:sqlite needs a flag): better-sqlite3 only', () => {
    for (const v of ['20.20.2', '22.12.0']) {
      const e = env(v, loads, loadsBetter);
      assert.strictEqual(chooseSqliteDriver(e).name, 'better-sqlite3');
      assert.deepStrictEqual(e.tried, ['better-sqlite3'], `node:sqlite is not tried on ${v}`);
    }
  });

  it('no driver: one StoreError naming why each one failed and the three choices', () => {
    const cases: [string, () => any, () => any, RegExp][] = [
      ['20.20.2', notABuiltin, notInstalled, /^sqlite store: no SQLite driver: better-sqlite3: not installed; node:sqlite: not in Node\.js 20\.20\.2 \(it needs 22\.13 or later\)\. /],
      ['20.20.2', notABuiltin, otherAbi, /better-sqlite3: installed, but built for another Node\.js version \(run npm rebuild better-sqlite3\); node:sqlite: not in Node\.js 20\.20\.2/],
      ['24.21.0', notABuiltin, notInstalled, /no SQLite driver: node:sqlite: not in Node\.js 24\.21\.0; better-sqlite3: not installed\. /],
    ];
    for (const [v, builtin, better, reason] of cases) {
      assert.throws(() => chooseSqliteDriver(env(v, builtin, better)), (err: StoreError) => {
        assert.ok(err instanceof StoreError);
        assert.strictEqual(err.code, 'NO_SQLITE_DRIVER');
        assert.strictEqual(err.backend, 'sqlite');
        assert.match(err.message, reason);
        assert.match(err.message, CHOICES);
        return true;
      });
    }
  });

  it('the setting flowguard.sqliteDriver restricts the choice to one driver, and says so when that one fails', () => {
    assert.strictEqual(chooseSqliteDriver(env('24.21.0', loads, loadsBetter), 'better-sqlite3').name, 'better-sqlite3');
    assert.strictEqual(chooseSqliteDriver(env('22.13.0', loads, loadsBetter), 'node:sqlite').name, 'node:sqlite');
    assert.throws(() => chooseSqliteDriver(env('24.21.0', loads, otherAbi), 'better-sqlite3'),
      /no SQLite driver \(the setting flowguard\.sqliteDriver allows only better-sqlite3\): better-sqlite3: installed, but built for another/);
    assert.throws(() => chooseSqliteDriver(env('24.21.0', loads, loadsBetter), 'sqlite3' as any),
      (err: StoreError) => err.code === 'BAD_CONFIG' && /unknown SQLite driver "sqlite3" in the setting flowguard\.sqliteDriver; use node:sqlite or better-sqlite3/.test(err.message));
  });

  it('knows where node:sqlite stops warning', () => {
    assert.deepStrictEqual(['22.13.0', '22.21.1', '24.14.0', '24.15.0', '25.2.0', '26.0.0'].map(builtinWithoutWarning), [false, false, false, true, false, true]);
  });

  it('this process: the chosen driver opens a file and answers SQL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-driver-'));
    try {
      const chosen = chooseSqliteDriver(processEnvironment);
      const expected = builtinWithoutWarning(process.versions.node) ? 'node:sqlite' : 'better-sqlite3';
      assert.strictEqual(chosen.name, expected);
      const db = chosen.open(path.join(dir, 'a.sqlite'));
      assert.deepStrictEqual({ ...(db.prepare('SELECT 1 + 1 AS two').get() as object) }, { two: 2 });
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a real process without better-sqlite3 in reach: node:sqlite on Node 22.13+, the clear error before', () => {
    // The compiled driver module alone in a folder with no node_modules above it: require('better-sqlite3') really fails.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-nodriver-'));
    try {
      for (const f of ['sqlite-driver.js', 'types.js']) fs.copyFileSync(path.join(__dirname, '../../lib/store', f), path.join(dir, f));
      const r = spawnSync(process.execPath, ['-e', `try { console.log(require('./sqlite-driver.js').chooseSqliteDriver().name) } catch (e) { console.log(e.code + ' ' + e.message) }`], { cwd: dir, encoding: 'utf8' });
      const out = r.stdout.trim();
      const [major, minor] = process.versions.node.split('.').map(Number);
      if (major > 22 || (major === 22 && minor >= 13)) assert.strictEqual(out, 'node:sqlite');
      else {
        assert.match(out, /^NO_SQLITE_DRIVER sqlite store: no SQLite driver: better-sqlite3: not installed; node:sqlite: not in Node\.js/);
        assert.match(out, CHOICES);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the node setting reaches the store config; a relative file is in the user dir', () => {
    assert.deepStrictEqual(buildStoreConfig({ backend: 'sqlite', sqlitePath: 'x.sqlite' }, {}, { userDir: '/u', sqliteDriver: 'node:sqlite' }),
      { backend: 'sqlite', file: '/u/x.sqlite', driver: 'node:sqlite' });
    assert.deepStrictEqual(buildStoreConfig({ backend: 'sqlite' }, {}, { userDir: '/u' }), { backend: 'sqlite', file: '/u/flowguard.sqlite' });
  });
});
