import { createLogger } from '../../lib/ops/log';
import { normaliseSalesforceError, recordFailure } from '../../lib/salesforce/errors';
import { Operation, OperationSpec, bulkNote, runOperation } from '../../lib/salesforce/execute';
import { DEFAULT_BULK_THRESHOLD } from '../../lib/salesforce/plan';
import { SalesforceWriteBatcher } from '../../lib/salesforce/batched-writes';
import { ErrorRouting, Msg, RuntimeNode, onInput, onOutput, routeError, status } from '../shared/node-io';
import type { SalesforceConfigNode } from '../fg-salesforce-config/config-node';

interface NodeDef {
  id: string;
  name?: string;
  salesforce: string;
  operation: Operation;
  object?: string;
  externalIdField?: string;
  statement?: string;
  fields?: string;
  maxRecords?: number | string;
  output?: 'all' | 'parts';
  includeDeleted?: boolean;
  allOrNone?: boolean;
  bulkThreshold?: number | string;
  dryRun?: boolean;
  /** micro-batching window (ms) for messages of one record; 0 or empty: off */
  batchWindow?: number | string;
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 2;
const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));

export = function (RED: any) {
  function FgSalesforce(this: RuntimeNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: RuntimeNode, def: NodeDef): void {
    const log = createLogger(node);
    const config = RED.nodes.getNode(def.salesforce) as SalesforceConfigNode | null;
    if (!config) {
      status.error(node, 'no Salesforce config');
      node.on('input', (_msg, _send, done) => done(new Error('fg-salesforce: select a Salesforce config node')));
      return;
    }
    status.idle(node, def.operation);
    const offLimit = config.onLimit((s, changed) => {
      if (!changed) return;
      if (s.level === 'ok') status.idle(node, def.operation);
      else status.warn(node, `API usage ${s.percent.toFixed(0)}%${s.level === 'pause' ? ' – paused' : ''}`);
    });

    const batchWindow = num(def.batchWindow, 0);
    const batcher = batchWindow > 0
      ? new SalesforceWriteBatcher(config.session, batchWindow, (size, t) => status.busy(node, `batch of ${size} (${t.batches} calls, ${t.items} records)`))
      : undefined;

    onInput(node, async (msg: Msg, send) => {
      // msg.object / msg.soql only fill in what the node leaves empty, so a flow cannot override a fixed setting.
      const spec: OperationSpec = {
        operation: def.operation,
        object: def.object || msg.object,
        externalIdField: def.externalIdField || msg.externalIdField,
        statement: def.statement || msg.soql || msg.sosl,
        fields: (def.fields || '').split(',').map((f) => f.trim()).filter(Boolean),
        maxRecords: num(def.maxRecords, 10_000),
        includeDeleted: def.includeDeleted === true,
        allOrNone: def.allOrNone === true,
        bulkThreshold: num(def.bulkThreshold, DEFAULT_BULK_THRESHOLD),
        dryRun: def.dryRun === true || msg.dryRun === true,
      };
      const parts = def.output === 'parts' && def.operation === 'query';
      let sentParts = 0;
      status.busy(node, `${def.operation}…`);
      try {
        const result = batcher?.accepts(spec, msg.payload) ? await batcher.write(spec, msg.payload) : await runOperation(config.session, spec, msg.payload, msg.binds, {
          onBulkProgress: (p) => status.busy(node, `bulk ${p.state}: ${p.processed} done, ${p.failed} failed`),
          // Streaming: one message per record as pages arrive, msg.parts lets a join node rebuild the array.
          onPage: parts ? (records, _page, count) => {
            for (const record of records) {
              send(onOutput(0, OUTPUTS, { ...msg, payload: record, parts: { id: msg._msgid, type: 'array', index: sentParts++, count } }));
            }
          } : undefined,
        });
        switch (result.type) {
          case 'records':
            if (!parts) {
              msg.payload = result.records;
              msg.salesforce = { totalSize: result.totalSize, truncated: result.truncated };
              send(onOutput(0, OUTPUTS, msg));
            }
            status.ok(node, `${def.operation}: ${result.totalSize}${result.truncated ? ' (truncated)' : ''}`);
            return;
          case 'describe':
          case 'dryRun':
            msg.payload = result.type === 'describe' ? result.result : { dryRun: true, requests: result.requests, ...(result.diff ? { diff: result.diff } : {}) };
            send(onOutput(0, OUTPUTS, msg));
            status.ok(node, result.type === 'dryRun' ? `dry run: ${result.requests.length} request(s)` : 'described');
            return;
          default: {
            const ok = result.outcomes.filter((o) => o.success);
            const failed = result.outcomes.filter((o) => !o.success);
            const summary = { mode: result.mode, jobId: result.jobId, total: result.records.length, succeeded: ok.length, failed: failed.length,
              ...(result.routedToCollections ? { routedToCollections: result.routedToCollections } : {}), ...(result.batchSize ? { batchSize: result.batchSize } : {}) };
            for (const f of failed) {
              const recordMsg: Msg = { ...msg, payload: result.records[f.index], index: f.index, salesforce: summary };
              const err = routeError(node, def.errorRouting, recordMsg, send, recordFailure(f.errors, { index: f.index, operation: def.operation, object: spec.object }), 1, OUTPUTS);
              if (err) node.error(err, recordMsg);
            }
            if (ok.length) {
              const view = (o: typeof ok[number]) => ({ index: o.index, id: o.id, ...(o.created !== undefined ? { created: o.created } : {}), record: result.records[o.index] });
              send(onOutput(0, OUTPUTS, { ...msg, payload: result.single ? view(ok[0]) : ok.map(view), salesforce: summary }));
            }
            const text = `${def.operation}: ${ok.length} ok, ${failed.length} failed${bulkNote(result.mode, result.routedToCollections)}`;
            if (failed.length) status.warn(node, text);
            else status.ok(node, text);
            if (failed.length) log.warn(`${failed.length} of ${result.records.length} record(s) failed`, { msg, code: failed[0].errors[0]?.statusCode });
          }
        }
      } catch (err) {
        const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { operation: def.operation, object: spec.object });
        status.error(node, fe.code);
        const toCatch = routeError(node, def.errorRouting, msg, send, fe, 1, OUTPUTS);
        if (toCatch) throw toCatch;
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      offLimit();
      // Messages waiting for a batch are written before the node goes (each still gets its answer).
      (batcher ? batcher.flush() : Promise.resolve()).finally(() => done());
    });
  }

  RED.nodes.registerType('fg-salesforce', FgSalesforce);
};
