/**
 * From an fg-store-config node's settings (and credentials) to a StoreConfig for openStore. No Node-RED here: the node
 * file passes what it read, so the rules are tested without a runtime. Throws StoreError BAD_CONFIG for settings that
 * cannot work; the node turns that into a failed store (red status, each message to Catch).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { StoreConfig } from './index';
import type { RedisMode } from './redis';
import { SqliteDriverName } from './sqlite-driver';
import { BackendName, StoreError } from './types';
import { wholeNumber as wholeNumberSetting } from '../settings';

export interface StoreNodeSettings {
  backend?: string;
  sqlitePath?: string;
  /** one URL, or several comma-separated (cluster seed nodes, or the sentinels) */
  redisUrl?: string;
  /** '' (automatic: several URLs, or one of a cluster node, mean a cluster), single, cluster, sentinel */
  redisMode?: string;
  redisSentinelName?: string;
  redisTls?: boolean;
  redisPrefix?: string;
  /** replicas that must acknowledge each claim write (WAIT); 0 or empty: none */
  redisWaitReplicas?: number | string;
  redisWaitTimeout?: number | string;
  postgresUrl?: string;
  postgresSchema?: string;
  postgresTls?: boolean;
}

export interface StoreNodeCredentials {
  username?: string;
  password?: string;
  /** Redis Sentinel: the sentinels' own password (`requirepass` in sentinel.conf), when they have one */
  sentinelPassword?: string;
  /** PEM text, or the path of a PEM file (relative to the user dir) */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface StoreRuntimeSettings {
  /** Node-RED's user dir: relative paths (SQLite file, PEM files) are resolved against it */
  userDir?: string;
  /** settings.js `flowguard.sqliteDriver`: use only this SQLite driver (default: the first that loads) */
  sqliteDriver?: string;
}

export const REDIS_MODES: readonly RedisMode[] = ['single', 'cluster', 'sentinel'];

export function buildStoreConfig(def: StoreNodeSettings, creds: StoreNodeCredentials, runtime: StoreRuntimeSettings = {}): StoreConfig {
  const base = runtime.userDir ?? process.cwd();
  switch (def.backend) {
    case 'sqlite':
      return {
        backend: 'sqlite',
        file: path.resolve(base, def.sqlitePath || 'flowguard.sqlite'),
        // An unknown name is passed on: opening the store then fails with an error naming the known drivers.
        ...(runtime.sqliteDriver ? { driver: runtime.sqliteDriver as SqliteDriverName } : {}),
      };
    case 'redis': {
      const mode = def.redisMode || undefined;
      if (mode !== undefined && !REDIS_MODES.includes(mode as RedisMode)) {
        throw new StoreError('redis', 'BAD_CONFIG', `unknown Redis mode "${mode}"; use ${REDIS_MODES.join(', ')} (or leave it empty)`);
      }
      const tls = readTls('redis', creds, base);
      const waitReplicas = wholeNumber('redis', 'replicas to wait for', def.redisWaitReplicas, 0);
      const url = def.redisUrl || 'redis://127.0.0.1:6379';
      return {
        backend: 'redis',
        url,
        ...(mode ? { mode: mode as RedisMode } : {}),
        ...(def.redisSentinelName ? { sentinelName: def.redisSentinelName.trim() } : {}),
        username: creds.username || undefined,
        password: creds.password || undefined,
        ...(mode === 'sentinel' && creds.sentinelPassword ? { sentinelPassword: creds.sentinelPassword } : {}),
        tls: tls ?? !!def.redisTls,
        prefix: def.redisPrefix || 'fg:',
        ...(waitReplicas > 0 ? { waitReplicas, waitTimeoutMs: wholeNumber('redis', 'replica wait timeout', def.redisWaitTimeout, 1000) || 1000 } : {}),
      };
    }
    case 'postgres': {
      const tls = readTls('postgres', creds, base);
      const url = def.postgresUrl || 'postgres://127.0.0.1:5432/postgres';
      return {
        backend: 'postgres',
        url,
        username: creds.username || undefined,
        password: creds.password || undefined,
        schema: def.postgresSchema || 'flowguard',
        ...(tls || def.postgresTls ? { tls: tls ?? true } : {}),
      };
    }
    case 'memory':
    case undefined:
    case '':
      return { backend: 'memory' };
    default:
      throw new StoreError('memory', 'BAD_CONFIG', `unknown store backend "${def.backend}"; use memory, sqlite, redis or postgres`);
  }
}

/** Where the store lives, for logs: never a password. */
export function describeStoreConfig(c: StoreConfig): string {
  if (c.backend === 'sqlite') return c.file;
  if (c.backend === 'redis') return `${c.mode ?? 'redis'} ${c.url.replace(/\/\/[^@/,]*@/g, '//')}`;
  if (c.backend === 'postgres') return `${c.url.replace(/\/\/[^@/]*@/g, '//').replace(/\?.*$/, '')} schema ${c.schema}`;
  return 'memory';
}

/** The secrets among the credentials, to register for redaction. */
export function secretsOf(creds: StoreNodeCredentials): string[] {
  return [creds.password, creds.sentinelPassword, creds.tlsKey].filter((s): s is string => !!s);
}

/**
 * A password written inside a URL setting is saved in flows.json and exported with the flow, unless the setting is an
 * environment variable (`${REDIS_URL}`), which Node-RED has already replaced here: so it is not refused (a deployed
 * flow keeps working) but named, with the credential field to move it into. Checks each comma-separated entry,
 * `user:password@` and a `password=` query parameter (pg reads it).
 */
export function passwordInUrlWarning(def: StoreNodeSettings): string | undefined {
  const list = def.backend === 'redis' ? def.redisUrl : def.backend === 'postgres' ? def.postgresUrl : undefined;
  const field = def.backend === 'redis' && def.redisMode === 'sentinel' ? 'Sentinel password' : 'Password';
  for (const entry of (list ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`);
    } catch {
      continue; // not a URL: the backend refuses it with its own message
    }
    if (u.password || u.searchParams.has('password')) {
      return `a password is written in the store URL: unless the URL comes from an environment variable it is saved in the flow file and exported with the flow; enter it in the ${field} field instead (kept in Node-RED's credentials)`;
    }
  }
  return undefined;
}

/** CA / client certificate / key from the credentials: PEM text as given, or read from a file path. */
function readTls(backend: BackendName, creds: StoreNodeCredentials, base: string): { ca?: string; cert?: string; key?: string } | undefined {
  const out: { ca?: string; cert?: string; key?: string } = {};
  for (const [field, label] of [['tlsCa', 'ca'], ['tlsCert', 'cert'], ['tlsKey', 'key']] as const) {
    const given = creds[field]?.trim();
    if (!given) continue;
    if (given.startsWith('-----BEGIN')) {
      out[label] = creds[field]!;
      continue;
    }
    const file = path.resolve(base, given);
    try {
      out[label] = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const what = { ca: 'CA certificate', cert: 'client certificate', key: 'client key' }[label];
      throw new StoreError(backend, 'BAD_CONFIG', `cannot read the TLS ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; paste the PEM text or fix the path`);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function wholeNumber(backend: BackendName, what: string, value: number | string | undefined, fallback: number): number {
  try {
    return wholeNumberSetting(fallback).parse(value);
  } catch (err) {
    throw new StoreError(backend, 'BAD_CONFIG', `${what} ${(err as Error).message}`);
  }
}
