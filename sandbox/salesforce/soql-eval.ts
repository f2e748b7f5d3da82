// Runs a parsed SOQL query against the org: type-checked filters, ordering, paging, projection.
import { SfError } from './errors';
import { compareIds, idBase } from './ids';
import { Org, SfRecord, parseDateTime } from './org';
import { FieldDef, ObjectDef } from './schema';
import { Cond, Value, parseSoql } from './soql-parse';

interface ResolvedField { def: FieldDef; get: (rec: SfRecord) => unknown }

export interface QueryOutcome { totalSize: number; records: SfRecord[] }

export function runSoql(org: Org, soql: string, version: string, includeDeleted: boolean): QueryOutcome {
  const query = parseSoql(soql, org.now());
  const def = org.objectForQuery(query.object);
  const resolve = (path: string): ResolvedField => resolveField(org, def, path);
  const where = query.where ? compileCond(query.where, resolve) : () => true;
  let rows = org.all(def.name, includeDeleted).filter(where);
  // SOQL reference, OFFSET: "The maximum offset is 2,000 rows. Requesting an offset greater than 2,000 results in
  // a NUMBER_OUTSIDE_VALID_RANGE error."
  if ((query.offset ?? 0) > 2000) throw new SfError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed for apiName ${def.name} is 2000`);
  if (query.count) return { totalSize: rows.length, records: [] };
  if (query.orderBy.length) {
    const keys = query.orderBy.map((o) => ({ ...o, field: resolve(o.field) }));
    for (const k of keys) if (k.field.def.type === 'textarea') throw unusableLongText(k.field.def, 'sorted');
    rows = [...rows].sort((a, b) => {
      for (const k of keys) {
        const c = compareForSort(k.field.get(a), k.field.get(b), k.field.def, k.desc, k.nullsLast);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  rows = rows.slice(query.offset ?? 0, query.limit === undefined ? undefined : (query.offset ?? 0) + query.limit);
  const fields = query.fields.map((f) => ({ path: f, field: resolve(f) }));
  return { totalSize: rows.length, records: rows.map((r) => project(org, def, r, fields, version)) };
}

function attributes(type: string, id: unknown, version: string): Record<string, string> {
  return { type, url: `/services/data/v${version}/sobjects/${type}/${String(id)}` };
}

function project(org: Org, def: ObjectDef, rec: SfRecord, fields: Array<{ path: string; field: ResolvedField }>, version: string): SfRecord {
  const out: SfRecord = { attributes: attributes(def.name, rec.Id, version) };
  for (const { path, field } of fields) {
    const parts = path.split('.');
    if (parts.length === 1) { out[field.def.name] = rec[field.def.name] ?? null; continue; }
    // Parent relationship, e.g. Account.Name → { Account: { attributes, Name } } (null when no parent).
    const ref = relationshipField(def, parts[0])!;
    const parent = rec[ref.name] ? org.findById(String(rec[ref.name])) : undefined;
    const relName = ref.name.slice(0, -2);
    if (!parent) { out[relName] = null; continue; }
    const parentDef = org.object(ref.referenceTo!);
    const nested = (out[relName] as SfRecord | undefined) ?? { attributes: attributes(parentDef.name, parent.Id, version) };
    nested[field.def.name] = parent[field.def.name] ?? null;
    out[relName] = nested;
  }
  return out;
}

function relationshipField(def: ObjectDef, rel: string): FieldDef | undefined {
  return def.fields.find((f) => f.type === 'reference' && f.name.toLowerCase() === `${rel.toLowerCase()}id`);
}

function resolveField(org: Org, def: ObjectDef, path: string): ResolvedField {
  const parts = path.split('.');
  const noColumn = (): SfError => new SfError(400, 'INVALID_FIELD', `No such column '${path}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
  if (parts.length === 1) {
    const f = org.field(def, path);
    if (!f) throw noColumn();
    return { def: f, get: (r) => r[f.name] };
  }
  if (parts.length !== 2) throw noColumn();
  const ref = relationshipField(def, parts[0]);
  if (!ref?.referenceTo) throw noColumn();
  const parentDef = org.object(ref.referenceTo);
  const f = org.field(parentDef, parts[1]);
  if (!f) throw noColumn();
  return { def: f, get: (r) => (r[ref.name] ? org.findById(String(r[ref.name]))?.[f.name] : undefined) };
}

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const ID_TYPES = new Set(['id', 'reference']);
const NUMBER_TYPES = new Set(['double', 'currency', 'int']);

function typeError(field: FieldDef, expected: string): SfError {
  return new SfError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${field.name}' must be of type ${expected} and should not be enclosed in quotes`);
}

/** Turns a date/datetime field value into epoch ms. */
function timeOf(field: FieldDef, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return field.type === 'date' ? Date.parse(`${String(v)}T00:00:00Z`) : parseDateTime(String(v));
}

/**
 * An Id literal's 15-character base; '' stands for null. Anything else that is no 15- or 18-character Id is
 * refused the way Salesforce does ("invalid ID field: x", INVALID_QUERY_FILTER_OPERATOR).
 */
