// Bulk API 2.0 ingest with the fewest calls: create, upload, close, poll, then only the result sets that
// have rows. Results are matched back to the input records so every record gets its own outcome.
import { parseBulkError, RecordError } from './errors';
import { BULK_OPERATION, WriteOperation, recordsToCsv, rowKey } from './plan';

export interface RecordOutcome {
  index: number;
  success: boolean;
  id?: string;
  created?: boolean;
  errors: RecordError[];
}

export interface BulkProgress { jobId: string; state: string; processed: number; failed: number }

export interface BulkOptions {
  object: string;
  operation: WriteOperation;
  externalIdField?: string;
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
  onProgress?: (p: BulkProgress) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function bulkIngest(conn: any, records: Record<string, unknown>[], opts: BulkOptions): Promise<{ jobId: string; outcomes: RecordOutcome[] }> {
  const { csv, header } = recordsToCsv(records);
  const job = conn.bulk2.createJob({
    object: opts.object, operation: BULK_OPERATION[opts.operation], lineEnding: 'LF',
    ...(opts.operation === 'upsert' ? { externalIdFieldName: opts.externalIdField } : {}),
  });
  await job.open();
  const jobId: string = job.id;
  try {
    await job.uploadData(csv);
    await job.close();
  } catch (err) {
    await job.abort().catch(() => undefined);
    throw err;
  }
  const deadline = Date.now() + (opts.pollTimeoutMs ?? 10 * 60_000);
  let info: any;
  for (;;) {
    await sleep(opts.pollIntervalMs ?? 1000);
    info = await job.check();
    opts.onProgress?.({ jobId, state: info.state, processed: info.numberRecordsProcessed ?? 0, failed: info.numberRecordsFailed ?? 0 });
    if (info.state === 'JobComplete') break;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw Object.assign(new Error(`Bulk job ${jobId} ${info.state}: ${info.errorMessage ?? 'no reason given'}`), { errorCode: 'BULK_JOB_FAILED', jobId });
    }
    if (Date.now() > deadline) throw Object.assign(new Error(`Bulk job ${jobId} did not finish in time; it keeps running in Salesforce`), { errorCode: 'BULK_POLL_TIMEOUT', jobId });
  }
  const processed = Number(info.numberRecordsProcessed ?? 0);
  const failedCount = Number(info.numberRecordsFailed ?? 0);
  const successful: any[] = processed - failedCount > 0 ? await job.getSuccessfulResults() : [];
  const failed: any[] = failedCount > 0 ? await job.getFailedResults() : [];

  // Map results back to inputs by their original column values; identical rows share a queue.
  const byKey = new Map<string, number[]>();
  records.forEach((r, i) => {
    const k = rowKey(header, r);
    byKey.set(k, [...(byKey.get(k) ?? []), i]);
  });
  const take = (row: Record<string, unknown>): number | undefined => byKey.get(rowKey(header, resultRow(header, row)))?.shift();
  const outcomes: RecordOutcome[] = [];
  for (const row of successful) {
    const index = take(row);
    if (index !== undefined) outcomes.push({ index, success: true, id: row.sf__Id, created: row.sf__Created === 'true', errors: [] });
  }
  for (const row of failed) {
    const index = take(row);
    if (index !== undefined) outcomes.push({ index, success: false, ...(row.sf__Id ? { id: row.sf__Id } : {}), errors: [parseBulkError(String(row.sf__Error ?? ''))] });
  }
  // Anything not reported (unprocessed) is a failure the caller can retry.
  const reported = new Set(outcomes.map((o) => o.index));
  records.forEach((_r, index) => {
    if (!reported.has(index)) outcomes.push({ index, success: false, errors: [{ statusCode: 'NOT_PROCESSED', message: `not processed by bulk job ${jobId}`, fields: [] }] });
  });
  return { jobId, outcomes: outcomes.sort((a, b) => a.index - b.index) };
}

/** Result CSV cells come back as the uploaded text: an empty cell was a missing key. */
function resultRow(header: string[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const h of header) {
    const v = row[h];
    out[h] = v === '' || v === undefined || v === null ? undefined : v;
  }
  return out;
}
