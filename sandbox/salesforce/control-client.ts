// Small client for the /_sandbox control API, used by tests, benches and the demo start script.
import type { QueryLogEntry } from './state';

export async function sandboxControl<T = any>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`sandbox control ${method} ${path} failed: ${JSON.stringify(data)}`);
  return data as T;
}

export interface CallCounts { total: number; apiUsage: number; logins: number; byRoute: Record<string, number> }

export const sandboxCalls = (baseUrl: string): Promise<CallCounts> => sandboxControl<CallCounts>(baseUrl, 'GET', '/calls');

/** Every SOQL statement the sandbox received since the last reset (at most the last MAX_QUERY_LOG), oldest first. */
export const sandboxQueries = (baseUrl: string): Promise<QueryLogEntry[]> => sandboxControl<QueryLogEntry[]>(baseUrl, 'GET', '/queries');
