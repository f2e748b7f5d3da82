import { createLogger } from '../../lib/ops/log';
import { withConnection } from '../../lib/snowflake/client';
import { toSnowflakeError } from '../../lib/snowflake/errors';
import type snowflake from 'snowflake-sdk';
import { Binds, execute, fetchResults, Row, stream, streamResults, submitAndWait } from '../../lib/snowflake/execute';
import { IdentifierCase } from '../../lib/snowflake/identifiers';
import { insertRows, upsertRows } from '../../lib/snowflake/operations';
import { TickGate } from '../../lib/snowflake/tick-gate';
import { metrics, MetricNode } from '../../lib/ops/metrics';
import { ErrorRouting, Msg, RuntimeNode, Send, onInput, onOutput, routeError, status } from '../shared/node-io';
import type { SnowflakeConfigNode } from '../fg-snowflake-config/config-node';

interface NodeDef {
  id: string;
  name?: string;
  snowflake: string;
  mode?: 'query' | 'insert' | 'upsert';
  sql?: string;
  output?: 'all' | 'rows' | 'batches';
  batchSize?: number | string;
  waitForTick?: boolean;
  async?: boolean;
  pollInterval?: number | string;
  table?: string;
  keys?: string;
  columns?: string;
  identifierCase?: IdentifierCase;
  maxRows?: number | string;
  maxMegabytes?: number | string;
  timeout?: number | string;
  bigNumbersAsStrings?: boolean;
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 2;
const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));
const list = (text: unknown): string[] => (Array.isArray(text) ? text.map(String) : String(text ?? '').split(',')).map((s) => s.trim()).filter(Boolean);

