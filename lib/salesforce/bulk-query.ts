// Bulk API 2.0 query job, paged by Sforce-Locator ourselves: jsforce's bulk2.query crashes on multi-page
// results (jsforce #1546, #1693). Requests go through jsforce's HttpApi, so auth and session refresh still apply.
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface BulkQueryOptions {
  includeDeleted?: boolean;
  maxRecords?: number;
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
  onProgress?: (state: string, processed: number) => void;
  /** Called per result page; when given, records are not collected. */
  onPage?: (records: Record<string, string>[], page: number) => void | Promise<void>;
  call: <T>(fn: (conn: any) => Promise<T>) => Promise<T>;
}

export async function bulkQuery(soql: string, opts: BulkQueryOptions): Promise<{ jobId: string; records: Record<string, string>[]; fetched: number; truncated: boolean }> {
  const base = (conn: any): string => `/services/data/v${conn.version}/jobs/query`;
  const job: any = await opts.call((conn) => conn.request({
    method: 'POST', url: base(conn), body: JSON.stringify({ operation: opts.includeDeleted ? 'queryAll' : 'query', query: soql }),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  }));
  const deadline = Date.now() + (opts.pollTimeoutMs ?? 10 * 60_000);
  for (;;) {
    await sleep(opts.pollIntervalMs ?? 1000);
    const info: any = await opts.call((conn) => conn.request(`${base(conn)}/${job.id}`));
    opts.onProgress?.(info.state, Number(info.numberRecordsProcessed ?? 0));
    if (info.state === 'JobComplete') break;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw Object.assign(new Error(`Bulk query job ${job.id} ${info.state}: ${info.errorMessage ?? 'no reason given'}`), { errorCode: 'BULK_JOB_FAILED' });
    }
    if (Date.now() > deadline) throw Object.assign(new Error(`Bulk query job ${job.id} did not finish in time`), { errorCode: 'BULK_POLL_TIMEOUT' });
  }
  const max = opts.maxRecords ?? Infinity;
  const records: Record<string, string>[] = [];
  let locator: string | undefined;
  let fetched = 0;
  let page = 0;
  const { HttpApi } = require('jsforce/lib/http-api');
  do {
    const url = (conn: any): string => `${base(conn)}/${job.id}/results${locator ? `?locator=${encodeURIComponent(locator)}` : ''}`;
    const rows: Record<string, string>[] = await opts.call((conn) => {
      const api = new HttpApi(conn, { responseType: 'text/csv' });
      // The last page says "null"; a missing header also ends the loop (jsforce would loop forever).
      api.on('response', (res: any) => { locator = res.headers?.['sforce-locator'] ?? 'null'; });
      return api.request({ method: 'GET', url: new URL(url(conn), conn.instanceUrl).toString(), headers: { Accept: 'text/csv' } });
    });
    const kept = (rows ?? []).slice(0, Math.max(0, max - fetched));
    fetched += kept.length;
    if (opts.onPage) await opts.onPage(kept, page);
    else records.push(...kept);
    page++;
  } while (locator && locator !== 'null' && fetched < max);
  return { jobId: job.id, records, fetched, truncated: !!locator && locator !== 'null' };
}