function idLiteral(field: FieldDef, value: Value): Value {
  if (value.kind !== 'string') {
    if (value.kind === 'null') return value;
    throw typeError(field, 'id');
  }
  if (value.v === '') return { kind: 'null' };
  const base = idBase(value.v);
  if (base === undefined) throw new SfError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${value.v}`);
  return { kind: 'string', v: base };
}

function compareValue(field: FieldDef, recValue: unknown, op: string, literal: Value): boolean {
  const value = ID_TYPES.has(field.type) ? idLiteral(field, literal) : literal;
  if (value.kind === 'null') {
    if (op === '=') return recValue === null || recValue === undefined;
    if (op === '!=') return recValue !== null && recValue !== undefined;
    throw new SfError(400, 'MALFORMED_QUERY', 'null can only be compared with = or !=');
  }
  if (recValue === null || recValue === undefined) return op === '!=';
  if (field.type === 'date' || field.type === 'datetime') {
    const t = timeOf(field, recValue)!;
    let start: number;
    let end: number;
    if (value.kind === 'date') ({ start, end } = value);
    else if (value.kind === 'datetime' && field.type === 'datetime') { start = value.ms; end = value.ms + 1; } else throw typeError(field, field.type);
    switch (op) {
      case '=': return t >= start && t < end;
      case '!=': return t < start || t >= end;
      case '<': return t < start;
      case '<=': return t < end;
      case '>': return t >= end;
      default: return t >= start;
    }
  }
  let c: number;
  if (NUMBER_TYPES.has(field.type)) {
    if (value.kind !== 'number') throw typeError(field, 'double');
    c = Number(recValue) - value.v;
  } else if (field.type === 'boolean') {
    if (value.kind !== 'bool') throw typeError(field, 'boolean');
    c = Number(recValue) - Number(value.v);
  } else if (ID_TYPES.has(field.type)) {
    // Ids compare by their case-sensitive 15-character base, in WHERE as in ORDER BY.
    c = compareIds(String(recValue), (value as { v: string }).v);
  } else {
    if (value.kind !== 'string') throw typeError(field, 'string');
    c = compareText(String(recValue), value.v);
  }
  switch (op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    default: return c >= 0;
  }
}

/** LIKE: % and _ wildcards, \% and \_ literals, case-insensitive. */
function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) { re += pattern[++i] === '%' ? '%' : '_'; continue; }
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** A long text area "can't be used in ORDER BY" nor filtered on (SOQL reference); Salesforce names the field. */
const unusableLongText = (f: FieldDef, how: 'sorted' | 'filtered'): SfError =>
  new SfError(400, 'INVALID_FIELD', `field '${f.name}' can not be ${how} in a query call`);

/**
 * Text compares as SOQL orders it in an English locale: by "the UTF-8 values of the uppercase characters" (ORDER BY
 * reference), so case-insensitively, and WHERE Name > x agrees with ORDER BY Name.
 */
function compareText(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function compileCond(cond: Cond, resolve: (p: string) => ResolvedField): (rec: SfRecord) => boolean {
  if ('field' in cond) {
    const f = resolve(cond.field);
    if (f.def.type === 'textarea') throw unusableLongText(f.def, 'filtered');
  }
  switch (cond.kind) {
    case 'and': { const l = compileCond(cond.left, resolve); const r = compileCond(cond.right, resolve); return (x) => l(x) && r(x); }
    case 'or': { const l = compileCond(cond.left, resolve); const r = compileCond(cond.right, resolve); return (x) => l(x) || r(x); }
    case 'not': { const inner = compileCond(cond.cond, resolve); return (x) => !inner(x); }
    case 'like': {
      const f = resolve(cond.field);
      if (ID_TYPES.has(f.def.type)) throw new SfError(400, 'INVALID_QUERY_FILTER_OPERATOR', 'invalid operator on id field');
      if (!TEXT_TYPES.has(f.def.type)) throw typeError(f.def, f.def.type);
      const re = likeToRegExp(cond.pattern);
      return (x) => { const v = f.get(x); return v !== null && v !== undefined && re.test(String(v)); };
    }
    case 'in': {
      const f = resolve(cond.field);
      for (const v of cond.values) compareValue(f.def, sampleFor(f.def), '=', v);
      return (x) => {
        const hit = cond.values.some((v) => compareValue(f.def, f.get(x), '=', v));
        return cond.not ? !hit : hit;
      };
    }
    default: {
      const f = resolve(cond.field);
      // Type-check once, up front, so a bad literal fails even on an empty table.
      compareValue(f.def, sampleFor(f.def), cond.op, cond.value);
      return (x) => compareValue(f.def, f.get(x), cond.op, cond.value);
    }
  }
}

function sampleFor(f: FieldDef): unknown {
  if (NUMBER_TYPES.has(f.type)) return 0;
  if (f.type === 'boolean') return false;
  if (f.type === 'date') return '2000-01-01';
  if (f.type === 'datetime') return '2000-01-01T00:00:00.000+0000';
  return '';
}

function compareForSort(a: unknown, b: unknown, f: FieldDef, desc: boolean, nullsLast: boolean): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : (aNull ? -1 : 1) * (nullsLast ? -1 : 1);
  return (desc ? -1 : 1) * compareValues(a, b, f);
}

function compareValues(a: unknown, b: unknown, f: FieldDef): number {
  if (NUMBER_TYPES.has(f.type) || f.type === 'boolean') return Number(a) - Number(b);
  if (f.type === 'date' || f.type === 'datetime') return timeOf(f, a)! - timeOf(f, b)!;
  if (ID_TYPES.has(f.type)) return compareIds(String(a), String(b));
  return compareText(String(a), String(b));
}
