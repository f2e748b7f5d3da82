// A local Snowflake endpoint for the unmodified snowflake-sdk (wire facts: protocols.md §1), backed by DuckDB.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { SqlEngine, StatementResult, Binding, ExecuteOptions, classify, countStatements } from './engine';
import { splitStatements } from './statements';
import { chunkBody, multiStatementData, resultData } from './results';
import { mapDuckDbError } from './errors';
import { failure, gsError, ok, readJson, readText, Reply, send } from './http';
import { authenticate, BAD_PASSWORD, Identities, loginData, sessionParameters, tokenRequest } from './auth';
import {
  Session, QueryRecord, QueryLogEntry, Faults, Stats, newToken, newQueryId, emptyStats, noFaults,
} from './state';
import { handleControl } from './control';
import { applySessionCommand } from './session-commands';
import { runShowCommand } from './show-commands';
import { fileTransfer, runStageCommand, StageStore } from './stages';

export interface SnowflakeSandboxOptions {
  port?: number;
  /** login name (case-insensitive) → password. Default: SANDBOX / sandbox. */
  users?: Record<string, string>;
  /** Accepted OAuth access tokens (for any known user). */
  oauthTokens?: string[];
  /** login name → registered RSA public keys (PEM): key-pair logins must be signed by one of them. */
  publicKeys?: Record<string, string[]>;
  /** login name → programmatic access tokens. */
  programmaticTokens?: Record<string, string[]>;
  /** OAuth clients of the token endpoint `/oauth/token-request` (client credentials grant): client id → secret and user. */
  oauthClients?: Record<string, { secret: string; user: string }>;
  /** Rows sent inline in the first response; larger results use chunk URLs. */
  inlineRows?: number;
  /** Rows per chunk. */
  chunkRows?: number;
  /** A statement still running after this long answers 333333 and the driver polls getResultUrl. */
  asyncThresholdMs?: number;
  /** Warehouses SHOW WAREHOUSES lists (with the session's own). Default: COMPUTE_WH. */
  warehouses?: string[];
}

const MAX_KEPT = 10000;
const MAX_RESULTS = 200;

export class SnowflakeSandbox {
  readonly sessions = new Map<string, Session>();
  readonly queries = new Map<string, QueryRecord>();
  queryLog: QueryLogEntry[] = [];
  faults: Faults = noFaults();
  stats: Stats = emptyStats();
  url = '';
  /** The created_on of everything SHOW lists. */
  readonly startedAt = new Date();
  /** Access tokens the token endpoint issued → login name. */
  readonly issuedTokens = new Map<string, string>();
  /** Stage directories (LOCAL_FS) and load history. */
  readonly stages = new StageStore();
  private nextSessionId = 1;
  private server?: http.Server;

  private constructor(private engine: SqlEngine, readonly options: Required<Omit<SnowflakeSandboxOptions, 'port'>>) {}

  static async start(options: SnowflakeSandboxOptions = {}): Promise<SnowflakeSandbox> {
    const sandbox = new SnowflakeSandbox(await SqlEngine.create(), {
      users: options.users ?? { SANDBOX: 'sandbox' },
      oauthTokens: options.oauthTokens ?? [],
      publicKeys: options.publicKeys ?? {},
      programmaticTokens: options.programmaticTokens ?? {},
      oauthClients: options.oauthClients ?? {},
      inlineRows: options.inlineRows ?? 1000,
      chunkRows: options.chunkRows ?? 10000,
      asyncThresholdMs: options.asyncThresholdMs ?? 2000,
      warehouses: options.warehouses ?? ['COMPUTE_WH'],
    });
    sandbox.server = http.createServer((req, res) => {
      sandbox.handle(req).then(
        (reply) => send(res, reply),
        (err) => send(res, { status: 500, body: { success: false, message: String(err?.message ?? err) } }),
      );
    });
    await new Promise<void>((resolve) => sandbox.server!.listen(options.port ?? 0, '127.0.0.1', resolve));
    sandbox.url = `http://127.0.0.1:${(sandbox.server.address() as AddressInfo).port}`;
    return sandbox;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
    await this.closeSessions();
    this.engine.close();
    this.stages.close();
  }

