/**
 * Canonical JSON (sorted keys) for fingerprints, and the "storable" copy of a msg kept by the retry schedule
 * and the dead-letter queue: JSON only, no req/res or other live objects, secrets masked.
 */
import { createHash } from 'crypto';
import { redactValue } from '../ops/redact';
import { flowError, FlowGuardError } from './errors';

/** JSON text with object keys sorted at every level, so `{a,b}` and `{b,a}` give the same text. */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): string | undefined => {
    if (v === null) return 'null';
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') throw notSerialisable(`${path} is a ${typeof v}`);
    if (v === undefined) return undefined;
    if (typeof v !== 'object') return JSON.stringify(v);
    const withJson = v as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return walk(withJson.toJSON(), path);
    if (seen.has(v)) throw notSerialisable(`${path} is circular`);
    seen.add(v);
    let out: string;
    if (Array.isArray(v)) out = `[${v.map((x, i) => walk(x, `${path}[${i}]`) ?? 'null').join(',')}]`;
    else {
      const parts: string[] = [];
      for (const k of Object.keys(v).sort()) {
        const text = walk((v as Record<string, unknown>)[k], `${path}.${k}`);
        if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
      }
      out = `{${parts.join(',')}}`;
    }
    seen.delete(v);
    return out;
  };
  return walk(value, 'value') ?? 'null';
}

/** sha256 (hex) of the canonical JSON of `value`. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function notSerialisable(what: string): FlowGuardError {
  return new FlowGuardError(flowError({ message: `cannot fingerprint the message: ${what}`, code: 'NOT_SERIALISABLE' }));
}

export interface StorableMsg {
  msg: Record<string, any>;
  /** paths that were dropped because they cannot be stored (req, res, functions, live objects, circular refs) */
  removed: string[];
}

const DROPPED_TOP_LEVEL = new Set(['req', 'res', '_session', 'socket']);

/**
 * A JSON-safe deep copy of a msg for durable storage. Drops what cannot survive JSON (noting each path),
 * turns BigInt into strings and masks secrets with redactValue. `keep` lists top-level msg paths restored
 * unmasked after redaction (internal owner tokens the flow needs back, never credentials).
 */
export function toStorableMsg(msg: Record<string, any>, keep: string[][] = []): StorableMsg {
  const removed: string[] = [];
  const seen = new WeakSet<object>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object') {
      if (v !== undefined) removed.push(path);
      return undefined;
    }
    if (seen.has(v)) {
      removed.push(path);
      return undefined;
    }
    if (Buffer.isBuffer(v)) return { type: 'Buffer', data: [...v] };
    if (isDate(v)) return v.toISOString();
    if (!Array.isArray(v) && !isPlainObject(v)) {
      // Live objects (sockets, streams, clients, class instances): only what they choose to expose as JSON.
      const withJson = v as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return walk(withJson.toJSON(), path);
      removed.push(path);
      return undefined;
    }
    seen.add(v);
    if (Array.isArray(v)) {
      // Array.from, not v.map: the copy must be an array of this realm whatever realm v came from.
      const arr = Array.from(v as unknown[], (x, i) => walk(x, `${path}[${i}]`));
      seen.delete(v);
      return arr.map((x) => (x === undefined ? null : x));
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (path === 'msg' && DROPPED_TOP_LEVEL.has(k)) {
        if (x !== undefined) removed.push(`msg.${k}`);
        continue;
      }
      const w = walk(x, `${path}.${k}`);
      if (w !== undefined) out[k] = w;
    }
    seen.delete(v);
    return out;
  };
  const copy = redactValue(walk(msg, 'msg') as Record<string, any>);
  for (const path of keep) {
    const original = getPath(msg, path);
    if (typeof original === 'string') setPath(copy, path, original);
  }
  return { msg: copy, removed };
}

// Realm-independent checks: a function node builds its objects in a vm context with its own Object and Date.
function isDate(v: object): v is Date {
  return Object.prototype.toString.call(v) === '[object Date]';
}

/** An object literal (or Object.create(null)) from any realm, as opposed to a class instance or a live object. */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function getPath(obj: any, path: string[]): unknown {
  return path.reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
}

function setPath(obj: any, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (!o || typeof o !== 'object') return;
    o = o[k];
  }
  if (o && typeof o === 'object') o[path[path.length - 1]] = value;
}
