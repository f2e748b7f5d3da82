// The sandbox org's data: records per object, DML with describe-based validation, system fields, a settable clock.
import { SfError, entityIsDeleted, malformedId, notFound } from './errors';
import { canonicalId, id18, newId } from './ids';
import { FieldDef, ObjectDef, defaultSchema, fieldLabel, fieldLength } from './schema';

/** What an Email field accepts: a local part, @, and a domain with at least one dot (Salesforce refuses the rest). */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

export type SfRecord = Record<string, unknown>;

/** One committed change, for the CDC event stream. */
export interface OrgChange {
  entity: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE';
  record: SfRecord;
  /** UPDATE: the fields set (nulled ones included), LastModifiedDate, and LastModifiedById when it changed; else []. */
  changedFields: string[];
  userId: string;
  at: number;
}

/**
 * The changes of one committed transaction, in order. `database`: applied at the database layer, outside an
 * application-server transaction (archiving, a cleanup job), for which Salesforce sends gap events.
 */
export interface OrgCommit {
  changes: OrgChange[];
  database: boolean;
}

export interface DmlResult {
  id: string;
  created: boolean;
  /** A platform event inserted like a record: the event's UUID, answered with the status OPERATION_ENQUEUED. */
  eventUuid?: string;
}

/** The REST / Collections `errors` of a successful DML: empty, or OPERATION_ENQUEUED for a published platform event. */
export const dmlNotices = (r: DmlResult): Array<{ statusCode: string; message: string; fields: string[] }> =>
  (r.eventUuid ? [{ statusCode: 'OPERATION_ENQUEUED', message: r.eventUuid, fields: [] }] : []);

