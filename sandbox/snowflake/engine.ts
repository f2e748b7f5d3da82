// The SQL engine behind the sandbox: one in-memory DuckDB instance, one DuckDB connection per Snowflake session
// (so temporary tables and transactions are per session, as in Snowflake). Transactions follow Snowflake's rules
// (https://docs.snowflake.com/en/sql-reference/transactions): a DDL statement commits the open transaction and commits
// itself; a failed statement inside a transaction is rolled back alone and the transaction stays open; BEGIN inside a
// transaction and COMMIT / ROLLBACK outside one are accepted and change nothing; with AUTOCOMMIT off, the first DML
// statement starts a transaction.
import { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult, DuckDBType, JsonDuckDBValueConverter, listValue, DuckDBValue, LIST, VARCHAR } from '@duckdb/node-api';
import { ResultEncoder } from './encode';
import { COMPAT_MACROS, significant, tokenize, translate, SessionNames } from './translate';
import { sqlError, unsupported } from './errors';
import { Binding, bindExpression, isSingleTuple, splitTopLevel } from './binds';
import { classify, STATEMENT_TYPE, StatementResult, synthetic } from './statements';
import { fromDuckName, quoteDuckName, toDuckName } from './names';

export type { Binding } from './binds';
export type { StatementResult } from './statements';
export { classify, countStatements, STATEMENT_TYPE } from './statements';

/** Statements that start a transaction when AUTOCOMMIT is off. */
const DML_KINDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE']);

export interface SessionContext extends SessionNames {
  database: string;
  schema: string;
}

/** Session parameters that change how statements run (ALTER SESSION SET …). */
export interface ExecuteOptions {
  /** AUTOCOMMIT (default TRUE). */
  autocommit?: boolean;
  /** ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE). */
  errorOnNondeterministicMerge?: boolean;
}

/** A statement that ran inside the open transaction, kept to replay it after another statement fails. */
interface Done {
  sql: string;
  values: DuckDBValue[] | undefined;
  types: DuckDBType[] | undefined;
}

/** The parts of a qualified name (DB.SCHEMA."t.x" → three parts), dots inside quotes kept. */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of name) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) { parts.push(current); current = ''; } else current += ch;
  }
  parts.push(current);
  return parts;
}

/** The column list of DuckDB's CREATE TABLE text: from the first parenthesis outside a quoted name, without the `;`. */
function columnList(ddl: string): string {
  let quoted = false;
  for (let i = 0; i < ddl.length; i++) {
    if (ddl[i] === '"') quoted = !quoted;
    else if (ddl[i] === '(' && !quoted) return ddl.slice(i).replace(/;\s*$/, '');
  }
  throw new Error(`No column list in ${ddl}`);
}

/** Snowflake resolves unquoted names upper-case. */
export function normaliseName(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toUpperCase();
}

export class SqlEngine {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async create(): Promise<SqlEngine> {
    return new SqlEngine(await DuckDBInstance.create(':memory:'));
  }

  async openSession(database: string, schema: string): Promise<EngineSession> {
    const connection = await this.instance.connect();
    // The session's TIMEZONE parameter is UTC (state.ts); TIMESTAMP_LTZ values are read and shown in it.
    await connection.run(`SET TimeZone = 'UTC'; ${COMPAT_MACROS.map((m) => `CREATE OR REPLACE TEMP MACRO ${m}`).join(';\n')}`);
    const session = new EngineSession(connection);
    if (database) await session.use(database, schema || 'PUBLIC');
    return session;
  }

  close(): void {
    this.instance.closeSync();
  }
}

export class EngineSession {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The open transaction's statements so far, or undefined outside a transaction. */
  private transaction?: Done[];
  private autocommit = true;
  database = '';
  schema = '';

  constructor(private readonly connection: DuckDBConnection) {}

