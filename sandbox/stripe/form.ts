// Stripe's v1 wire encoding: application/x-www-form-urlencoded with bracket notation
// (`metadata[plan]=gold`, `items[0][price]=price_1`, `expand[]=customer`). Values stay strings;
// the resource handlers coerce them, as Stripe does.

import { invalidRequest } from './errors';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type FormValue = string | FormObject | FormValue[];
export interface FormObject { [key: string]: FormValue }

function decodeComponent(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** `a[b][0]` → ['a', 'b', '0']; `a[]` → ['a', ''] (append). */
function splitKey(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw invalidRequest(`Invalid parameter name: ${key}`, 'parameter_invalid_string', key);
  const parts = [match[1]];
  for (const seg of match[2].matchAll(/\[([^[\]]*)\]/g)) parts.push(seg[1]);
  for (const part of parts) {
    if (FORBIDDEN_KEYS.has(part)) throw invalidRequest(`Invalid parameter name: ${key}`, 'parameter_invalid_string', key);
  }
  return parts;
}

function assign(target: FormObject, path: string[], value: string): void {
  let node: FormObject = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] === '' ? String(Object.keys(node).length) : path[i];
    const next = node[key];
    if (next === undefined || typeof next === 'string') node[key] = {};
    node = node[key] as FormObject;
  }
  const last = path[path.length - 1];
  node[last === '' ? String(Object.keys(node).length) : last] = value;
}

/** Objects whose keys are exactly 0..n-1 become arrays. */
function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = arrayify(value[key]);
  const isList = keys.length > 0 && keys.every((key, index) => key === String(index));
  return isList ? keys.map((key) => value[key]) : value;
}

export function decodeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    } catch {
      throw invalidRequest('Invalid form encoding in request.', 'parameter_invalid_string');
    }
    assign(root, splitKey(key), value);
  }
  return arrayify(root) as FormObject;
}
