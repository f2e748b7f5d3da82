// Sandbox state: sessions with their tokens and parameters, running / finished queries, faults, counters, query log.
import { randomBytes, randomUUID } from 'node:crypto';
import { EngineSession, StatementResult } from './engine';
import { SnowflakeError } from './errors';
import { SessionNames } from './translate';

export interface Session {
  id: number;
  token: string;
  masterToken: string;
  /** Set by the session-expiry fault: the next request with this token gets 390112. */
  expired: boolean;
  names: SessionNames;
  engine: EngineSession;
  parameters: Map<string, string | number | boolean>;
}

export interface QueryRecord {
  queryId: string;
  sessionId: number;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';
  done: Promise<void>;
  result?: StatementResult;
  error?: SnowflakeError;
  startedAt: number;
  endedAt?: number;
}

export interface QueryLogEntry {
  queryId: string;
  sessionId: number;
  sqlText: string;
  kind: string;
  /** Number of bind rows (1 for single binds, N for array binds, 0 without binds). */
  bindRows: number;
  queryTag: string | null;
  status: QueryRecord['status'];
  rows?: number;
  affectedRows?: number;
  errorCode?: string;
  /** Time the statement ran in the sandbox (the warehouse side), ms. */
  elapsedMs?: number;
}

export interface Faults {
  /** Answer the next N query / result requests with HTTP 503 (the driver retries them). */
  transient503: number;
  /** Extra milliseconds before each statement runs. */
  latencyMs: number;
  /** Fail the next N logins with 390100. */
  failLogins: number;
}

export interface Stats {
  logins: number;
  failedLogins: number;
  renewals: number;
  heartbeats: number;
  telemetry: number;
  sessionsClosed: number;
  /** Statements the engine ran (retries and rejected requests are not statements). */
  statements: number;
  statementsByKind: Record<string, number>;
  chunkRequests: number;
  resultRequests: number;
  rejected503: number;
  expiredRejections: number;
  /** Requests with an unknown or deleted session token (answered 390104). */
  invalidTokenRejections: number;
}

export function newToken(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

export function newQueryId(): string {
  return randomUUID();
}

export function emptyStats(): Stats {
  return {
    logins: 0, failedLogins: 0, renewals: 0, heartbeats: 0, telemetry: 0, sessionsClosed: 0,
    statements: 0, statementsByKind: {}, chunkRequests: 0, resultRequests: 0, rejected503: 0, expiredRejections: 0, invalidTokenRejections: 0,
  };
}

export function noFaults(): Faults {
  return { transient503: 0, latencyMs: 0, failLogins: 0 };
}

/** The session parameters the driver needs in every response (protocols.md §1.4); missing ones crash it. */
export function defaultParameters(): Map<string, string | number | boolean> {
  return new Map<string, string | number | boolean>([
    ['TIMEZONE', 'UTC'],
    ['TIMESTAMP_OUTPUT_FORMAT', 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM'],
    ['TIMESTAMP_NTZ_OUTPUT_FORMAT', 'YYYY-MM-DD HH24:MI:SS.FF3'],
    ['TIMESTAMP_LTZ_OUTPUT_FORMAT', ''],
    ['TIMESTAMP_TZ_OUTPUT_FORMAT', ''],
    ['DATE_OUTPUT_FORMAT', 'YYYY-MM-DD'],
    ['TIME_OUTPUT_FORMAT', 'HH24:MI:SS'],
    ['BINARY_OUTPUT_FORMAT', 'HEX'],
    ['CLIENT_SESSION_KEEP_ALIVE', false],
    ['CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', 3600],
    ['JS_TREAT_INTEGER_AS_BIGINT', false],
    // High, so the driver never switches to stage binding (PUT to a cloud stage) against the sandbox.
    ['CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', 100000000],
    ['QUERY_TAG', ''],
  ]);
}

export function parameterList(parameters: Map<string, string | number | boolean>): { name: string; value: string | number | boolean }[] {
  return [...parameters].map(([name, value]) => ({ name, value }));
}