  /** Runs work for this session one at a time (a DuckDB connection runs one statement at a time). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(sqlError('390111', '08003', 'Session no longer exists.', 'EXECUTION'));
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async use(database: string, schema: string): Promise<void> {
    const db = normaliseName(database);
    const sc = normaliseName(schema);
    await this.connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteDuckName(db)}`);
    // Every Snowflake database is created with a PUBLIC schema.
    await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuckName(db)}."PUBLIC"`);
    await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuckName(db)}.${quoteDuckName(sc)}`);
    await this.connection.run(`USE ${quoteDuckName(db)}.${quoteDuckName(sc)}`);
    this.database = db;
    this.schema = sc;
  }

  /** Rows of a query on DuckDB's own catalog (SHOW commands), as JSON values. */
  catalog(sql: string, values?: DuckDBValue[]): Promise<unknown[][]> {
    return this.serial(async () => {
      const result = await this.connection.run(sql, values);
      const rows: unknown[][] = [];
      for (let i = 0; i < result.chunkCount; i++) rows.push(...(result.getChunk(i).getRows() as unknown[][]));
      return rows;
    });
  }

  /** A listing built on the catalog (SHOW commands) as a Snowflake result. */
  show(sql: string, values: DuckDBValue[]): Promise<StatementResult> {
    return this.serial(async () => this.selectResult(await this.connection.run(sql, values), STATEMENT_TYPE.SELECT, 'SELECT'));
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  /** Closes after the statements already queued have finished (closing under a running statement hangs DuckDB). */
  close(): Promise<void> {
    if (this.closed) return this.queue.then(() => undefined);
    this.closed = true;
    this.queue = this.queue.then(() => this.connection.closeSync());
    return this.queue.then(() => undefined);
  }

  execute(sqlText: string, bindings: Record<string, Binding> | undefined, names: SessionNames, options: ExecuteOptions = {}): Promise<StatementResult> {
    return this.serial(() => this.executeNow(sqlText, bindings ?? {}, names, options));
  }

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  private async begin(): Promise<void> {
    if (this.transaction) return;
    await this.connection.run('BEGIN TRANSACTION');
    this.transaction = [];
  }

  private async end(action: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (!this.transaction) return;
    this.transaction = undefined;
    await this.connection.run(action);
  }

  /**
   * Runs one statement of the open transaction. DuckDB aborts the whole transaction when a statement fails; Snowflake
   * rolls back only that statement, so the transaction is rebuilt from the statements that succeeded before it.
   */
  private async inTransactionRun(sql: string, values: DuckDBValue[] | undefined, types?: DuckDBType[]): Promise<DuckDBMaterializedResult> {
    try {
      const result = await this.connection.run(sql, values, types);
      this.transaction!.push({ sql, values, types });
      return result;
    } catch (err) {
      const done = this.transaction!;
      this.transaction = undefined;
      await this.connection.run('ROLLBACK').catch(() => undefined);
      await this.begin();
      for (const step of done) {
        await this.connection.run(step.sql, step.values, step.types);
        this.transaction!.push(step);
      }
      throw err;
    }
  }

  private run(sql: string, values?: DuckDBValue[], types?: DuckDBType[]): Promise<DuckDBMaterializedResult> {
    return this.transaction ? this.inTransactionRun(sql, values, types) : this.connection.run(sql, values, types);
  }

  private get where(): { database: string; schema: string } {
    return { database: this.database, schema: this.schema };
  }

  private async executeNow(sqlText: string, bindings: Record<string, Binding>, names: SessionNames, options: ExecuteOptions): Promise<StatementResult> {
    const { statementTypeId, kind } = classify(sqlText);
    const autocommit = options.autocommit ?? true;
    // Changing AUTOCOMMIT commits the open transaction.
    if (autocommit !== this.autocommit) {
      this.autocommit = autocommit;
      await this.end('COMMIT');
    }
    if (kind === 'USE') return this.executeUse(sqlText, names);
    const status = () => synthetic(statementTypeId, kind, [['status', 'text']], ['Statement executed successfully.'], this.where);
    switch (kind) {
      case 'BEGIN': case 'START':
        await this.begin();
        return status();
      case 'COMMIT': case 'ROLLBACK':
        await this.end(kind);
        return status();
      case 'DDL':
        // DDL commits the open transaction, then runs (and commits) on its own.
        await this.end('COMMIT');
        break;
      default:
        if (!autocommit && DML_KINDS.has(kind)) await this.begin();
    }
    const isArrayBind = Object.values(bindings).some((b) => Array.isArray(b.value));
    let result: DuckDBMaterializedResult;
    if (isArrayBind) {
      result = await this.runArrayBind(sqlText, bindings, names, kind);
    } else {
      const translated = translate(sqlText, names, (p) => bindExpression(bindings[p], `$${p}`));
      if (translated.noop) return status();
      if (translated.like) return this.describe(await this.run(await this.createLike(translated.like)), statementTypeId, kind);
      let sql = translated.sql;
      const fromValues = /^([\s\S]*\bFROM)\s+VALUES\s*(\([\s\S]*\))$/.exec(sql);
      if (fromValues && isSingleTuple(fromValues[2])) {
        sql = `${fromValues[1]} (SELECT ${splitTopLevel(fromValues[2].slice(1, -1)).map((e, i) => `${e} AS COLUMN${i + 1}`).join(', ')})`;
      }
      if (kind === 'MERGE' && !/\bRETURNING\b/i.test(sql)) sql += ' RETURNING MERGE_ACTION';
      const values = this.bindValues(bindings);
      if (translated.mergeDuplicateCheck && options.errorOnNondeterministicMerge !== false) {
        await this.refuseDuplicateMatches(translated.mergeDuplicateCheck, values);
      }
      result = await this.run(sql, values.length ? values : undefined);
    }
    return this.describe(result, statementTypeId, kind);
  }

  /**
   * CREATE TABLE … LIKE copies the source's column definitions, "column names, types, defaults, and constraints"
   * (NOT NULL, and the checks behind VARCHAR(n)), without its rows (https://docs.snowflake.com/en/sql-reference/sql/create-table).
   * A temporary table of the session comes before a permanent one of the same name, as in Snowflake.
   */
  private async createLike({ create, source }: { create: string; source: string }): Promise<string> {
    // The source is translated SQL: its parts are names as DuckDB keeps them (names.ts).
    const parts = splitName(source).map(normaliseName);
    const table = parts[parts.length - 1];
    const schema = parts.length > 1 ? parts[parts.length - 2] : toDuckName(this.schema);
    const database = parts.length > 2 ? parts[0] : toDuckName(this.database);
    const places = [[database, schema, table]];
    if (database === toDuckName(this.database) && schema === toDuckName(this.schema)) places.unshift(['temp', 'main', table]);
    for (const at of places) {
      const found = await this.connection.run('SELECT sql FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?', at);
      if (found.chunkCount && found.getChunk(0).rowCount) return `${create} ${columnList(String(found.getChunk(0).getColumnValues(0)[0]))}`;
    }
    throw sqlError('002003', '42S02', `SQL compilation error:\nObject '${fromDuckName([database, schema, table].join('.'))}' does not exist or not authorized.`);
  }

  /**
   * Snowflake refuses a MERGE in which one target row joins several source rows that would update or delete it:
   * 100090 (42P18) "Duplicate row detected during DML action". Source: https://docs.snowflake.com/en/sql-reference/sql/merge
   */
  private async refuseDuplicateMatches(check: string, values: DuckDBValue[]): Promise<void> {
    const found = await this.connection.run(check, values.length ? values : undefined);
    if (!found.chunkCount || !found.getChunk(0).rowCount) return;
    const row = found.getChunk(0).convertColumnValues(0, JsonDuckDBValueConverter)[0] as Record<string, unknown> | null;
    const rendered = row && typeof row === 'object' ? Object.values(row).map((v) => JSON.stringify(v)).join(', ') : '';
    throw sqlError('100090', '42P18', `Duplicate row detected during DML action\nRow Values: [${rendered}]`, 'EXECUTION');
  }

  private bindValues(bindings: Record<string, Binding>): DuckDBValue[] {
    const count = Math.max(0, ...Object.keys(bindings).map(Number));
    const values: DuckDBValue[] = [];
    for (let i = 1; i <= count; i++) values.push((bindings[String(i)]?.value as string | null) ?? null);
    return values;
  }

  /**
   * Array binds: `INSERT … VALUES (?, ?)` becomes one INSERT … SELECT over the unnested bind columns, so 100,000 rows
   * are one DuckDB statement. Other statements run once per bind row.
   */
  private async runArrayBind(sqlText: string, bindings: Record<string, Binding>, names: SessionNames, kind: string): Promise<DuckDBMaterializedResult> {
    const positions = Object.keys(bindings).map(Number).sort((a, b) => a - b);
    const rowCount = Math.max(...positions.map((p) => (bindings[p].value as unknown[] | null)?.length ?? 0));
    const column = (p: number): (string | null)[] => (bindings[p].value as (string | null)[] | null) ?? new Array(rowCount).fill(null);
    const { sql } = translate(sqlText, names, (p) => bindExpression(bindings[p], `"__B"."C${p}"`));
    const values = /^(INSERT\s[\s\S]*?\bVALUES)\s*(\([\s\S]*\))$/.exec(sql);
    if (kind === 'INSERT' && values && isSingleTuple(values[2])) {
      const unnest = `(SELECT ${positions.map((p, i) => `UNNEST($${i + 1}::VARCHAR[]) AS "C${p}"`).join(', ')}) AS "__B"`;
      const exprs = values[2].slice(1, -1);
      const prefix = values[1].replace(/\bVALUES$/, '');
      // `… SELECT COLUMN1, PARSE_JSON(COLUMN2) FROM VALUES (?, ?)` reads the tuple as a row source named COLUMNn.
      const rewritten = /\bFROM\s*$/.test(prefix)
        ? `${prefix} (SELECT ${splitTopLevel(exprs).map((e, i) => `${e} AS COLUMN${i + 1}`).join(', ')} FROM ${unnest})`
        : `${prefix} SELECT ${exprs} FROM ${unnest}`;
      // Explicit LIST(VARCHAR): a list whose first value is null would otherwise be typed as a list of NULLs.
      return this.run(rewritten, positions.map((p) => listValue(column(p))), positions.map(() => LIST(VARCHAR)));
    }
    // Fallback: run the statement per row inside one transaction and report the summed count.
    const single = translate(sqlText, names, (p) => bindExpression(bindings[p], `$${p}`)).sql;
    if (this.transaction) throw unsupported('An array bind of a statement other than INSERT … VALUES inside an explicit transaction');
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const prepared = await this.connection.prepare(single);
      let affected = 0n;
      for (let r = 0; r < rowCount; r++) {
        prepared.bind(positions.map((p) => column(p)[r]));
        const part = await prepared.run();
        if (part.chunkCount) affected += BigInt(String(part.getChunk(0).getColumnValues(0)[0] ?? 0));
      }
      await this.connection.run('COMMIT');
      return this.connection.run(`SELECT ${affected}::BIGINT AS "Count"`);
    } catch (err) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private async executeUse(sqlText: string, names: SessionNames): Promise<StatementResult> {
    const words = significant(tokenize(sqlText)).slice(1).map((t) => t.text);
    let target = words[0]?.toUpperCase();
    if (target === 'SECONDARY') { words.shift(); target = 'ROLES'; }
    const rest = ['WAREHOUSE', 'ROLE', 'DATABASE', 'SCHEMA', 'ROLES'].includes(target ?? '') ? words.slice(1) : words;
    const name = rest.join('');
    if (target === 'WAREHOUSE') names.warehouse = normaliseName(name);
    else if (target === 'ROLE') names.role = normaliseName(name);
    else if (target === 'DATABASE') await this.use(name, 'PUBLIC');
    else if (target !== 'ROLES') {
      const parts = name.split('.');
      if (parts.length === 2) await this.use(parts[0], parts[1]);
      else if (!this.database) throw sqlError('090105', '22000', 'Cannot perform operation. This session does not have a current database.');
      else await this.use(this.database, parts[0]);
    }
    return synthetic(STATEMENT_TYPE.SESSION, 'USE', [['status', 'text']], ['Statement executed successfully.'], this.where);
  }

  private describe(result: DuckDBMaterializedResult, statementTypeId: number, kind: string): StatementResult {
    const where = this.where;
    const firstValues = (): DuckDBValue[] => (result.chunkCount ? result.getChunk(0).getColumnValues(0) : []);
    const count = (): number => Number(firstValues()[0] ?? 0);
    switch (kind) {
      case 'INSERT': {
        const n = count();
        return synthetic(statementTypeId, kind, [['number of rows inserted', 'fixed']], [String(n)], where, n);
      }
      case 'UPDATE': {
        const n = count();
        return synthetic(statementTypeId, kind, [['number of rows updated', 'fixed'], ['number of multi-joined rows updated', 'fixed']], [String(n), '0'], where, n);
      }
      case 'DELETE': {
        const n = count();
        return synthetic(statementTypeId, kind, [['number of rows deleted', 'fixed']], [String(n)], where, n);
      }
      case 'MERGE': {
        const actions: Record<string, number> = { INSERT: 0, UPDATE: 0, DELETE: 0 };
        for (let i = 0; i < result.chunkCount; i++) {
          for (const action of result.getChunk(i).getColumnValues(0)) actions[String(action)] = (actions[String(action)] ?? 0) + 1;
        }
        const columns: [string, string][] = [['number of rows inserted', 'fixed'], ['number of rows updated', 'fixed']];
        const row = [String(actions.INSERT), String(actions.UPDATE)];
        if (actions.DELETE) { columns.push(['number of rows deleted', 'fixed']); row.push(String(actions.DELETE)); }
        return synthetic(statementTypeId, kind, columns, row, where, actions.INSERT + actions.UPDATE + actions.DELETE);
      }
      case 'SELECT':
        return this.selectResult(result, statementTypeId, kind);
      default:
        return synthetic(statementTypeId, kind, [['status', 'text']], ['Statement executed successfully.'], where);
    }
  }

  private selectResult(result: DuckDBMaterializedResult, statementTypeId: number, kind: string): StatementResult {
    const encoder = new ResultEncoder(result.columnNames(), result.columnTypes(), this.where);
    // Row offsets of each DuckDB chunk, so any row range can be read without converting the whole result. getChunk
    // costs milliseconds, so a range only fetches the chunks it overlaps (a million rows are ~500 chunks).
    const starts: number[] = [];
    const counts: number[] = [];
    let total = 0;
    for (let i = 0; i < result.chunkCount; i++) {
      const count = result.getChunk(i).rowCount;
      starts.push(total);
      counts.push(count);
      total += count;
    }
    const readRows = (from: number, to: number): (string | null)[][] => {
      const rows: (string | null)[][] = [];
      for (let i = 0; i < starts.length; i++) {
        const start = starts[i];
        const end = start + counts[i];
        if (end <= from || start >= to) continue;
        rows.push(...encoder.encodeChunk(result.getChunk(i), Math.max(from, start) - start, Math.min(to, end) - start));
      }
      return rows;
    };
    return { statementTypeId, kind, rowType: encoder.rowType, total, readRows };
  }
}
