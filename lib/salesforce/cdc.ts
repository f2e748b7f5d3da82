// Change Data Capture subscription through jsforce's streaming client (CometD), resuming from a durable
// replay id. Events are handled one at a time, in order; the replay id is saved after each is handed on.
// An event names one or more records (Salesforce merges one change to several records into one event); a gap
// event carries no field values, so its records are read again by id; an overflow event names no record at all,
// so the object is read again from the polling watermark (a re-sync).
import { Change, ChangeFeedOptions, Watermark, WatermarkStore, changeMessage, pollChanges } from './change-feed';
import type { DurableValue } from './durable';
import { bindSoql } from './soql-binds';

export interface CdcEvent {
  /** CometD: a number; Pub/Sub: the opaque replay id as text (replayIdText) */
  replayId: number | string;
  entity: string;
  changeType: string;
  recordIds: string[];
  commitUser: string;
  fields: Record<string, unknown>;
  header: Record<string, unknown>;
}

export interface CdcOptions {
  object: string;
  replay: DurableValue<number>;
  /** Replay id used when none is stored: -1 only new events, -2 every retained event. */
  startFrom: -1 | -2;
  skipUserId?: string;
  onEvent: (e: CdcEvent) => Promise<void> | void;
  onError: (err: Error) => void;
  /** Handling an event failed: no later event is handled; resubscribe (from the stored replay id). */
  onEventFailed: (err: Error) => void;
  /** The session could not authenticate the subscription (expired token): resubscribe with a new session. */
  onAuthFailure: () => void;
  /**
   * The connection to the streaming API failed after the subscription was made: events of a long-poll answer that
   * never arrived are not sent again on the same CometD client, so the subscription is closed and, once the events it
   * did receive are handled, this asks for a new one from the stored replay id. Not called while the subscription has
   * no position to resume from (started with -1 and no event handled yet): then the same client carries on.
   */
  onConnectionLost: (err: Error) => void;
}

/** The streaming connection went down while subscribing: retry later, do not treat it as a refused replay id. */
class ConnectionLost extends Error {}

/** Standard objects: AccountChangeEvent; custom ones: Invoice__c → Invoice__ChangeEvent. */
export function cdcChannel(object: string): string {
  return `/data/${object.endsWith('__c') ? `${object.slice(0, -3)}__` : object}ChangeEvent`;
}

/**
 * The ChangeEventHeader fields as the Change Data Capture guide documents them. Pub/Sub API subscribers get
 * `nulledFields` and `diffFields` in the header; a CometD subscriber does not, and reads them from the body: a field
 * set to null is there as null, a long text sent as a diff is `{diff: "<unified diff>"}`. Both forms end up here.
 */
export interface CdcHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changeOrigin?: string;
  transactionKey?: string;
  sequenceNumber?: number;
  commitTimestamp?: number;
  commitNumber?: number;
  commitUser?: string;
  changedFields: string[];
  nulledFields: string[];
  diffFields: string[];
}

export function headerOf(e: CdcEvent): CdcHeader {
  const h = e.header as Partial<CdcHeader>;
  const body = Object.entries(e.fields);
  const isDiff = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { diff?: unknown }).diff === 'string';
  return {
    ...h,
    entityName: e.entity,
    recordIds: e.recordIds,
    changeType: e.changeType,
    changedFields: Array.isArray(h.changedFields) ? h.changedFields : [],
    nulledFields: Array.isArray(h.nulledFields) ? h.nulledFields : e.changeType === 'UPDATE' ? body.filter(([, v]) => v === null).map(([k]) => k) : [],
    diffFields: Array.isArray(h.diffFields) ? h.diffFields : body.filter(([, v]) => isDiff(v)).map(([k]) => k),
  };
}

export type CdcEventKind = 'change' | 'gap' | 'overflow';

export function eventKind(e: CdcEvent): CdcEventKind {
  if (e.changeType === 'GAP_OVERFLOW') return 'overflow';
  // A custom field conversion that lost data names the object's key prefix and a wildcard (001*): every record.
  if (e.recordIds.some((id) => id.endsWith('*'))) return 'overflow';
  return e.changeType.startsWith('GAP_') ? 'gap' : 'change';
}

