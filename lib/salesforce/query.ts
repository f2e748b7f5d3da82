// SOQL paging under our control: every page goes through the session's call guard, pages can be streamed.
export interface QueryOptions {
  /** Stop after this many records (the rest is reported as truncated). */
  maxRecords?: number;
  /** Include deleted and archived records (queryAll). */
  includeDeleted?: boolean;
  /** Called per page with how many records the whole result will deliver; when given, records are not collected. */
  onPage?: (records: any[], page: number, expected: number) => void | Promise<void>;
  call: <T>(fn: (conn: any) => Promise<T>) => Promise<T>;
}

export interface QueryOutcome { totalSize: number; records: any[]; fetched: number; truncated: boolean; pages: number }

export async function runQuery(soql: string, opts: QueryOptions): Promise<QueryOutcome> {
  const max = opts.maxRecords ?? 10_000;
  const records: any[] = [];
  let res: any = await opts.call((conn) => conn.query(soql, { autoFetch: false, scanAll: opts.includeDeleted === true }));
  let fetched = 0;
  let pages = 0;
  for (;;) {
    const page: any[] = (res.records ?? []).slice(0, Math.max(0, max - fetched));
    fetched += page.length;
    pages++;
    if (opts.onPage) await opts.onPage(page, pages - 1, Math.min(res.totalSize ?? fetched, max));
    else records.push(...page);
    if (res.done || !res.nextRecordsUrl || fetched >= max) break;
    const next = res.nextRecordsUrl;
    res = await opts.call((conn) => conn.queryMore(next));
  }
  return { totalSize: res.totalSize ?? fetched, records, fetched, truncated: !res.done || fetched < (res.totalSize ?? 0), pages };
}
