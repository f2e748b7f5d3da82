/**
 * The few synchronous SQLite calls the store needs, from better-sqlite3 (the declared dependency) or,
 * when its native addon was built for another Node.js ABI (e.g. the Node 24 CI leg), from Node's
 * built-in `node:sqlite`. Both expose prepare().run/get/all with positional parameters.
 */
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

export function openSqlite(file: string): SqlDatabase {
  let firstError: unknown;
  try {
    const BetterSqlite3 = require('better-sqlite3');
    return new BetterSqlite3(file) as SqlDatabase;
  } catch (err) {
    if (!isAddonLoadError(err)) throw err;
    firstError = err;
  }
  try {
    const { DatabaseSync } = require('node:sqlite');
    return new DatabaseSync(file) as SqlDatabase;
  } catch (err) {
    if (isAddonLoadError(err) || (err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_BUILTIN_MODULE' || (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new Error(`no SQLite driver: better-sqlite3 did not load (${(firstError as Error).message}); run "npm rebuild better-sqlite3"`);
    }
    throw err;
  }
}

function isAddonLoadError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  const message = String((err as Error)?.message ?? '');
  return code === 'ERR_DLOPEN_FAILED' || code === 'MODULE_NOT_FOUND' || /NODE_MODULE_VERSION|Could not locate the bindings file/.test(message);
}
