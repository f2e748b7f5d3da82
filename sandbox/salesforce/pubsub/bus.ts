// The sandbox's event bus for the Pub/Sub API: one log of Avro-encoded events (change events as the org commits
// them, platform events as they are published), each with a replay id, kept for a configurable number of events and
// hours; topics are views of the log. Subscriptions read it with flow control (only as many events as requested).
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { decodeChangeEventHeader } from '../../../lib/salesforce/pubsub/bitmap';
import { encodeFieldBitmap, schemaFieldList } from './bitmap';
import {
  AvroRecordSchema, DescribedField, changeEventName, changeEventSchema, dateToEpochDays, platformEventSchema, schemaIdOf,
} from './schemas';
import { SfError } from '../errors';
import { newId } from '../ids';
import { DmlResult, Org, SfRecord, parseDateTime } from '../org';
import { describeField } from '../schema';

export interface BusEvent {
  replayId: bigint;
  /** ProducerEvent.id: the publisher's UUID for a platform event, a new one for a change event. */
  id: string;
  schemaId: string;
  payload: Buffer;
  /** Topics the event appears on. */
  topics: Set<string>;
  storedAt: number;
}

export interface PlatformEventDef { name: string; fields: DescribedField[] }
export interface ChannelDef { name: string; entities: string[] }

export interface RetentionConfig {
  /** Events kept in the log; older ones are purged (Salesforce keeps 72 hours' worth, the sandbox also caps the count). */
  retentionEvents: number;
  retentionHours: number;
}

export const DEFAULT_RETENTION: RetentionConfig = { retentionEvents: 100_000, retentionHours: 72 };

interface Schema { id: string; json: string; parsed: AvroRecordSchema; type: avro.Type; fields: ReturnType<typeof schemaFieldList> }

/** A topic as GetTopic describes it. */
export interface TopicView { name: string; schemaId: string; canPublish: boolean; canSubscribe: boolean }