  private async closeSessions(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.engine.close()));
    await Promise.all([...this.queries.values()].map((query) => query.done));
    this.sessions.clear();
  }

  /** Drops every table, session, query and counter; faults back to none. */
  async reset(): Promise<void> {
    await this.closeSessions();
    this.queries.clear();
    this.queryLog = [];
    this.faults = noFaults();
    this.stats = emptyStats();
    this.stages.clear();
    this.engine.close();
    this.engine = await SqlEngine.create();
  }

  /** Marks every open session token expired: the next request of each gets 390112 and the driver renews. */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.expired = true;
  }

  /** Runs SQL directly (seeding and checking data in tests), in a throw-away session on database/schema. */
  async runSql(sqlText: string, database = 'SANDBOX_DB', schema = 'PUBLIC'): Promise<(string | null)[][]> {
    const engine = await this.engine.openSession(database, schema);
    try {
      const result = await engine.execute(sqlText, undefined, { user: 'SANDBOX', role: 'SYSADMIN', warehouse: 'SANDBOX_WH' });
      return result.readRows(0, result.total);
    } finally {
      await engine.close();
    }
  }

  private async handle(req: http.IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    if (req.method === 'POST' && path === '/oauth/token-request') {
      const form = new URLSearchParams(await readText(req));
      return tokenRequest(form, req.headers.authorization, this.options.oauthClients, this.issuedTokens);
    }
    const body = await readJson(req);
    if (path.startsWith('/_sandbox/')) return handleControl(this, req.method ?? 'GET', path, body);
    if (req.method === 'GET' && path.startsWith('/chunks/')) return this.chunk(path);
    if (path === '/session/v1/login-request') return this.login(url, body);
    if (path === '/session/token-request') return this.renew(req, body);
    const session = this.sessionFor(req);
    if (!session) this.stats.invalidTokenRejections++;
    if (!session) return { status: 200, body: { success: false, code: '390104', message: 'Invalid session token.', data: null } };
    if (path === '/session' && url.searchParams.get('delete') === 'true') return this.closeSession(session);
    if (session.expired) {
      this.stats.expiredRejections++;
      return gsError('390112', 'Your session has expired. Please login again.');
    }
    if (path === '/session/heartbeat') { this.stats.heartbeats++; return ok(null); }
    if (path === '/telemetry/send') { this.stats.telemetry++; return ok(null); }
    if ((path === '/queries/v1/query-request' || /^\/queries\/[^/]+\/result$/.test(path)) && this.faults.transient503 > 0) {
      this.faults.transient503--;
      this.stats.rejected503++;
      return { status: 503, body: { success: false, message: 'Service temporarily unavailable (sandbox fault)' } };
    }
    if (path === '/queries/v1/query-request') return this.query(session, body);
    let match = /^\/queries\/([^/]+)\/result$/.exec(path);
    if (match) return this.result(session, match[1]);
    match = /^\/monitoring\/queries\/([^/]+)$/.exec(path);
    if (match) return this.monitoring(match[1]);
    match = /^\/queries\/([^/]+)\/abort-request$/.exec(path);
    if (match && match[1] !== 'v1') return this.abort(session, match[1]);
    if (path === '/queries/v1/abort-request') return ok(null);
    return { status: 404, body: { success: false, message: `No sandbox route ${req.method} ${path}` } };
  }

  private sessionFor(req: http.IncomingMessage): Session | undefined {
    const token = /Snowflake Token="([^"]+)"/.exec(req.headers.authorization ?? '')?.[1];
    return token ? this.sessions.get(token) : undefined;
  }

  private async login(url: URL, body: any): Promise<Reply> {
    const data = body?.data ?? {};
    let outcome = authenticate(data, this.identities());
    if (this.faults.failLogins > 0) { this.faults.failLogins--; outcome = BAD_PASSWORD(); }
    if ('refused' in outcome) {
      this.stats.failedLogins++;
      return outcome.refused;
    }
    const { user } = outcome;
    let engine;
    try {
      engine = await this.engine.openSession(url.searchParams.get('databaseName') ?? '', url.searchParams.get('schemaName') ?? '');
    } catch (err) {
      return failure(mapDuckDbError(err));
    }
    const session: Session = {
      id: this.nextSessionId++, token: newToken('ST'), masterToken: newToken('MT'), expired: false, engine, parameters: sessionParameters(data),
      names: { user, role: (url.searchParams.get('roleName') ?? 'SYSADMIN').toUpperCase(), warehouse: (url.searchParams.get('warehouse') ?? '').toUpperCase() },
    };
    this.sessions.set(session.token, session);
    this.stats.logins++;
    return ok(loginData(session));
  }

  private where(session: Session): { database: string; schema: string; user: string } {
    return { database: session.engine.database, schema: session.engine.schema, user: session.names.user };
  }

  private identities(): Identities {
    const { users, oauthTokens, publicKeys, programmaticTokens } = this.options;
    return { users, oauthTokens, publicKeys, programmaticTokens, issuedTokens: this.issuedTokens };
  }

  private renew(req: http.IncomingMessage, body: any): Reply {
    const master = /Snowflake Token="([^"]+)"/.exec(req.headers.authorization ?? '')?.[1];
    const session = this.sessions.get(String(body?.oldSessionToken ?? ''));
    if (!session || session.masterToken !== master) return gsError('390114', 'Master token expired or invalid.');
    this.sessions.delete(session.token);
    session.token = newToken('ST');
    session.expired = false;
    this.sessions.set(session.token, session);
    this.stats.renewals++;
    return ok({ sessionToken: session.token, validityInSecondsST: 3600, masterToken: session.masterToken, validityInSecondsMT: 14400, sessionId: session.id });
  }

  private closeSession(session: Session): Reply {
    this.sessions.delete(session.token);
    void session.engine.close();
    for (const [id, query] of this.queries) if (query.sessionId === session.id && query.status !== 'RUNNING') this.queries.delete(id);
    this.stats.sessionsClosed++;
    return ok(null);
  }

  private async query(session: Session, body: any): Promise<Reply> {
    const sqlText = String(body?.sqlText ?? '');
    const bindings: Record<string, Binding> | undefined = body?.bindings ?? undefined;
    const queryId = newQueryId();
    const expected = Number(body?.parameters?.MULTI_STATEMENT_COUNT ?? 1);
    const actual = countStatements(sqlText);
    if (expected !== 0 && actual !== expected) {
      return failure({ code: '000008', sqlState: '0A000', type: 'COMPILATION', message: `Actual statement count ${actual} did not match the desired statement count ${expected}.` }, queryId);
    }
    if (actual > 1) return this.multiStatement(session, queryId, splitStatements(sqlText));
    // PUT / GET: the reply describes the LOCAL_FS stage and the driver copies the files itself.
    try {
      const transfer = await fileTransfer(this.stages, session.engine, sqlText, this.where(session));
      if (transfer) {
        // A statement in Snowflake's query history as well (the files move between the driver and the stage).
        const kind = transfer.command === 'UPLOAD' ? 'PUT' : 'GET';
        this.queryLog.push({ queryId, sessionId: session.id, sqlText, kind, status: 'SUCCESS', bindRows: 0, queryTag: String(session.parameters.get('QUERY_TAG') || '') || null, elapsedMs: 0 });
        this.stats.statements++;
        this.stats.statementsByKind[kind] = (this.stats.statementsByKind[kind] ?? 0) + 1;
        return ok({ queryId, ...transfer });
      }
    } catch (err) {
      return failure(mapDuckDbError(err), queryId);
    }
    const record = this.start(session, queryId, sqlText, bindings, body?.describeOnly === true);
    if (body?.asyncExec) return { status: 200, body: { success: true, code: '333334', message: 'Asynchronous execution in progress.', data: { queryId, getResultUrl: `/queries/${queryId}/result` } } };
    return this.answer(session, record);
  }

  /**
   * MULTI_STATEMENT_COUNT: the statements run one after another; the reply lists their query ids in resultIds and the
   * driver fetches each result from /queries/<id>/result. The first failure fails the request.
   */
  private async multiStatement(session: Session, queryId: string, statements: string[]): Promise<Reply> {
    const ids: string[] = [];
    for (const statement of statements) {
      const record = this.start(session, newQueryId(), statement, undefined, false);
      await record.done;
      if (record.error) return failure(record.error, record.queryId);
      ids.push(record.queryId);
    }
    return ok(multiStatementData(session, queryId, ids, statements));
  }

  private start(session: Session, queryId: string, sqlText: string, bindings: Record<string, Binding> | undefined, describeOnly: boolean): QueryRecord {
    const values = Object.values(bindings ?? {});
    const entry: QueryLogEntry = {
      queryId, sessionId: session.id, sqlText, kind: classify(sqlText).kind, status: 'RUNNING',
      bindRows: values.length === 0 ? 0 : Math.max(1, ...values.map((b) => (Array.isArray(b.value) ? b.value.length : 1))),
      queryTag: String(session.parameters.get('QUERY_TAG') || '') || null,
    };
    this.queryLog.push(entry);
    if (this.queryLog.length > MAX_KEPT) this.queryLog.splice(0, this.queryLog.length - MAX_KEPT);
    this.evictFinished();
    const record: QueryRecord = { queryId, sessionId: session.id, status: 'RUNNING', startedAt: Date.now(), done: Promise.resolve() };
    this.queries.set(queryId, record);
    record.done = (async () => {
      if (this.faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faults.latencyMs));
      this.stats.statements++;
      this.stats.statementsByKind[entry.kind] = (this.stats.statementsByKind[entry.kind] ?? 0) + 1;
      try {
        // describeOnly must not change anything: only SELECTs run (for their column types).
        const describeWithoutRunning = describeOnly && entry.kind !== 'SELECT';
        const command = describeWithoutRunning
          ? { ...classify(sqlText), rowType: [], total: 0, readRows: () => [] }
          : applySessionCommand(session, sqlText) ?? await runShowCommand({
            engine: session.engine, warehouses: this.options.warehouses, warehouse: session.names.warehouse, createdOn: this.startedAt,
          }, sqlText) ?? await runStageCommand(this.stages, session.engine, sqlText, this.where(session));
        const result: StatementResult = command ?? await session.engine.execute(sqlText, bindings, session.names, executeOptions(session));
        record.result = describeOnly ? { ...result, total: 0, readRows: () => [] } : result;
        record.status = 'SUCCESS';
        entry.rows = result.total;
        entry.affectedRows = result.affectedRows;
      } catch (err) {
        record.error = mapDuckDbError(err);
        record.status = record.error.code === '000604' ? 'ABORTED' : 'FAILED_WITH_ERROR';
        entry.errorCode = record.error.code;
      }
      record.endedAt = Date.now();
      entry.status = record.status;
      entry.elapsedMs = record.endedAt - record.startedAt;
    })();
    return record;
  }

  /** Finished results hold DuckDB memory: keep only the most recent ones (their chunks stay downloadable). */
  private evictFinished(): void {
    const finished = [...this.queries.values()].filter((q) => q.status !== 'RUNNING');
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_RESULTS))) this.queries.delete(old.queryId);
  }

  /** Waits up to the async threshold; a statement still running answers 333333 so the driver polls. */
  private async answer(session: Session, record: QueryRecord): Promise<Reply> {
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      record.done.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), this.options.asyncThresholdMs); }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      return { status: 200, body: { success: true, code: '333333', message: 'Query execution in progress.', data: { queryId: record.queryId, getResultUrl: `/queries/${record.queryId}/result` } } };
    }
    if (record.error) return failure(record.error, record.queryId);
    return ok(resultData(session, record, this.url, this.options));
  }

  private async result(session: Session, queryId: string): Promise<Reply> {
    this.stats.resultRequests++;
    const record = this.queries.get(queryId);
    if (!record) return failure({ code: '000709', sqlState: '02000', type: 'EXECUTION', message: `Statement ${queryId} not found` }, queryId);
    return this.answer(session, record);
  }

  private monitoring(queryId: string): Reply {
    const record = this.queries.get(queryId);
    if (!record) return ok({ queries: [] });
    const query = { id: record.queryId, status: record.status, errorCode: record.error?.code, errorMessage: record.error?.message };
    // The driver builds its error from the top-level code / message and data.sqlState of this reply.
    if (record.error) return { status: 200, body: { success: true, code: record.error.code, message: '', data: { queries: [query], sqlState: record.error.sqlState } } };
    return ok({ queries: [query] });
  }

  private async abort(session: Session, queryId: string): Promise<Reply> {
    const record = this.queries.get(queryId);
    if (record?.status === 'RUNNING') session.engine.interrupt();
    return ok(null);
  }

  private chunk(path: string): Reply {
    this.stats.chunkRequests++;
    const [, , queryId, index] = path.split('/');
    const result = this.queries.get(queryId)?.result;
    if (!result) return { status: 403, body: { message: 'chunk expired' } };
    return { status: 200, body: null, raw: chunkBody(result, Number(index), this.options) };
  }
}

/** The session parameters the engine honours, from ALTER SESSION SET / the login. */
function executeOptions(session: Session): ExecuteOptions {
  const flag = (name: string) => {
    const value = session.parameters.get(name);
    return value === undefined ? undefined : !(value === false || String(value).toUpperCase() === 'FALSE');
  };
  return { autocommit: flag('AUTOCOMMIT'), errorOnNondeterministicMerge: flag('ERROR_ON_NONDETERMINISTIC_MERGE') };
}

export function startSnowflakeSandbox(options?: SnowflakeSandboxOptions): Promise<SnowflakeSandbox> {
  return SnowflakeSandbox.start(options);
}
