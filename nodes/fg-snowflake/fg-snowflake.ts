import type snowflake from 'snowflake-sdk';
import { metrics } from '../../lib/ops/metrics';
import { FlowGuardError, flowError } from '../../lib/reliability/errors';
import { boolean, duration, list, oneOf, positiveInt, positiveNumber, text } from '../../lib/settings';
import { withConnection } from '../../lib/snowflake/client';
import { toSnowflakeError } from '../../lib/snowflake/errors';
import { Binds, execute, fetchResults, Row, stream, streamResults, submitAndWait } from '../../lib/snowflake/execute';
import { BulkOptions, BulkResult, LOAD_METHODS, partOf, PartsGatherer, RowGatherer, writeRows } from '../../lib/snowflake/bulk-load';
import { ON_ERRORS } from '../../lib/snowflake/stage-load';
import { SnowflakeWriteBatcher } from '../../lib/snowflake/batched-writes';
import { TickGate } from '../../lib/snowflake/tick-gate';
import { defineNode, Msg, Send } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';
import { SNOWFLAKE } from '../fg-snowflake-config/config-node';

const keysOf = list();

export = defineNode('fg-snowflake', {
  settings: {
    mode: oneOf(['query', 'insert', 'upsert'], 'query'),
    sql: text(),
    output: oneOf(['all', 'rows', 'batches'], 'all'),
    batchSize: positiveInt(1000),
    waitForTick: boolean(false),
    async: boolean(false),
    pollMs: duration(2, 's', { property: 'pollInterval' }),
    table: text(),
    keys: list(),
    columns: list(),
    identifierCase: oneOf(['upper', 'exact'], 'upper'),
    maxRows: positiveInt(16384),
    maxMegabytes: positiveNumber(16),
    deadlineMs: duration(300, 's', { property: 'timeout' }),
    /** micro-batching window for insert / upsert messages of one row; 0: off */
    batchWindow: duration(0, 'ms', { allowZero: true }),
    bigNumbersAsStrings: boolean(false),
    /** insert / upsert: array binds, a stage (PUT + COPY INTO), or binds up to stageThreshold rows and a stage above */
    loadMethod: oneOf(LOAD_METHODS, 'auto'),
    stageThreshold: positiveInt(100_000),
    stageType: oneOf(['user', 'table', 'named'], 'user'),
    stageName: text(),
    fileMegabytes: positiveNumber(100),
    onError: oneOf(ON_ERRORS, 'ABORT_STATEMENT'),
    purge: boolean(true),
    /** msg.parts sequences (split, streamed batches) gathered into one load when the last part arrives */
    gatherParts: boolean(false),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  configs: { snowflake: SNOWFLAKE },
  outputs: 2,
  errorOutput: 1,
  setup({ node, config, settings: s, log, status, onInput, output, onClose, report }) {
    const { mode, deadlineMs } = s;
    const pool = () => config.snowflake.getPool();
    const fetchAsString = s.bigNumbersAsStrings ? ['Number'] : undefined;
    const gate = new TickGate();
    // Ticks are not tied to a stream, so streams with tick back-pressure run one after another.
    let tickedStreams: Promise<unknown> = Promise.resolve();
    status.idle(mode);

    const writeOptions = () => ({
      columns: s.columns,
      identifierCase: s.identifierCase,
      limits: { maxRows: s.maxRows, maxBytes: s.maxMegabytes * 1024 * 1024 },
      deadlineMs,
      onProgress: (written: number, total: number) => status.busy(`${mode}: ${written}/${total} rows`),
    });

    const bulk = (): BulkOptions => ({
      method: s.loadMethod,
      threshold: s.stageThreshold,
      binds: writeOptions(),
      stage: {
        columns: s.columns, identifierCase: s.identifierCase, stage: { kind: s.stageType, name: s.stageName },
        fileBytes: s.fileMegabytes * 1024 * 1024, onError: s.onError, purge: s.purge, deadlineMs,
        onProgress: (p) => status.busy(`${p.rowsWritten} rows written, ${p.filesPut} files put, ${p.rowsLoaded} rows loaded`),
      },
    });
    const sequences = new PartsGatherer<Msg>(deadlineMs, (last, rows) => report(last, new FlowGuardError(flowError({
      message: `The msg.parts sequence ${String((last.parts as { id?: unknown })?.id)} stopped after ${rows} rows (no part for ${deadlineMs / 1000} s, or a redeploy): nothing of it was loaded; send the whole sequence again`,
      code: 'SEQUENCE_INCOMPLETE', service: 'snowflake', retryable: true,
    }))));

    const batcher = s.batchWindow > 0 && mode !== 'query'
      ? new SnowflakeWriteBatcher(pool, { mode, windowMs: s.batchWindow, maxRows: s.maxRows, writeOptions, onBatch: (size, t) => status.busy(`batch of ${size} (${t.batches} batches, ${t.items} rows)`) })
      : undefined;

    /** Long queries: submit with asyncExec and poll, showing progress; resolves with the query id when done. */
    const runAsync = (connection: snowflake.Connection, sqlText: string, binds: Binds | undefined): Promise<string> => submitAndWait(connection, {
      sqlText, binds, deadlineMs, pollMs: s.pollMs,
      onProgress: (state, elapsed) => status.busy(`${state.toLowerCase()} ${Math.round(elapsed / 1000)}s`),
    });

    /** Sends rows as msg.parts sequences (one row or one batch per message), waiting between messages. */
    async function streamOut(msg: Msg, send: Send, sqlText: string, binds: Binds | undefined): Promise<number> {
      const perRow = s.output === 'rows';
      const batchSize = perRow ? 1000 : s.batchSize;
      gate.reset();
      let index = 0;
      const onBatch = async (rows: Row[], _batch: number, total: number) => {
        const items: unknown[] = perRow ? rows : [rows];
        const count = perRow ? total : Math.max(1, Math.ceil(total / batchSize));
        for (const item of items) {
          send(output(0, { ...msg, payload: item, parts: { id: msg._msgid, type: 'array', index: index++, count } }));
          // A tick from the consumer, or at least a turn of the event loop so messages are delivered as we go.
          if (s.waitForTick) await gate.wait(deadlineMs);
          else if (!perRow || index % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        status.busy(`streaming: ${index}${perRow ? '' : ' batches'} sent`);
      };
      const result = await withConnection(pool(), async (connection) => (s.async
        ? streamResults(connection, await runAsync(connection, sqlText, binds), { batchSize, fetchAsString, onBatch })
        : stream(connection, { sqlText, binds, fetchAsString, batchSize, onBatch, deadlineMs })));
      return result.rows;
    }

    async function query(msg: Msg, send: Send): Promise<string> {
      const sqlText = String(s.sql || msg.sql || '').trim();
      if (!sqlText) throw Object.assign(new Error('No SQL: set it in the node or pass msg.sql'), { code: 'NO_SQL' });
      const binds = msg.binds as Binds | undefined;
      if (binds !== undefined && !Array.isArray(binds)) throw Object.assign(new Error('msg.binds must be an array'), { code: 'BAD_BINDS' });
      if (s.output === 'rows' || s.output === 'batches') {
        const run = s.waitForTick ? tickedStreams.then(() => streamOut(msg, send, sqlText, binds)) : streamOut(msg, send, sqlText, binds);
        if (s.waitForTick) tickedStreams = run.catch(() => undefined);
        return `${await run} rows streamed`;
      }
      const result = await withConnection(pool(), async (connection) => {
        if (!s.async) return execute(connection, { sqlText, binds, deadlineMs, fetchAsString });
        const queryId = await runAsync(connection, sqlText, binds);
        return { rows: await fetchResults(connection, queryId, fetchAsString), queryId, statementType: 'select' as const, rowCount: undefined };
      });
      msg.payload = result.rows;
      msg.snowflake = { queryId: result.queryId, rowCount: result.rowCount, rows: result.rows.length, statementType: result.statementType };
      send(output(0, msg));
      return result.rowCount !== undefined ? `${result.rowCount} rows affected` : `${result.rows.length} rows`;
    }

    async function write(msg: Msg, send: Send): Promise<string> {
      const table = String(s.table || msg.table || '').trim();
      if (!table) throw Object.assign(new Error('No table: set it in the node or pass msg.table'), { code: 'NO_TABLE' });
      const keys = s.keys.length ? s.keys : keysOf.parse(msg.keys);
      const part = s.gatherParts ? partOf(msg) : undefined;
      // A part of a gathered sequence is never micro-batched on its own.
      if (!part && batcher?.accepts(msg.payload)) {
        const result = await batcher.write(table, msg.payload, keys);
        msg.snowflake = { table, ...result };
        send(output(0, msg));
        return `batch of ${result.batchSize}: ${mode === 'insert' ? `inserted ${result.rowsInserted}` : `${result.rowsInserted} new, ${result.rowsUpdated} updated`}`;
      }
      const rows = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const writeMode = mode === 'upsert' ? 'upsert' : 'insert';
      let result: BulkResult;
      if (part) {
        const gathered = await sequences.add(part, rows, msg, () => new RowGatherer(writeMode, keys, bulk()));
        if (!gathered) return `gathering: ${part.index + 1}${part.count ? `/${part.count}` : ''} parts`;
        result = await gathered.finish(pool(), table);
        delete msg.parts;
      } else {
        result = await writeRows(pool(), table, rows, writeMode, keys, bulk());
      }
      msg.snowflake = { table, ...result };
      if (result.method === 'stage') msg.payload = result.files;
      send(output(0, msg));
      if (result.method === 'stage') {
        const updated = mode === 'upsert' ? `, ${result.rowsInserted} new, ${result.rowsUpdated} updated` : '';
        return `staged: ${result.rowsLoaded} rows loaded from ${result.files.length}/${result.filesPut} files${result.filesSkipped ? ` (${result.filesSkipped} already loaded)` : ''}${result.errorsSeen ? `, ${result.errorsSeen} errors` : ''}${updated}`;
      }
      return mode === 'insert'
        ? `inserted ${result.rowsInserted} (${result.statements} statements)`
        : `upserted: ${result.rowsInserted} new, ${result.rowsUpdated} updated (${result.statements} statements)`;
    }

    onInput(async (msg, send) => {
      // A tick acknowledges one streamed message; it starts nothing.
      if (msg.tick === true) return gate.tick();
      status.busy(`${mode}…`);
      try {
        status.ok(await metrics.timeCall(node, mode === 'query' ? query(msg, send) : write(msg, send)));
      } catch (err) {
        const fe = toSnowflakeError(err);
        status.error(`${fe.code}${fe.sqlState ? ` (${fe.sqlState})` : ''}`);
        log.warn(`Snowflake ${mode} failed: ${fe.message}`, { msg, code: fe.code });
        throw new FlowGuardError(fe);
      }
    });

    onClose(async () => {
      gate.close();
      sequences.close();
      // Rows waiting for a batch are written before the node goes (each message still gets its answer).
      await batcher?.flush();
    });
  },
});
