/**
 * Micro-batching for fg-salesforce: messages that each carry one record are gathered into one sObject Collections call
 * (up to 200 records, or what arrived within the window) and each message gets its own outcome back. Records of one
 * key (the external id on upsert, the Id on update / delete) never share a call, and calls go one at a time, so a
 * later write of a key lands after the earlier one.
 */
import { BatchTotals, MicroBatcher } from '../batching/micro-batcher';
import type { SalesforceSession } from './connection';
import type { OperationResult, OperationSpec } from './execute';
import { writeInput } from './execute';
import { COLLECTION_SIZE, WriteOperation } from './plan';
import { RecordOutcome, validate, writeRecords } from './records';

type Record_ = Record<string, unknown>;
/** A record's outcome and the size of the call it went in. */
type BatchedOutcome = RecordOutcome & { batchSize: number };

export const BATCHABLE = new Set(['create', 'update', 'upsert', 'delete']);

const field = (record: Record_, name: string): unknown => record[Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];

export class SalesforceWriteBatcher {
  private batchers = new Map<string, MicroBatcher<Record_, BatchedOutcome>>();

  constructor(
    private readonly session: SalesforceSession,
    private readonly windowMs: number,
    private readonly onBatch?: (size: number, totals: BatchTotals) => void,
  ) {}

  /** A write of one record, not a dry run: the kind of message that is batched. */
  accepts(spec: OperationSpec, payload: unknown): boolean {
    return BATCHABLE.has(spec.operation) && !spec.dryRun && !Array.isArray(payload);
  }

  /** Writes one record within a batch; resolves like runOperation would for that record alone. */
  async write(spec: OperationSpec, payload: unknown): Promise<OperationResult> {
    const op = spec.operation as WriteOperation;
    if (!spec.object) throw new Error('the object is required');
    if (op === 'upsert' && !spec.externalIdField) throw new Error('the external id field is required');
    const { records } = writeInput(payload, op);
    // Checked here, per message: in the batch, one bad record would fail everyone's call.
    validate(records, { operation: op, externalIdField: spec.externalIdField });
    const batcher = this.batcherFor(op, spec.object, spec.externalIdField);
    const { batchSize, ...outcome } = await batcher.add(records[0]);
    return { type: 'write', single: true, records, outcomes: [{ ...outcome, index: 0 }], mode: 'collections', batchSize };
  }

  /** Sends whatever waits (node close); resolves when every message has its answer. */
  async flush(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.flush()));
  }

  private batcherFor(op: WriteOperation, object: string, externalIdField: string | undefined): MicroBatcher<Record_, BatchedOutcome> {
    const name = `${op}\u0000${object}\u0000${externalIdField ?? ''}`;
    let batcher = this.batchers.get(name);
    if (!batcher) {
      const keyField = op === 'upsert' ? externalIdField! : op === 'create' ? undefined : 'Id';
      batcher = new MicroBatcher<Record_, BatchedOutcome>({
        windowMs: this.windowMs,
        maxSize: COLLECTION_SIZE,
        keyOf: keyField ? (record) => { const v = field(record, keyField); return v === undefined || v === null ? undefined : String(v); } : undefined,
        onBatch: this.onBatch,
        // allOrNone stays off: one message's bad record must not roll back the others' (each message is on its own).
        write: async (records) => {
          const res = await writeRecords(records, { object, operation: op, externalIdField, allOrNone: false, bulkThreshold: 0, call: (fn) => this.session.call(fn) });
          return res.outcomes.map((o) => ({ ok: true as const, value: { ...o, batchSize: records.length } }));
        },
      });
      this.batchers.set(name, batcher);
    }
    return batcher;
  }
}