/** A field value as JSON carries it → the Avro value of a platform event field (INVALID_TYPE_ON_FIELD_IN_RECORD if it is none). */
function avroValue(field: DescribedField, raw: unknown): unknown {
  if (raw === null || raw === undefined || raw === '') return null;
  const bad = () => new SfError(400, 'INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.name}: value not of required type: ${String(raw)}`, [field.name]);
  switch (field.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad();
    case 'double': case 'currency': case 'percent': case 'int': case 'long': {
      const n = Number(raw);
      if (typeof raw === 'object' || !Number.isFinite(n) || (['int', 'long'].includes(field.type) && !Number.isInteger(n))) throw bad();
      return n;
    }
    case 'date': {
      const days = dateToEpochDays(String(raw).slice(0, 10));
      if (!Number.isFinite(days)) throw bad();
      return days;
    }
    case 'datetime': {
      const ms = parseDateTime(String(raw));
      if (Number.isNaN(ms)) throw bad();
      return ms;
    }
    default:
      if (typeof raw === 'object') throw bad();
      return String(raw);
  }
}

/** Replay ids on the wire: 8 bytes, big-endian (what Salesforce's own samples read with ByteBuffer.getLong). */
export const replayIdBytes = (id: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(id); return b; };
export const replayIdOf = (bytes: Buffer): bigint | undefined => (bytes.length === 8 ? bytes.readBigUInt64BE() : undefined);

export class EventBus {
  private log: BusEvent[] = [];
  private lastReplayId = 0n;
  /** Replay id of the newest purged event: a stored id below it names events that are gone. */
  purgedThrough = 0n;
  retention: RetentionConfig = { ...DEFAULT_RETENTION };
  platformEvents = new Map<string, PlatformEventDef>();
  channels = new Map<string, ChannelDef>();
  private schemas = new Map<string, Schema>();
  /** Each object's current change event schema, with the describe it was derived from. */
  private changeSchemas = new Map<string, { fields: readonly unknown[]; count: number; schema: Schema }>();
  private listeners = new Set<() => void>();
  private eventIdCounter = 0;

  constructor(private readonly org: Org) {
    org.publishPlatformEvent = (type, input, userId) => this.publishRecord(type, input, userId);
  }

  reset(): void {
    this.log = [];
    this.lastReplayId = 0n;
    this.purgedThrough = 0n;
    this.retention = { ...DEFAULT_RETENTION };
    this.platformEvents.clear();
    this.channels.clear();
    this.eventIdCounter = 0;
    this.wake();
  }

  get latestReplayId(): bigint { return this.lastReplayId; }

  /** Calls `fn` after every append (subscriptions wait on it). */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private wake(): void { for (const l of [...this.listeners]) l(); }

  schema(id: string): Schema | undefined { return this.schemas.get(id); }

  private register(parsed: AvroRecordSchema): Schema {
    const json = JSON.stringify(parsed);
    const id = schemaIdOf(json);
    let s = this.schemas.get(id);
    if (!s) {
      s = { id, json, parsed, type: avro.Type.forSchema(parsed as avro.Schema), fields: schemaFieldList(parsed) };
      this.schemas.set(id, s);
    }
    return s;
  }

  /** The current schema of an object's change events (from the org's describe). */
  changeSchema(entity: string): Schema {
    const def = this.org.object(entity);
    // Deriving, serialising and hashing the schema costs more than the event itself: it is derived again only when
    // the object's field list changed (a bulk change of hundreds of records must not hold the event loop).
    const cached = this.changeSchemas.get(def.name);
    if (cached && cached.fields === def.fields && cached.count === def.fields.length) return cached.schema;
    const schema = this.register(changeEventSchema({ name: def.name, fields: def.fields.map((f) => ({ name: f.name, type: String(describeField(f).type) })) }));
    this.changeSchemas.set(def.name, { fields: def.fields, count: def.fields.length, schema });
    return schema;
  }

  platformSchema(name: string): Schema | undefined {
    const def = this.platformEvents.get(name.toLowerCase());
    return def ? this.register(platformEventSchema(def)) : undefined;
  }

  /** The topic named, or undefined when it does not exist in this org. */
  topic(name: string): TopicView | undefined {
    if (name === '/data/ChangeEvents') return { name, schemaId: '', canPublish: false, canSubscribe: true };
    const change = /^\/data\/(\w+)ChangeEvent$/.exec(name);
    if (change) {
      const def = [...this.org.objects.values()].find((d) => changeEventName(d.name) === `${change[1]}ChangeEvent`);
      return def ? { name, schemaId: this.changeSchema(def.name).id, canPublish: false, canSubscribe: true } : undefined;
    }
    const channel = /^\/data\/(\w+__chn)$/.exec(name);
    if (channel) return this.channels.has(channel[1].toLowerCase()) ? { name, schemaId: '', canPublish: false, canSubscribe: true } : undefined;
    const event = /^\/event\/(\w+__e)$/.exec(name);
    if (event) {
      const schema = this.platformSchema(event[1]);
      return schema ? { name, schemaId: schema.id, canPublish: true, canSubscribe: true } : undefined;
    }
    return undefined;
  }

  /** Topic names are matched case-insensitively by Salesforce; events are stored under the canonical spelling. */
  canonicalTopic(name: string): string {
    const event = /^\/event\/(\w+__e)$/i.exec(name);
    if (event) return `/event/${this.platformEvents.get(event[1].toLowerCase())?.name ?? event[1]}`;
    return name;
  }

  append(topics: Set<string>, schema: Schema, record: Record<string, unknown>, id: string = randomUUID()): BusEvent {
    const event: BusEvent = { replayId: ++this.lastReplayId, id, schemaId: schema.id, payload: schema.type.toBuffer(record), topics, storedAt: Date.now() };
    this.log.push(event);
    this.purge();
    this.wake();
    return event;
  }

  purge(now = Date.now()): void {
    const oldest = now - this.retention.retentionHours * 3_600_000;
    let drop = Math.max(0, this.log.length - this.retention.retentionEvents);
    while (drop < this.log.length && this.log[drop].storedAt < oldest) drop++;
    if (!drop) return;
    this.purgedThrough = this.log[drop - 1].replayId;
    this.log.splice(0, drop);
  }

  /** Events of `topic` after replay id `after`, at most `max`. */
  read(topic: string, after: bigint, max: number): BusEvent[] {
    this.purge();
    const out: BusEvent[] = [];
    // The log is in replay id order: start at the first event after `after` (a subscriber reads on from its cursor
    // at every FetchRequest, so a scan from the start would cost more the longer the log).
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].replayId > after) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < this.log.length && out.length < max; i++) {
      if (this.log[i].topics.has(topic)) out.push(this.log[i]);
    }
    return out;
  }

  /**
   * A platform event inserted like a record (REST `POST /sobjects/<Name>__e`, Collections): published at once (the
   * "Publish Immediately" behaviour), answered with an `e01` Id and the event UUID; undefined for an unknown event.
   */
  publishRecord(type: string, input: SfRecord, userId: string): DmlResult | undefined {
    const def = this.platformEvents.get(type.toLowerCase());
    const schema = this.platformSchema(type);
    if (!def || !schema) return undefined;
    const record: Record<string, unknown> = Object.fromEntries(def.fields.map((f) => [f.name, null]));
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const field = def.fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
      if (!field) throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key]);
      record[field.name] = avroValue(field, raw);
    }
    const event = this.append(new Set([`/event/${def.name}`]), schema, { ...record, CreatedDate: Date.now(), CreatedById: userId });
    return { id: newId('e01', ++this.eventIdCounter), created: true, eventUuid: event.id };
  }

  /** A change event as CometD carries it (see cometd.ts) → the Pub/Sub event on its topics. */
  appendChangeEvent(entity: string, payload: Record<string, any>): BusEvent {
    const schema = this.changeSchema(entity);
    const header = payload.ChangeEventHeader;
    const fieldNames = new Set(schema.fields.map((f) => f.name));
    const changed: string[] = (header.changedFields ?? []).filter((f: string) => fieldNames.has(f));
    const record: Record<string, unknown> = {
      ChangeEventHeader: {
        entityName: header.entityName, recordIds: header.recordIds, changeType: header.changeType, changeOrigin: header.changeOrigin ?? '',
        transactionKey: header.transactionKey, sequenceNumber: header.sequenceNumber, commitTimestamp: header.commitTimestamp,
        commitNumber: header.commitNumber, commitUser: header.commitUser ?? '',
        nulledFields: encodeFieldBitmap(schema.fields, changed.filter((f) => payload[f] === null)),
        diffFields: [],
        changedFields: encodeFieldBitmap(schema.fields, changed),
      },
    };
    const def = this.org.object(entity);
    for (const f of def.fields) {
      if (!fieldNames.has(f.name)) continue;
      const v = payload[f.name];
      record[f.name] = v === undefined || v === null ? null : f.type === 'datetime' ? parseDateTime(String(v)) : f.type === 'date' ? dateToEpochDays(String(v)) : v;
    }
    const topics = new Set([`/data/${changeEventName(def.name)}`, '/data/ChangeEvents']);
    for (const c of this.channels.values()) if (c.entities.some((e) => e.toLowerCase() === def.name.toLowerCase())) topics.add(`/data/${c.name}`);
    return this.append(topics, schema, record);
  }

  /** Makes every retained event `ms` older, then purges what falls out of the retention window. */
  age(ms: number): void {
    for (const e of this.log) e.storedAt -= ms;
    this.purge();
  }

  /** The retained events (of one topic), decoded, with bitmaps expanded to field names. */
  dump(topic?: string): Array<Record<string, unknown>> {
    this.purge();
    return this.log.filter((e) => !topic || e.topics.has(topic)).map((e) => {
      const s = this.schemas.get(e.schemaId)!;
      const payload = s.type.fromBuffer(e.payload) as Record<string, any>;
      if (payload.ChangeEventHeader) payload.ChangeEventHeader = decodeChangeEventHeader(s.type as never, payload.ChangeEventHeader);
      return { replayId: String(e.replayId), id: e.id, schemaId: e.schemaId, topics: [...e.topics], payload };
    });
  }
}