/** Salesforce's datetime format: 2024-05-01T12:34:56.000+0000. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function parseDateTime(value: string): number {
  const fixed = value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(fixed);
  return ms;
}

export class Org {
  readonly organizationId = id18('00D5g000004Flow');
  objects = new Map<string, ObjectDef>();
  private records = new Map<string, Map<string, SfRecord>>();
  private indexes = new Map<string, Map<string, Set<string>>>();
  private idCounter = 0;
  /**
   * Publishes a platform event (`<Name>__e`) inserted like a record through REST or Collections (set by the Pub/Sub
   * event bus); undefined when no such event is defined.
   */
  publishPlatformEvent: ((type: string, input: SfRecord, userId: string) => DmlResult | undefined) | undefined;
  /** Called after every committed transaction (the CometD / CDC emulation listens). */
  changeListeners: Array<(commit: OrgCommit) => void> = [];
  /** The changes of the transaction in progress (see `transaction`). */
  private pending: OrgChange[] | undefined;
  /** One time for every change of a transaction (the records of one DML statement share their stamps). */
  private transactionNow: number | undefined;
  /** When set, the org clock is frozen at this epoch ms (tests use it to create SystemModstamp ties). */
  frozenNow: number | undefined;

  constructor(schema: ObjectDef[] = defaultSchema()) {
    for (const def of schema) this.objects.set(def.name.toLowerCase(), def);
    this.reset();
  }

  reset(): void {
    this.records = new Map([...this.objects.keys()].map((k) => [k, new Map()]));
    this.indexes.clear();
    this.idCounter = 0;
    this.frozenNow = undefined;
  }

  now(): number {
    return this.frozenNow ?? this.transactionNow ?? Date.now();
  }

  object(type: string): ObjectDef {
    const def = this.objects.get(type.toLowerCase());
    if (!def) throw new SfError(404, 'NOT_FOUND', `The requested resource does not exist`);
    return def;
  }

  /** Throws INVALID_TYPE like Salesforce's query parser does for an unknown object. */
  objectForQuery(type: string): ObjectDef {
    const def = this.objects.get(type.toLowerCase());
    if (!def) throw new SfError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return def;
  }

  field(def: ObjectDef, name: string): FieldDef | undefined {
    const lower = name.toLowerCase();
    return def.fields.find((f) => f.name.toLowerCase() === lower);
  }

  newId(def: ObjectDef): string {
    return newId(def.keyPrefix, ++this.idCounter);
  }

  /** The canonical 18-character Id of `raw` for this object; MALFORMED_ID when it is no Id of this object. */
  idOf(def: ObjectDef, raw: unknown): string {
    const id = canonicalId(raw);
    if (!id || !id.startsWith(def.keyPrefix)) throw malformedId(def, raw);
    return id;
  }

  /** The object an Id belongs to (by key prefix), if any. */
  objectOfId(id: string): ObjectDef | undefined {
    return [...this.objects.values()].find((d) => id.startsWith(d.keyPrefix));
  }

  /** Records of a type, in insertion order; deleted ones only when asked. */
  all(type: string, includeDeleted = false): SfRecord[] {
    const def = this.object(type);
    const rows = [...(this.records.get(def.name.toLowerCase()) ?? new Map()).values()];
    return includeDeleted ? rows : rows.filter((r) => r.IsDeleted !== true);
  }

  /** A live record by a 15- or 18-character Id: MALFORMED_ID, NOT_FOUND, or ENTITY_IS_DELETED (in the recycle bin). */
  get(type: string, rawId: string): SfRecord {
    const def = this.object(type);
    const rec = this.records.get(def.name.toLowerCase())?.get(this.idOf(def, rawId));
    if (!rec) throw notFound();
    if (rec.IsDeleted === true) throw entityIsDeleted();
    return rec;
  }

  /** Any record by Id, deleted ones included (undefined for text that is no Id). */
  findAnyById(rawId: string): SfRecord | undefined {
    const id = canonicalId(rawId);
    if (!id) return undefined;
    for (const table of this.records.values()) {
      const rec = table.get(id);
      if (rec) return rec;
    }
    return undefined;
  }

  findById(rawId: string): SfRecord | undefined {
    const rec = this.findAnyById(rawId);
    return rec && rec.IsDeleted !== true ? rec : undefined;
  }

  findByExternalId(def: ObjectDef, field: FieldDef, value: unknown): SfRecord[] {
    const ids = this.indexFor(def, field).get(String(value).toLowerCase()) ?? new Set<string>();
    const table = this.records.get(def.name.toLowerCase())!;
    return [...ids].map((id) => table.get(id)!).filter((r) => r.IsDeleted !== true && String(r[field.name]) === String(value));
  }

  /** Lookup index per external id / unique field (case-insensitive keys), kept up to date by the DML methods. */
  private indexFor(def: ObjectDef, field: FieldDef): Map<string, Set<string>> {
    const key = `${def.name}.${field.name}`.toLowerCase();
    let index = this.indexes.get(key);
    if (!index) {
      index = new Map();
      for (const r of this.records.get(def.name.toLowerCase())?.values() ?? []) addToIndex(index, r[field.name], String(r.Id));
      this.indexes.set(key, index);
    }
    return index;
  }

  private reindex(def: ObjectDef, before: SfRecord | undefined, after: SfRecord): void {
    for (const f of def.fields.filter((x) => x.unique || x.externalId)) {
      const index = this.indexes.get(`${def.name}.${f.name}`.toLowerCase());
      if (!index) continue;
      if (before) index.get(String(before[f.name]).toLowerCase())?.delete(String(after.Id));
      addToIndex(index, after[f.name], String(after.Id));
    }
  }

  create(type: string, input: SfRecord, userId: string): DmlResult {
    if (/__e$/i.test(type)) {
      const published = this.publishPlatformEvent?.(type, input, userId);
      if (published) return published;
    }
    const def = this.object(type);
    const values = this.validate(def, input, true);
    const id = this.newId(def);
    const stamp = formatDateTime(this.now());
    const rec: SfRecord = {
      Id: id, IsDeleted: false, CreatedDate: stamp, CreatedById: userId,
      LastModifiedDate: stamp, LastModifiedById: userId, SystemModstamp: stamp,
    };
    for (const f of def.fields) if (!f.system) rec[f.name] = values[f.name] ?? (f.type === 'boolean' ? false : null);
    this.checkUnique(def, rec);
    this.records.get(def.name.toLowerCase())!.set(id, rec);
    this.reindex(def, undefined, rec);
    this.notify(def.name, 'CREATE', rec, [], userId);
    return { id, created: true };
  }

  update(type: string, rawId: string, input: SfRecord, userId: string): DmlResult {
    const def = this.object(type);
    const rec = this.get(def.name, rawId);
    const id = String(rec.Id);
    const values = this.validate(def, input, false);
    const next = { ...rec, ...values };
    this.checkUnique(def, next);
    const stamp = formatDateTime(this.now());
    const before = { ...rec };
    Object.assign(rec, values, { LastModifiedDate: stamp, LastModifiedById: userId, SystemModstamp: stamp });
    this.reindex(def, before, rec);
    const system = ['LastModifiedDate', ...(before.LastModifiedById !== userId ? ['LastModifiedById'] : [])];
    this.notify(def.name, 'UPDATE', rec, [...Object.keys(values), ...system], userId);
    return { id, created: false };
  }

  upsert(type: string, externalField: string, externalValue: unknown, input: SfRecord, userId: string): DmlResult {
    const def = this.object(type);
    const field = this.field(def, externalField);
    if (!field || !(field.externalId || field.type === 'id')) {
      throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${externalField}`);
    }
    if (field.type === 'id') {
      if (externalValue) return this.update(def.name, String(externalValue), input, userId);
      return this.create(def.name, input, userId);
    }
    if (externalValue === null || externalValue === undefined || externalValue === '') {
      throw new SfError(400, 'MISSING_ARGUMENT', `${field.name} not specified`);
    }
    const matches = this.findByExternalId(def, field, externalValue);
    if (matches.length > 1) throw new SfError(300, 'MULTIPLE_CHOICES', 'Multiple records found');
    const body = { ...input, [field.name]: externalValue };
    if (matches.length === 1) return this.update(def.name, matches[0].Id as string, body, userId);
    return this.create(def.name, body, userId);
  }

  delete(type: string, rawId: string, userId = ''): DmlResult {
    const rec = this.get(type, rawId);
    const id = String(rec.Id);
    rec.IsDeleted = true;
    rec.SystemModstamp = formatDateTime(this.now());
    this.notify(this.object(type).name, 'DELETE', rec, [], userId);
    return { id, created: false };
  }

  /**
   * Runs `fn` as one transaction: its changes are published together when it returns (a merged change event,
   * overflow), and undone when it throws, as Salesforce rolls a failed transaction back (unless `partial`). Nested
   * calls join the outer one.
   */
  transaction<T>(fn: () => T, opts: { database?: boolean; partial?: boolean } = {}): T {
    if (this.pending) return fn();
    // partial: the caller keeps each failed record out itself (every DML here validates before it changes anything),
    // so no snapshot is taken; what was applied before an unexpected throw is published, not undone.
    const snap = opts.partial ? undefined : this.snapshot();
    this.pending = [];
    this.transactionNow = this.now();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const applied = this.pending;
      this.pending = undefined;
      this.transactionNow = undefined;
      if (snap) this.restore(snap);
      else this.publish({ changes: applied, database: opts.database === true });
      throw err;
    }
    const changes = this.pending;
    this.pending = undefined;
    this.transactionNow = undefined;
    this.publish({ changes, database: opts.database === true });
    return result;
  }


  private notify(entity: string, changeType: OrgChange['changeType'], record: SfRecord, changedFields: string[], userId: string): void {
    const change = { entity, changeType, record: { ...record }, changedFields, userId, at: this.now() };
    if (this.pending) this.pending.push(change);
    else this.publish({ changes: [change], database: false });
  }

  private publish(commit: OrgCommit): void {
    if (commit.changes.length) for (const l of this.changeListeners) l(commit);
  }

  /** Deep copy for composite allOrNone rollback and the state dump. */
  snapshot(): { records: Array<[string, Array<[string, SfRecord]>]>; idCounter: number } {
    return {
      records: [...this.records].map(([k, table]) => [k, [...table].map(([id, r]) => [id, { ...r }])]),
      idCounter: this.idCounter,
    };
  }

  restore(snap: ReturnType<Org['snapshot']>): void {
    this.records = new Map(snap.records.map(([k, rows]) => [k, new Map(rows.map(([id, r]) => [id, { ...r }]))]));
    this.indexes.clear();
    this.idCounter = snap.idCounter;
  }

  /** Coerces input to field types; unknown field → INVALID_FIELD, missing required → REQUIRED_FIELD_MISSING. */
  private validate(def: ObjectDef, input: SfRecord, creating: boolean): SfRecord {
    const out: SfRecord = {};
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes' || (key.toLowerCase() === 'id')) continue;
      const field = this.field(def, key);
      if (!field) {
        throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key]);
      }
      if (field.system) {
        throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [field.name]);
      }
      out[field.name] = this.coerce(field, raw);
    }
    const missing = def.fields
      .filter((f) => f.required && !f.system)
      .filter((f) => (creating ? out[f.name] === undefined || out[f.name] === null || out[f.name] === '' : f.name in out && (out[f.name] === null || out[f.name] === '')))
      .map((f) => f.name);
    if (missing.length) {
      throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    }
    return out;
  }

  private coerce(field: FieldDef, raw: unknown): unknown {
    // Salesforce stores an empty string as null; a checkbox is never null.
    if (raw === null || raw === undefined || raw === '') return field.type === 'boolean' ? false : null;
    const bad = (): SfError => new SfError(400, 'INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.name}: value not of required type: ${String(raw)}`, [field.name]);
    switch (field.type) {
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw bad();
      case 'double': case 'currency': case 'int': {
        const n = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) throw bad();
        return n;
      }
      case 'date': {
        const s = String(raw).slice(0, 10);
        if (!/^\d{4}-\d\d-\d\d$/.test(s) || Number.isNaN(Date.parse(s))) throw bad();
        return s;
      }
      case 'datetime': {
        const ms = parseDateTime(String(raw));
        if (Number.isNaN(ms)) throw bad();
        return formatDateTime(ms);
      }
      case 'reference': {
        const target = this.object(field.referenceTo ?? 'User');
        const id = canonicalId(raw);
        if (!id) throw malformedId(target, raw, [field.name]);
        if (!id.startsWith(target.keyPrefix)) {
          throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', `${target.label} ID: id value of incorrect type: ${String(raw)}`, [field.name]);
        }
        // Users live in the sandbox's auth state, not in the org tables.
        if (target.name !== 'User' && !this.findById(id)) {
          throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name]);
        }
        return id;
      }
      default: {
        if (typeof raw === 'object') throw bad();
        const text = String(raw);
        const max = fieldLength(field);
        if (max && text.length > max) {
          throw new SfError(400, 'STRING_TOO_LONG', `${fieldLabel(field)}: data value too large: ${text} (max length=${max})`, [field.name]);
        }
        if (field.type === 'email' && !EMAIL.test(text)) {
          throw new SfError(400, 'INVALID_EMAIL_ADDRESS', `${fieldLabel(field)}: invalid email address: ${text}`, [field.name]);
        }
        return text;
      }
    }
  }

  private checkUnique(def: ObjectDef, rec: SfRecord): void {
    for (const f of def.fields.filter((x) => x.unique)) {
      const value = rec[f.name];
      if (value === null || value === undefined || value === '') continue;
      const clash = this.findByExternalId(def, f, value).find((r) => r.Id !== rec.Id);
      if (clash) {
        throw new SfError(400, 'DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${String(clash.Id)}`, [f.name]);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, value: unknown, id: string): void {
  if (value === null || value === undefined || value === '') return;
  const key = String(value).toLowerCase();
  if (!index.has(key)) index.set(key, new Set());
  index.get(key)!.add(id);
}
