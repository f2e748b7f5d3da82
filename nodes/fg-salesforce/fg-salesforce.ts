import { SalesforceWriteBatcher } from '../../lib/salesforce/batched-writes';
import { normaliseSalesforceError, recordFailure } from '../../lib/salesforce/errors';
import { OperationResult, OperationSpec, bulkNote, runOperation, writeInput } from '../../lib/salesforce/execute';
import { eventTopic, publishEvents } from '../../lib/salesforce/publish';
import { DEFAULT_BULK_THRESHOLD } from '../../lib/salesforce/plan';
import { FlowGuardError } from '../../lib/reliability/errors';
import { boolean, duration, list, oneOf, positiveInt, text } from '../../lib/settings';
import { defineNode, Msg } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';
import { SALESFORCE } from '../fg-salesforce-config/config-node';

const OPERATIONS = ['query', 'bulkQuery', 'search', 'retrieve', 'create', 'update', 'upsert', 'delete', 'describe', 'publish'] as const;

export = defineNode('fg-salesforce', {
  settings: {
    operation: oneOf(OPERATIONS, 'query'),
    object: text(),
    externalIdField: text(),
    statement: text(),
    fields: list(),
    maxRecords: positiveInt(10_000),
    output: oneOf(['all', 'parts'], 'all'),
    includeDeleted: boolean(false),
    allOrNone: boolean(false),
    bulkThreshold: positiveInt(DEFAULT_BULK_THRESHOLD),
    dryRun: boolean(false),
    /** micro-batching window for messages of one record; 0: off */
    batchWindow: duration(0, 'ms', { allowZero: true }),
    /** publish: the event field that carries msg.idempotencyKey (blank: none) */
    keyField: text(),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  configs: { salesforce: SALESFORCE },
  outputs: 2,
  errorOutput: 1,
  setup({ config, settings: s, log, status, onInput, report, output, onClose }) {
    const { session } = config.salesforce;
    /** Platform Events through the config node's Pub/Sub client (REST when it cannot be reached). */
    const publish = async (spec: OperationSpec, msg: Msg): Promise<OperationResult> => {
      const object = String(spec.object ?? '');
      const topic = eventTopic(object);
      let input;
      try {
        input = writeInput(msg.payload, 'create');
      } catch (err) {
        throw new FlowGuardError({ message: (err as Error).message, code: 'INVALID_INPUT', service: 'salesforce', retryable: false });
      }
      if (spec.dryRun) return { type: 'dryRun', requests: [{ method: 'Publish', url: topic, body: input.records }] };
      const res = await publishEvents(input.records, { object, keyField: s.keyField, idempotencyKey: msg.idempotencyKey as string | undefined }, {
        pubsub: () => config.salesforce.pubsub(),
        userId: async () => (await session.connection()).userInfo?.id ?? '',
        call: (fn) => session.call(fn),
      });
      return { type: 'write', single: input.single, records: input.records, outcomes: res.outcomes, mode: res.mode };
    };
    status.idle(s.operation);
    const offLimit = config.salesforce.onLimit((limit, changed) => {
      if (!changed) return;
      if (limit.level === 'ok') status.idle(s.operation);
      else status.warn(`API usage ${limit.percent.toFixed(0)}%${limit.level === 'pause' ? ' – paused' : ''}`);
    });
    const batcher = s.batchWindow > 0
      ? new SalesforceWriteBatcher(session, s.batchWindow, (size, t) => status.busy(`batch of ${size} (${t.batches} calls, ${t.items} records)`))
      : undefined;

    onInput(async (msg: Msg, send) => {
      // msg.object / msg.soql only fill in what the node leaves empty, so a flow cannot override a fixed setting.
      const spec: OperationSpec = {
        // publish is not a record operation (handled by `publish` above); its input is read like a create's.
        operation: s.operation === 'publish' ? 'create' : s.operation,
        object: s.object || msg.object,
        externalIdField: s.externalIdField || msg.externalIdField,
        statement: s.statement || msg.soql || msg.sosl,
        fields: s.fields,
        maxRecords: s.maxRecords,
        includeDeleted: s.includeDeleted,
        allOrNone: s.allOrNone,
        bulkThreshold: s.bulkThreshold,
        dryRun: s.dryRun || msg.dryRun === true,
      };
      const parts = s.output === 'parts' && s.operation === 'query';
      let sentParts = 0;
      status.busy(`${s.operation}…`);
      let result;
      try {
        result = s.operation === 'publish' ? await publish(spec, msg) : batcher?.accepts(spec, msg.payload) ? await batcher.write(spec, msg.payload) : await runOperation(session, spec, msg.payload, msg.binds, {
          onBulkProgress: (p) => status.busy(`bulk ${p.state}: ${p.processed} done, ${p.failed} failed`),
          // Streaming: one message per record as pages arrive, msg.parts lets a join node rebuild the array.
          onPage: parts ? (records, _page, count) => {
            for (const record of records) send(output(0, { ...msg, payload: record, parts: { id: msg._msgid, type: 'array', index: sentParts++, count } }));
          } : undefined,
        });
      } catch (err) {
        const fe = (err as { flowError?: unknown })?.flowError ?? normaliseSalesforceError(err, { operation: s.operation, object: spec.object });
        const thrown = new FlowGuardError(fe as ReturnType<typeof normaliseSalesforceError>);
        status.error(thrown.code);
        throw thrown;
      }
      switch (result.type) {
        case 'records':
          if (!parts) {
            msg.payload = result.records;
            msg.salesforce = { totalSize: result.totalSize, truncated: result.truncated };
            send(output(0, msg));
          }
          status.ok(`${s.operation}: ${result.totalSize}${result.truncated ? ' (truncated)' : ''}`);
          return;
        case 'describe':
        case 'dryRun':
          msg.payload = result.type === 'describe' ? result.result : { dryRun: true, requests: result.requests, ...(result.diff ? { diff: result.diff } : {}) };
          send(output(0, msg));
          status.ok(result.type === 'dryRun' ? `dry run: ${result.requests.length} request(s)` : 'described');
          return;
        default: {
          const ok = result.outcomes.filter((o) => o.success);
          const failed = result.outcomes.filter((o) => !o.success);
          const summary = { mode: result.mode, jobId: result.jobId, total: result.records.length, succeeded: ok.length, failed: failed.length,
            ...(result.routedToCollections ? { routedToCollections: result.routedToCollections } : {}), ...(result.batchSize ? { batchSize: result.batchSize } : {}) };
          // Each failed record is its own error (error output and/or Catch), counted like any other.
          for (const f of failed) {
            const recordMsg: Msg = { ...msg, payload: result.records[f.index], index: f.index, salesforce: summary };
            report(recordMsg, recordFailure(f.errors, { index: f.index, operation: s.operation, object: spec.object }), send);
          }
          if (ok.length) {
            const view = (o: typeof ok[number]) => ({ index: o.index, id: o.id, ...(o.created !== undefined ? { created: o.created } : {}),
              ...((o as { replayId?: string }).replayId ? { replayId: (o as { replayId?: string }).replayId } : {}), record: result.records[o.index] });
            send(output(0, { ...msg, payload: result.single ? view(ok[0]) : ok.map(view), salesforce: summary }));
          }
          const summaryText = `${s.operation}: ${ok.length} ok, ${failed.length} failed${bulkNote(result.mode, result.routedToCollections)}`;
          (failed.length ? status.warn : status.ok)(summaryText);
          if (failed.length) log.warn(`${failed.length} of ${result.records.length} record(s) failed`, { msg, code: failed[0].errors[0]?.statusCode });
        }
      }
    });

    onClose(() => {
      offLimit();
      // Messages waiting for a batch are written before the node goes (each still gets its answer).
      return batcher?.flush();
    });
  },
});
