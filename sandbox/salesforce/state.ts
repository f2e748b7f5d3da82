// Everything the sandbox remembers: org data, sessions, query cursors, bulk jobs, limits, faults, call counts, query log.
import { Auth } from './auth';
import { Org, SfRecord } from './org';

export interface SandboxConfig {
  /** Records per query page (Salesforce's default is 2,000). */
  queryBatchSize: number;
  /** Daily API request allocation reported in Sforce-Limit-Info. */
  apiDailyMax: number;
  /** How long a closed Bulk 2.0 job stays InProgress before it is processed. */
  bulkProcessingDelayMs: number;
  /** Rows per Bulk 2.0 query result page; 0 = one page (jsforce's bulk2.query crashes on several). */
  bulkQueryPageSize: number;
}

export interface Fault {
  /** Matched against `METHOD /path` of the request (path as sent, without query string). */
  match: string;
  /** reset: drop the connection unanswered; lost-reply: apply the request, then drop the connection. */
  kind: 'error' | 'http' | 'timeout' | 'latency' | 'reset' | 'lost-reply';
  errorCode?: string;
  status?: number;
  message?: string;
  latencyMs?: number;
  /** How many requests the fault applies to; unlimited when absent. */
  times?: number;
}

/** One SOQL statement as the sandbox received it, before it is parsed (so malformed ones are logged too). */
export interface QueryLogEntry {
  at: string;
  /** rest: GET /query or /queryAll; composite: a query subrequest of POST /composite; bulk: a Bulk 2.0 query job. */
  api: 'rest' | 'composite' | 'bulk';
  soql: string;
}

/** Entries kept in the query log; older ones are dropped so a long demo run stays bounded. */
export const MAX_QUERY_LOG = 10_000;

export const DEFAULT_CONFIG: SandboxConfig = { queryBatchSize: 2000, apiDailyMax: 15000, bulkProcessingDelayMs: 0, bulkQueryPageSize: 0 };

export class SandboxState {
  readonly org = new Org();
  readonly auth: Auth;
  config: SandboxConfig = { ...DEFAULT_CONFIG };
  apiUsage = 0;
  private usageDay = new Date().toISOString().slice(0, 10);
  callCounts = new Map<string, number>();
  faults: Fault[] = [];
  cursors = new Map<string, SfRecord[]>();
  queryLog: QueryLogEntry[] = [];
  private cursorCounter = 0;

  constructor(baseUrl: () => string) {
    this.auth = new Auth(baseUrl, this.org.organizationId);
  }

  reset(): void {
    this.org.reset();
    this.auth.reset();
    this.config = { ...DEFAULT_CONFIG };
    this.apiUsage = 0;
    this.callCounts.clear();
    this.faults = [];
    this.cursors.clear();
    this.queryLog = [];
  }

  logQuery(api: QueryLogEntry['api'], soql: string): void {
    this.queryLog.push({ at: new Date().toISOString(), api, soql });
    if (this.queryLog.length > MAX_QUERY_LOG) this.queryLog.splice(0, this.queryLog.length - MAX_QUERY_LOG);
  }

  /** Counts one API request against the daily allocation; false when the allocation is used up. */
  countApiCall(): boolean {
    const today = new Date().toISOString().slice(0, 10);
    if (today !== this.usageDay) { this.usageDay = today; this.apiUsage = 0; }
    if (this.apiUsage >= this.config.apiDailyMax) return false;
    this.apiUsage++;
    return true;
  }

  countRoute(name: string): void {
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
  }

  limitInfoHeader(): string {
    return `api-usage=${this.apiUsage}/${this.config.apiDailyMax}`;
  }

  newCursor(rows: SfRecord[]): string {
    const id = `01g5g0000${String(++this.cursorCounter).padStart(6, '0')}AAA`;
    this.cursors.set(id, rows);
    return id;
  }

  takeFault(method: string, path: string): Fault | undefined {
    const key = `${method} ${path}`;
    const fault = this.faults.find((f) => key.includes(f.match) || safeMatch(f.match, key));
    if (!fault) return undefined;
    if (fault.times !== undefined && --fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }
}

function safeMatch(pattern: string, key: string): boolean {
  try {
    return new RegExp(pattern).test(key);
  } catch {
    return false;
  }
}
