// Coercion and validation of decoded form params, with Stripe's error codes.

import type { FormObject, FormValue } from './form';
import { invalidRequest, missingParam } from './errors';

export type Params = FormObject;

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${name}`, 'parameter_invalid_string', name);
  return value;
}

export function requireString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

export function optionalInt(params: Params, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, 'parameter_invalid_integer', name);
  return Number(value);
}

export function requireInt(params: Params, name: string): number {
  const value = optionalInt(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function requirePositiveAmount(params: Params, name: string): number {
  const value = requireInt(params, name);
  if (value < 1) throw invalidRequest('Amount must be at least 1.', 'amount_too_small', name);
  return value;
}

export function optionalBool(params: Params, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, 'parameter_invalid_boolean', name);
  return value === 'true';
}

export function optionalEnum<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}`, 'parameter_invalid_string', name);
  }
  return value as T;
}

export function optionalStringList(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return value === '' ? [] : undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item): item is string => typeof item === 'string')) throw invalidRequest(`Invalid array: ${name}`, 'parameter_invalid_array', name);
  return list;
}

export function optionalObject(params: Params, name: string): FormObject | undefined {
  const value: FormValue | undefined = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Invalid hash: ${name}`, 'parameter_invalid_hash', name);
  return value;
}

/** The paths of `expand` (`expand[]=a&expand[]=b`, `expand[0]=a` or a single `expand=a`). */
export function expandPaths(value: FormValue | undefined): string[] {
  if (value === undefined || value === '') return [];
  const paths = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  if (!paths.every((path): path is string => typeof path === 'string')) throw invalidRequest('Invalid array', 'parameter_invalid_array', 'expand');
  return paths;
}

/** Stripe rejects parameters it does not know; this catches typos in the node's requests early. */
export function rejectUnknown(params: Params, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (name === 'expand' || name === 'metadata') continue;
    if (!allowed.includes(name)) throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
  }
}

/**
 * Stripe's metadata limits: "up to 50 keys, with key names up to 40 characters long and values up to 500 characters
 * long" (https://docs.stripe.com/api/metadata). The messages are Stripe's (stripe/stripe-php#246 for keys and values;
 * the key count as Stripe words it when an update brings an object to 51 keys).
 */
export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 };

/** Metadata update semantics: keys merge, an empty value removes a key, `metadata=` clears everything. */
export function mergeMetadata(current: Record<string, string>, params: Params): Record<string, string> {
  const update = params.metadata;
  if (update === undefined) return current;
  if (update === '') return {};
  if (typeof update !== 'object' || Array.isArray(update)) throw invalidRequest('Invalid hash: metadata', 'parameter_invalid_hash', 'metadata');
  const merged = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (typeof value !== 'string') throw invalidRequest(`Invalid metadata value for ${key}`, 'parameter_invalid_string', `metadata[${key}]`);
    if (key.length > METADATA_LIMITS.keyLength) {
      throw invalidRequest(`Invalid key: ${key} must be a string under ${METADATA_LIMITS.keyLength} characters`, undefined, 'metadata');
    }
    if (value.length > METADATA_LIMITS.valueLength) {
      throw invalidRequest(`Invalid val: ${value} must be a string under ${METADATA_LIMITS.valueLength} characters`, undefined, 'metadata');
    }
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  const count = Object.keys(merged).length;
  if (count > METADATA_LIMITS.keys) {
    throw invalidRequest(`Metadata can have up to ${METADATA_LIMITS.keys} keys, but you've set ${count}. Email us at support+metadata@stripe.com for more information.`, undefined, 'metadata');
  }
  return merged;
}
