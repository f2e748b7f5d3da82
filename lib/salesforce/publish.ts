// Publishing Platform Events (fg-salesforce operation "publish"): Pub/Sub API Publish in batches, sObject Collections
// create (REST) when the Pub/Sub endpoint cannot be reached. One outcome per event in the shape of record writes
// ({index, success, id, errors}); the idempotency key travels in an event field the user names, so Salesforce-side
// automation (a Flow, an Apex trigger) can recognise an event published twice.
import { randomUUID } from 'node:crypto';
import { FlowGuardError } from '../reliability/errors';
import type { RecordOutcome } from './bulk-ingest';
import { chunk } from './plan';
import type { PubSubClient } from './pubsub/client';
import { replayIdText } from './pubsub/flow';
import { writeRecords } from './records';

/** Events per PublishRequest (Salesforce advises batches of at most 200 events and 3 MB). */
export const PUBLISH_BATCH = 200;

export interface PublishSpec {
  /** the Platform Event's API name, Order_Paid__e */
  object: string;
  /** an event field that carries the idempotency key (blank: none) */
  keyField?: string;
  /** the msg's idempotency key: one event gets it, several get `<key>:<index>` */
  idempotencyKey?: string;
}

export interface PublishResult {
  mode: 'pubsub' | 'rest';
  outcomes: Array<RecordOutcome & { replayId?: string }>;
}

export function eventTopic(object: string): string {
  if (!/^[A-Za-z]\w*__e$/.test(object)) {
    throw new FlowGuardError({ message: `publish needs a Platform Event API name ending in __e, not "${object}"`, code: 'INVALID_TYPE', service: 'salesforce', retryable: false });
  }
  return `/event/${object}`;
}

/** The events with the key field set (unless the record sets it itself). */
export function withKeys(records: Record<string, unknown>[], spec: PublishSpec): Record<string, unknown>[] {
  if (!spec.keyField || !spec.idempotencyKey) return records;
  return records.map((r, i) => (r[spec.keyField!] !== undefined && r[spec.keyField!] !== null && r[spec.keyField!] !== ''
    ? r
    : { ...r, [spec.keyField!]: records.length === 1 ? spec.idempotencyKey : `${spec.idempotencyKey}:${i}` }));
}

/**
 * Publishes `records` as events of `spec.object`. Pub/Sub first; only when its endpoint is unavailable (nothing was
 * accepted) the REST fallback creates them through sObject Collections. A batch answered with errors keeps its
 * per-event errors; a batch that failed as a whole fails each of its events with that error.
 */
export async function publishEvents(records: Record<string, unknown>[], spec: PublishSpec, deps: {
  pubsub: () => PubSubClient;
  userId: () => Promise<string>;
  call: <T>(fn: (conn: any) => Promise<T>) => Promise<T>;
}): Promise<PublishResult> {
  const topic = eventTopic(spec.object);
  const events = withKeys(records, spec);
  const outcomes: PublishResult['outcomes'] = [];
  let mode: PublishResult['mode'] = 'pubsub';
  for (const [b, batch] of chunk(events, PUBLISH_BATCH).entries()) {
    const offset = b * PUBLISH_BATCH;
    if (mode === 'pubsub') {
      try {
        const ids = batch.map(() => randomUUID());
        const res = await deps.pubsub().publish(topic, batch.map((payload, i) => ({ id: ids[i], payload })), await deps.userId());
        res.forEach((r, i) => outcomes.push(r.success
          ? { index: offset + i, success: true, id: r.id, errors: [], ...(r.replayId ? { replayId: replayIdText(r.replayId) } : {}) }
          : { index: offset + i, success: false, id: r.id, errors: [{ statusCode: r.error?.code === 'INVALID_FIELD' ? 'INVALID_FIELD' : `PUBLISH_${r.error?.code ?? 'UNKNOWN'}`, message: r.error?.message ?? 'not published', fields: [] }] }));
        continue;
      } catch (err) {
        const code = (err as FlowGuardError).flowError?.code;
        // Unreachable before anything was accepted: REST for this batch and the rest. Anything else fails the batch.
        if (code !== 'PUBSUB_UNAVAILABLE') {
          const fe = (err as FlowGuardError).flowError ?? { code: 'PUBSUB_ERROR', message: String((err as Error)?.message ?? err) };
          batch.forEach((_r, i) => outcomes.push({ index: offset + i, success: false, errors: [{ statusCode: fe.code, message: fe.message, fields: [] }] }));
          continue;
        }
        mode = 'rest';
      }
    }
    const res = await writeRecords(batch, { object: spec.object, operation: 'create', bulkThreshold: 0, call: deps.call });
    for (const o of res.outcomes) outcomes.push({ ...o, index: offset + o.index });
  }
  return { mode, outcomes };
}