const CHANGE_TYPES: Record<string, string> = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' };

/** created / updated / deleted / undeleted, for change and gap events alike. */
export function changeTypeName(changeType: string): string {
  const base = changeType.replace(/^GAP_/, '');
  return CHANGE_TYPES[base] ?? base.toLowerCase();
}

/** One record an event brings into the flow. */
export interface CdcRecord {
  type: string;
  record: Record<string, unknown> & { Id: string };
  /** a gap event's record, read again by id */
  reRead: boolean;
  /** read again but not found (hard-deleted, or not visible to the user) */
  missing?: boolean;
}

/** Ids per re-read query (the Collections and SOQL batch size). */
export const REREAD_BATCH = 200;

/** SOQL reading `ids` again (deleted ones too, through queryAll): the system fields of the change feed plus `fields`. */
export function reReadQuery(object: string, fields: string[], ids: string[]): string {
  const all = [...new Set(['Id', 'SystemModstamp', 'CreatedDate', 'LastModifiedDate', 'LastModifiedById', 'IsDeleted', ...fields])];
  return bindSoql(`SELECT ${all.join(', ')} FROM ${object} WHERE Id IN :ids`, { ids });
}

/**
 * The records of one change or gap event, one per record id, in the event's order. A change event's body holds the
 * values common to every record it names; a gap event's records are read again, up to REREAD_BATCH ids per query.
 */
export async function recordsOf(e: CdcEvent, reRead: (ids: string[]) => Promise<Array<Record<string, unknown>>>): Promise<CdcRecord[]> {
  const type = changeTypeName(e.changeType);
  if (eventKind(e) === 'change') return e.recordIds.map((Id) => ({ type, record: { Id, ...e.fields }, reRead: false }));
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < e.recordIds.length; i += REREAD_BATCH) {
    // Salesforce returns 18-character ids; an event names them the same way.
    for (const r of await reRead(e.recordIds.slice(i, i + REREAD_BATCH))) found.set(String(r.Id), r);
  }
  return e.recordIds.map((Id) => {
    const record = found.get(Id);
    if (!record) return { type, record: { Id }, reRead: true, missing: true };
    return { type: record.IsDeleted === true ? 'deleted' : type, record: { ...record, Id }, reRead: true };
  });
}

/** The messages for one event: one per record (`output` record) or one for all of them (`output` batch). */
export function cdcMessages(object: string, e: CdcEvent, records: CdcRecord[], output: 'record' | 'batch' = 'record'): Array<Record<string, unknown>> {
  const header = headerOf(e);
  const eventKey = `${object}:cdc:${e.replayId}`;
  const perRecord = records.map((r) => {
    const key = `${eventKey}:${r.record.Id}`;
    return {
      payload: r.record, topic: `${object}/${r.type}`, changeType: r.type, recordIds: [r.record.Id], idempotencyKey: key, correlationId: key,
      salesforce: { replayId: e.replayId, header, ...(r.reRead ? { gap: true } : {}), ...(r.missing ? { missing: true } : {}) },
    };
  });
  if (output === 'record') return perRecord;
  const type = changeTypeName(e.changeType);
  return [{
    payload: records.map((r) => r.record), topic: `${object}/${type}`, changeType: type, recordIds: e.recordIds, changes: perRecord,
    idempotencyKey: eventKey, correlationId: eventKey, salesforce: { replayId: e.replayId, header, ...(eventKind(e) === 'gap' ? { gap: true } : {}) },
  }];
}

/**
 * How far before an event's commit the re-sync watermark stays: a transaction's records carry the SystemModstamp
 * of when they were written, which can be well before the transaction committed.
 */
export const RESYNC_MARGIN_MS = 10 * 60_000;

/** Moves the polling watermark up to `commitTimestamp` minus the margin (never back). */
export async function advanceWatermark(wm: WatermarkStore, commitTimestamp: number | undefined): Promise<void> {
  if (!Number.isFinite(commitTimestamp)) return;
  const stamp = commitTimestamp! - RESYNC_MARGIN_MS;
  const current = await wm.load();
  if (current && Date.parse(current.stamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) >= stamp) return;
  await wm.save({ stamp: new Date(stamp).toISOString(), lastId: '' });
}

