// Property paths such as `address.city`, `lines[0].amount` or `metadata["order.id"]`,
// parsed once at compile time into key lists so that each message only walks arrays.

export type PathKey = string | number;

const SEGMENT = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(["'])((?:\\.|(?!\3).)*)\3\])/;

/** Parses a path into keys; throws on malformed input (reported at deploy). */
export function parsePath(path: string): PathKey[] {
  if (typeof path !== 'string' || path.trim() === '') throw new Error('path is empty');
  const keys: PathKey[] = [];
  let rest = path.trim();
  let first = true;
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    // A leading dot is only allowed between segments.
    if (!match || (first && rest.startsWith('.'))) {
      throw new Error(`invalid path "${path}" near "${rest}"`);
    }
    const key = match[1] ?? (match[2] !== undefined ? Number(match[2]) : match[4].replace(/\\(.)/g, '$1'));
    // A spec must never be able to reach or replace Object prototypes.
    if (key === '__proto__' || key === 'prototype' || key === 'constructor') {
      throw new Error(`path "${path}" uses the reserved key "${key}"`);
    }
    keys.push(key);
    rest = rest.slice(match[0].length);
    first = false;
  }
  return keys;
}

/** Renders keys back to the canonical path text used in violations and diffs. */
export function formatPath(keys: PathKey[]): string {
  let text = '';
  for (const key of keys) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

export function getPath(root: unknown, keys: PathKey[]): unknown {
  let current: any = root;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = current[key];
  }
  return current;
}

/** Sets a value, creating objects (or arrays for numeric keys) on the way. */
export function setPath(root: Record<string, any>, keys: PathKey[], value: unknown): void {
  let current: any = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    let next = current[key];
    if (next === null || typeof next !== 'object') {
      next = typeof keys[i + 1] === 'number' ? [] : {};
      current[key] = next;
    }
    current = next;
  }
  current[keys[keys.length - 1]] = value;
}
