import { randomUUID } from 'crypto';
import { BackendName, Json, StoreError } from './types';

/**
 * Turns a value into the JSON text a backend stores. Rejects what JSON would mangle or drop
 * (circular structures, BigInt, functions, undefined at the top) instead of storing something else
 * than the caller gave.
 */
export function encode(backend: BackendName, value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new StoreError(backend, 'NOT_SERIALISABLE', `value cannot be stored: a ${typeof value} is not JSON`);
  }
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new StoreError(backend, 'NOT_SERIALISABLE', `value cannot be stored: ${(err as Error).message}`, { cause: err });
  }
}

export function decode(text: string): Json {
  return JSON.parse(text) as Json;
}

export function newToken(): string {
  return randomUUID();
}

export function checkName(backend: BackendName, what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StoreError(backend, 'BAD_ARGUMENT', `${what} must be a non-empty string`);
  }
}

export function checkTtl(backend: BackendName, ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StoreError(backend, 'BAD_ARGUMENT', `TTL must be a positive number of milliseconds, got ${ttlMs}`);
  }
}
