// Change feed by polling SystemModstamp with a durable watermark (stamp + last Id, so records sharing a
// stamp are neither skipped nor repeated). Echo suppression skips changes made by our own user.
import type { Store } from '../store/types';
import { DurableValue, durableValue } from './durable';
import { bindSoql } from './soql-binds';

export interface Watermark { stamp: string; lastId: string }

export type WatermarkStore = DurableValue<Watermark>;

/** Keeps the watermark in a FlowGuard store, so it survives restarts and can be shared. */
export function storeWatermark(store: Store, key: string, ns = 'fg-salesforce-events'): WatermarkStore {
  return durableValue<Watermark>(store, ns, key);
}

export type ChangeType = 'created' | 'updated' | 'deleted';

export interface ChangeFeedOptions {
  object: string;
  fields: string[];
  /** Records per query (and per emitted batch). */
  pageSize?: number;
  includeDeleted?: boolean;
  /** Changes by this user id are not emitted (two-way sync echo suppression); the watermark still moves. */
  skipUserId?: string;
  /** Only read changes older than this, so transactions committing late are not passed by the watermark. */
  lagMs?: number;
}

/** SOQL for the next page after the watermark, ordered by (SystemModstamp, Id). */
export function changeQuery(opts: ChangeFeedOptions, wm: Watermark, now = Date.now()): string {
  const system = ['Id', 'SystemModstamp', 'CreatedDate', 'LastModifiedDate', 'LastModifiedById', ...(opts.includeDeleted ? ['IsDeleted'] : [])];
  const fields = [...new Set([...system, ...opts.fields.map((f) => f.trim()).filter(Boolean)])];
  const stamp = new Date(Date.parse(wm.stamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
  const upper = opts.lagMs ? ' AND SystemModstamp <= :upper' : '';
  // Before the first record the watermark has no Id: everything from the stamp on is new (and SOQL refuses an
  // Id compared with '', which it reads as null).
  const after = wm.lastId ? '(SystemModstamp > :stamp OR (SystemModstamp = :stamp AND Id > :lastId))' : 'SystemModstamp >= :stamp';
  const template = `SELECT ${fields.join(', ')} FROM ${opts.object} WHERE ${after}${upper} ORDER BY SystemModstamp ASC, Id ASC LIMIT ${opts.pageSize ?? 200}`;
  return bindSoql(template, { stamp, ...(wm.lastId ? { lastId: wm.lastId } : {}), upper: new Date(now - (opts.lagMs ?? 0)) });
}

export function changeTypeOf(rec: { IsDeleted?: boolean; CreatedDate?: string; SystemModstamp?: string; LastModifiedDate?: string }): ChangeType {
  if (rec.IsDeleted) return 'deleted';
  return rec.CreatedDate && rec.CreatedDate === (rec.LastModifiedDate ?? rec.SystemModstamp) ? 'created' : 'updated';
}

export interface Change { type: ChangeType; record: any }

/**
 * One poll: reads pages after the watermark, hands each page's changes to `emit`, then saves the watermark
 * (after emitting: a crash in between repeats that page instead of losing it).
 */
export async function pollChanges(opts: ChangeFeedOptions, wmStore: WatermarkStore, initial: Watermark,
  query: (soql: string, includeDeleted: boolean) => Promise<any[]>, emit: (changes: Change[]) => Promise<void> | void,
  maxPages = 50): Promise<{ emitted: number; skipped: number; watermark: Watermark; more: boolean }> {
  let wm = (await wmStore.load()) ?? initial;
  let emitted = 0;
  let skipped = 0;
  let more = false;
  for (let page = 0; page < maxPages; page++) {
    more = false;
    const rows = await query(changeQuery(opts, wm), opts.includeDeleted === true);
    if (!rows.length) break;
    const changes = rows
      .filter((r) => { const own = !!opts.skipUserId && r.LastModifiedById === opts.skipUserId; if (own) skipped++; return !own; })
      .map((record) => ({ type: changeTypeOf(record), record }));
    if (changes.length) await emit(changes);
    emitted += changes.length;
    const last = rows[rows.length - 1];
    wm = { stamp: last.SystemModstamp, lastId: last.Id };
    await wmStore.save(wm);
    if (rows.length < (opts.pageSize ?? 200)) break;
    more = true;
  }
  return { emitted, skipped, watermark: wm, more };
}

/** The message for one change: stable keys per change, so a repeated delivery after a crash is dropped by a gate. */
export function changeMessage(object: string, c: Change): Record<string, unknown> {
  const key = `${object}:${c.record.Id}:${c.record.SystemModstamp}`;
  return { payload: c.record, topic: `${object}/${c.type}`, changeType: c.type, idempotencyKey: key, correlationId: key };
}
