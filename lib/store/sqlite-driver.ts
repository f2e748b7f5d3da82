/**
 * The few synchronous SQLite calls the store needs, from one of two drivers that both expose
 * prepare().run/get/all with positional parameters:
 * - Node's built-in `node:sqlite` (no install; unflagged from Node 22.13, without an ExperimentalWarning from 24.15,
 *   where it became a release candidate);
 * - `better-sqlite3`, an optional dependency (a native addon: it may be absent, or built for another Node ABI).
 * Choice, first that loads: node:sqlite where it loads without a warning, better-sqlite3, node:sqlite with its warning.
 * None: one StoreError that names what the user can do.
 */
import { StoreError } from './types';

export interface SqlStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqlDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

type DatabaseConstructor = new (file: string) => SqlDatabase;

/** What the running process offers; each loader returns the driver's database class or throws why it cannot. */
export interface SqliteEnvironment {
  /** process.versions.node */
  nodeVersion: string;
  loadBuiltin(): DatabaseConstructor;
  loadBetterSqlite3(): DatabaseConstructor;
}

export const processEnvironment: SqliteEnvironment = {
  nodeVersion: process.versions.node,
  // Required only when chosen: requiring node:sqlite is what prints the warning on Node < 24.15.
  loadBuiltin: () => require('node:sqlite').DatabaseSync,
  loadBetterSqlite3: () => {
    const Database = require('better-sqlite3');
    // better-sqlite3 loads its native addon at the first open: open once here, so an addon built for another
    // Node.js version counts as "does not load" and the next driver is tried.
    new Database(':memory:').close();
    return Database;
  },
};

export interface ChosenDriver {
  name: SqliteDriverName;
  open(file: string): SqlDatabase;
}

/** node:sqlite is a release candidate (no ExperimentalWarning) from Node 24.15; 25.x is left to the fallback order. */
export function builtinWithoutWarning(nodeVersion: string): boolean {
  const [major, minor] = nodeVersion.split('.').map(Number);
  return major >= 26 || (major === 24 && minor >= 15);
}

/** node:sqlite needs no command-line flag from Node 22.13 (and 23.4). */
export function builtinUnflagged(nodeVersion: string): boolean {
  const [major, minor] = nodeVersion.split('.').map(Number);
  return major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

/**
 * The driver to use. `only` restricts the choice to one driver (Node-RED setting `flowguard.sqliteDriver`).
 * Throws StoreError NO_SQLITE_DRIVER naming the choices when nothing loads.
 */
export function chooseSqliteDriver(env: SqliteEnvironment = processEnvironment, only?: SqliteDriverName): ChosenDriver {
  if (only !== undefined && !SQLITE_DRIVERS.includes(only)) {
    throw new StoreError('sqlite', 'BAD_CONFIG', `unknown SQLite driver "${only}" in the setting flowguard.sqliteDriver; use ${SQLITE_DRIVERS.join(' or ')}, or leave it out to choose automatically`);
  }
  const reasons: string[] = [];
  const attempt = (name: SqliteDriverName): ChosenDriver | undefined => {
    try {
      const Database = name === 'node:sqlite' ? env.loadBuiltin() : env.loadBetterSqlite3();
      return { name, open: (file) => new Database(file) };
    } catch (err) {
      reasons.push(`${name}: ${whyNot(name, err, env.nodeVersion)}`);
      return undefined;
    }
  };
  const order: SqliteDriverName[] = only
    ? [only]
    : builtinWithoutWarning(env.nodeVersion)
      ? ['node:sqlite', 'better-sqlite3']
      : builtinUnflagged(env.nodeVersion)
        ? ['better-sqlite3', 'node:sqlite']
        : ['better-sqlite3'];
  for (const name of order) {
    const chosen = attempt(name);
    if (chosen) return chosen;
  }
  if (!order.includes('node:sqlite')) reasons.push(`node:sqlite: not in Node.js ${env.nodeVersion} (it needs 22.13 or later)`);
  const forced = only ? ` (the setting flowguard.sqliteDriver allows only ${only})` : '';
  throw new StoreError(
    'sqlite',
    'NO_SQLITE_DRIVER',
    `no SQLite driver${forced}: ${reasons.join('; ')}. ` +
      'Install better-sqlite3 in the Node-RED user directory (npm install better-sqlite3), ' +
      'or run Node.js 22.13 or later (built-in node:sqlite, without a warning from 24.15), ' +
      'or pick the Redis or Postgres store.',
  );
}

export function openSqlite(file: string, only?: SqliteDriverName): SqlDatabase {
  return chooseSqliteDriver(processEnvironment, only).open(file);
}

function whyNot(name: SqliteDriverName, err: unknown, nodeVersion: string): string {
  const e = err as NodeJS.ErrnoException;
  if (name === 'node:sqlite' && e?.code === 'ERR_UNKNOWN_BUILTIN_MODULE') return `not in Node.js ${nodeVersion}`;
  if (name === 'better-sqlite3' && e?.code === 'MODULE_NOT_FOUND' && /better-sqlite3/.test(String(e.message))) return 'not installed';
  if (/NODE_MODULE_VERSION/.test(String(e?.message))) return `installed, but built for another Node.js version (run npm rebuild better-sqlite3)`;
  return `did not load (${String(e?.message ?? err).split('\n')[0]})`;
}
