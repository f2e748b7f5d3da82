// Request context and reply shape shared by the sandbox's route handlers.
import type { IncomingHttpHeaders } from 'node:http';

export interface Ctx {
  method: string;
  /** Path below /services/data/vXX.X, starting with '/'. */
  path: string;
  version: string;
  query: URLSearchParams;
  body: unknown;
  rawBody: string;
  headers: IncomingHttpHeaders;
  userId: string;
  /** Set on a subrequest of POST /composite (the query log tells composite queries from REST ones). */
  composite?: boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx, params: string[]) => Reply | Promise<Reply>;

export interface Route { method: string; pattern: RegExp; name: string; handler: Handler }

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
export const noContent = (): Reply => ({ status: 204 });

export function route(method: string, pattern: string, name: string, handler: Handler): Route {
  // ':x' matches one path segment.
  const re = new RegExp(`^${pattern.replace(/:[a-zA-Z]+/g, '([^/]+)')}/?$`);
  return { method, pattern: re, name, handler };
}