/**
 * A re-sync after an overflow event: every change since the polling watermark, deletions included, page after page
 * until none is left, each emitted like a polled change (then the watermark moves past it).
 */
export async function resync(feed: ChangeFeedOptions, wm: WatermarkStore, initial: Watermark,
  query: (soql: string, includeDeleted: boolean) => Promise<any[]>, emit: (msgs: Array<Record<string, unknown>>) => void): Promise<number> {
  let emitted = 0;
  for (;;) {
    const res = await pollChanges({ ...feed, includeDeleted: true, lagMs: 0 }, wm, initial, query,
      (changes: Change[]) => emit(changes.map((c) => ({ ...changeMessage(feed.object, c), salesforce: { resync: true } }))));
    emitted += res.emitted;
    if (!res.more) return emitted;
  }
}

export function toCdcEvent(data: any): CdcEvent {
  const { ChangeEventHeader: header, ...fields } = data.payload ?? {};
  return {
    replayId: Number(data.event?.replayId), entity: header?.entityName, changeType: header?.changeType,
    recordIds: header?.recordIds ?? [], commitUser: header?.commitUser, fields, header: header ?? {},
  };
}

export async function subscribeCdc(conn: any, opts: CdcOptions): Promise<{ close(): void }> {
  const { StreamingExtension } = require('jsforce/api/streaming');
  const channel = cdcChannel(opts.object);
  const stored = await opts.replay.load();
  let chain: Promise<void> = Promise.resolve();
  let failed = false;
  // Where a new subscription would resume without losing an event: the last replay id saved.
  let position: number | undefined = stored ?? (opts.startFrom === -2 ? -2 : undefined);
  const handle = (data: any): void => {
    chain = chain.then(async () => {
      // After a failed event nothing more is handled: the subscriber resubscribes from the stored replay id,
      // so that event comes again instead of being passed.
      if (failed) return;
      const event = toCdcEvent(data);
      if (!(opts.skipUserId && event.commitUser === opts.skipUserId)) await opts.onEvent(event);
      await opts.replay.save(event.replayId as number);
      position = event.replayId as number;
    }).catch((err) => {
      failed = true;
      opts.onEventFailed(err);
    });
  };
  // The faye Client stays inside: it is a thenable, so returning it from an async function would unwrap it.
  const connect = async (from: number): Promise<{ close(): void }> => {
    const client = conn.streaming.createClient([
      new StreamingExtension.Replay(channel, from),
      new StreamingExtension.AuthFailure(() => opts.onAuthFailure()),
    ]);
    // faye reports a failed request (refused, reset, an answer that timed out) as transport:down, then retries with
    // the same client: the server has already handed over the events of a lost answer, so this client is given up.
    let subscribed = false;
    let closed = false;
    let lost: (err: Error) => void = () => undefined;
    const down = new Promise<never>((_, reject) => { lost = reject; });
    down.catch(() => undefined);
    client.on('transport:down', () => {
      const err = new ConnectionLost(`connection to the streaming API lost (${channel})`);
      if (closed) return;
      if (!subscribed) return lost(err);
      if (position === undefined) return;
      closed = true;
      client.disconnect();
      void chain.then(() => opts.onConnectionLost(err));
    });
    try {
      await Promise.race([client.subscribe(channel, handle), down]);
    } catch (err) {
      closed = true;
      client.disconnect();
      throw err;
    }
    subscribed = true;
    return { close: () => { closed = true; client.disconnect(); } };
  };
  let sub: { close(): void };
  try {
    sub = await connect(stored ?? opts.startFrom);
  } catch (err) {
    if (stored === undefined || err instanceof ConnectionLost) throw err;
    // The stored replay id is no longer retained (72 h in Salesforce): replay everything still retained.
    opts.onError(new Error(`replay id ${stored} rejected (${(err as Error).message}); replaying all retained events`));
    sub = await connect(-2);
  }
  return { close: () => sub.close() };
}