export = function (RED: any) {
  function FgSnowflake(this: RuntimeNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: RuntimeNode, def: NodeDef): void {
    const log = createLogger(node);
    const config = RED.nodes.getNode(def.snowflake) as SnowflakeConfigNode | null;
    const mode = def.mode ?? 'query';
    if (!config) {
      status.error(node, 'no Snowflake config');
      node.on('input', (_msg, _send, done) => done(new Error('fg-snowflake: select a Snowflake config node')));
      return;
    }
    if (config.problem) status.error(node, 'config incomplete');
    else status.idle(node, mode);
    const deadlineMs = num(def.timeout, 300) * 1000;
    const fetchAsString = def.bigNumbersAsStrings ? ['Number'] : undefined;
    const gate = new TickGate();
    // Ticks are not tied to a stream, so streams with tick back-pressure run one after another.
    let tickedStreams: Promise<unknown> = Promise.resolve();

    const writeOptions = () => ({
      columns: list(def.columns),
      identifierCase: def.identifierCase ?? 'upper',
      limits: { maxRows: num(def.maxRows, 16384), maxBytes: num(def.maxMegabytes, 16) * 1024 * 1024 },
      deadlineMs,
      onProgress: (written: number, total: number) => status.busy(node, `${mode}: ${written}/${total} rows`),
    });

    /** Long queries: submit with asyncExec and poll, showing progress; resolves with the query id when done. */
    const runAsync = (connection: snowflake.Connection, sqlText: string, binds: Binds | undefined): Promise<string> => submitAndWait(connection, {
      sqlText, binds, deadlineMs, pollMs: num(def.pollInterval, 2) * 1000,
      onProgress: (state, elapsed) => status.busy(node, `${state.toLowerCase()} ${Math.round(elapsed / 1000)}s`),
    });

    /** Sends rows as msg.parts sequences (one row or one batch per message), waiting between messages. */
    async function streamOut(msg: Msg, send: Send, sqlText: string, binds: Binds | undefined): Promise<number> {
      const perRow = def.output === 'rows';
      const batchSize = perRow ? 1000 : Math.max(1, num(def.batchSize, 1000));
      gate.reset();
      let index = 0;
      const onBatch = async (rows: Row[], _batch: number, total: number) => {
        const items: unknown[] = perRow ? rows : [rows];
        const count = perRow ? total : Math.max(1, Math.ceil(total / batchSize));
        for (const item of items) {
          send(onOutput(0, OUTPUTS, { ...msg, payload: item, parts: { id: msg._msgid, type: 'array', index: index++, count } }));
          // A tick from the consumer, or at least a turn of the event loop so messages are delivered as we go.
          if (def.waitForTick) await gate.wait(deadlineMs);
          else if (!perRow || index % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        status.busy(node, `streaming: ${index}${perRow ? '' : ' batches'} sent`);
      };
      const result = await withConnection(config!.getPool(), async (connection) => (def.async
        ? streamResults(connection, await runAsync(connection, sqlText, binds), { batchSize, fetchAsString, onBatch })
        : stream(connection, { sqlText, binds, fetchAsString, batchSize, onBatch, deadlineMs })));
      return result.rows;
    }

    async function query(msg: Msg, send: Send): Promise<string> {
      const sqlText = String(def.sql || msg.sql || '').trim();
      if (!sqlText) throw Object.assign(new Error('No SQL: set it in the node or pass msg.sql'), { code: 'NO_SQL' });
      const binds = msg.binds as Binds | undefined;
      if (binds !== undefined && !Array.isArray(binds)) throw Object.assign(new Error('msg.binds must be an array'), { code: 'BAD_BINDS' });
      if (def.output === 'rows' || def.output === 'batches') {
        const run = def.waitForTick ? tickedStreams.then(() => streamOut(msg, send, sqlText, binds)) : streamOut(msg, send, sqlText, binds);
        if (def.waitForTick) tickedStreams = run.catch(() => undefined);
        return `${await run} rows streamed`;
      }
      const result = await withConnection(config!.getPool(), async (connection) => {
        if (!def.async) return execute(connection, { sqlText, binds, deadlineMs, fetchAsString });
        const queryId = await runAsync(connection, sqlText, binds);
        return { rows: await fetchResults(connection, queryId, fetchAsString), queryId, statementType: 'select' as const, rowCount: undefined };
      });
      msg.payload = result.rows;
      msg.snowflake = { queryId: result.queryId, rowCount: result.rowCount, rows: result.rows.length, statementType: result.statementType };
      send(onOutput(0, OUTPUTS, msg));
      return result.rowCount !== undefined ? `${result.rowCount} rows affected` : `${result.rows.length} rows`;
    }

    async function write(msg: Msg, send: Send): Promise<string> {
      const table = String(def.table || msg.table || '').trim();
      if (!table) throw Object.assign(new Error('No table: set it in the node or pass msg.table'), { code: 'NO_TABLE' });
      const rows = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const pool = config!.getPool();
      const result = mode === 'insert'
        ? await insertRows(pool, table, rows, writeOptions())
        : await upsertRows(pool, table, rows, list(def.keys).length ? list(def.keys) : list(msg.keys), writeOptions());
      msg.snowflake = { table, ...result };
      send(onOutput(0, OUTPUTS, msg));
      return mode === 'insert'
        ? `inserted ${result.rowsInserted} (${result.statements} statements)`
        : `upserted: ${result.rowsInserted} new, ${result.rowsUpdated} updated (${result.statements} statements)`;
    }

    onInput(node, async (msg: Msg, send) => {
      // A tick acknowledges one streamed message; it starts nothing.
      if (msg.tick === true) return gate.tick();
      status.busy(node, `${mode}…`);
      try {
        const text = await metrics.timeCall(node as RuntimeNode & MetricNode, mode === 'query' ? query(msg, send) : write(msg, send));
        status.ok(node, text);
      } catch (err) {
        const fe = toSnowflakeError(err);
        status.error(node, `${fe.code}${fe.sqlState ? ` (${fe.sqlState})` : ''}`);
        log.warn(`Snowflake ${mode} failed: ${fe.message}`, { msg, code: fe.code });
        const toCatch = routeError(node, def.errorRouting, msg, send, fe, 1, OUTPUTS);
        if (toCatch) throw toCatch;
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      gate.close();
      done();
    });
  }

  RED.nodes.registerType('fg-snowflake', FgSnowflake);
};
