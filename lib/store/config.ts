/**
 * From an fg-store-config node's settings (and credentials) to a StoreConfig for openStore. No Node-RED here: the node
 * file passes what it read, so the rules are tested without a runtime.
 */
import * as path from 'path';
import { SQLITE_DRIVERS, SqliteDriverName } from './sqlite-driver';
import type { StoreConfig } from './index';

export interface StoreNodeSettings {
  backend?: string;
  sqlitePath?: string;
  redisUrl?: string;
  redisTls?: boolean;
  redisPrefix?: string;
}

export interface StoreNodeCredentials {
  username?: string;
  password?: string;
}

export interface StoreRuntimeSettings {
  /** Node-RED's user dir: a relative SQLite path is resolved against it */
  userDir?: string;
  /** settings.js `flowguard.sqliteDriver`: use only this SQLite driver (default: the first that loads) */
  sqliteDriver?: string;
}

export function buildStoreConfig(def: StoreNodeSettings, creds: StoreNodeCredentials, runtime: StoreRuntimeSettings = {}): StoreConfig {
  switch (def.backend) {
    case 'sqlite':
      return {
        backend: 'sqlite',
        file: path.resolve(runtime.userDir ?? process.cwd(), def.sqlitePath || 'flowguard.sqlite'),
        // An unknown name is passed on: opening the store then fails with an error naming the known drivers.
        ...(runtime.sqliteDriver ? { driver: runtime.sqliteDriver as SqliteDriverName } : {}),
      };
    case 'redis':
      return {
        backend: 'redis',
        url: def.redisUrl || 'redis://127.0.0.1:6379',
        username: creds.username || undefined,
        password: creds.password || undefined,
        tls: !!def.redisTls,
        prefix: def.redisPrefix || 'fg:',
      };
    default:
      return { backend: 'memory' };
  }
}

/** Where the store lives, for logs: never a password. */
export function describeStoreConfig(c: StoreConfig): string {
  if (c.backend === 'sqlite') return c.file;
  if (c.backend === 'redis') return c.url.replace(/\/\/[^@/]*@/g, '//');
  return 'memory';
}

export { SQLITE_DRIVERS };
