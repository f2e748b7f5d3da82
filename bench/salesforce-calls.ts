// P4: Salesforce API calls to upsert 150 / 2,000 / 10,000 records with fg-salesforce (Collections of 200, Bulk API 2.0
// above 2,000) against one upsert call per record through jsforce. Calls are counted by the sandbox (API usage, the
// figure Salesforce charges against the daily allocation; logins excluded).
import * as jsforce from 'jsforce';
import { startSalesforceSandbox, SalesforceSandbox } from '../sandbox/salesforce';
import { sandboxCalls, sandboxControl } from '../sandbox/salesforce/control-client';
import { getNode, receive, unload } from '../test/harness';
import { SMALL, loadForBench, report, runMain, seconds } from './lib';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

export const SIZES = SMALL ? [150, 2000] : [150, 2000, 10000];
/** The per-record baseline is measured on this many records and extrapolated (it is linear: one call each). */
const BASELINE_SAMPLE = 150;
const USER = 'integration@flowguard.test';
const CREDS = { clientId: 'flowguard-client', clientSecret: 'flowguard-secret', username: USER, password: 'password', securityToken: 'TOKEN' };

const records = (count: number, run: string) => Array.from({ length: count }, (_, i) => ({ External_Id__c: `${run}-${i}`, Name: `Account ${run} ${i}` }));

const apiUsage = async (sb: SalesforceSandbox): Promise<number> => (await sandboxCalls(sb.url)).apiUsage;

async function candidateCalls(sb: SalesforceSandbox, count: number): Promise<{ calls: number; seconds: number; mode: string }> {
  await loadForBench(['fg-salesforce-config', 'fg-salesforce'], [
    { id: 'c1', type: 'fg-salesforce-config', loginTarget: 'custom', loginUrl: sb.url, authFlow: 'password', apiVersion: '59.0', warnPercent: 0, pausePercent: 0 },
    { id: 'n1', type: 'fg-salesforce', salesforce: 'c1', operation: 'upsert', object: 'Account', externalIdField: 'External_Id__c', wires: [['ok'], ['err']] },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ], { c1: CREDS });
  try {
    const before = await apiUsage(sb);
    const start = process.hrtime.bigint();
    const done = receive('ok', 1, 120_000);
    getNode('n1').receive({ payload: records(count, `c${count}`) });
    const [msg] = await done;
    const elapsed = seconds(start);
    if (msg.payload.length !== count) throw new Error(`expected ${count} upserted records, got ${msg.payload.length}`);
    return { calls: (await apiUsage(sb)) - before, seconds: elapsed, mode: msg.salesforce.mode };
  } finally {
    await unload();
  }
}

async function baselineCallsPerRecord(sb: SalesforceSandbox): Promise<{ callsPerRecord: number; secondsPerRecord: number }> {
  const conn = new jsforce.Connection({ loginUrl: sb.url, version: '59.0' });
  await conn.login(USER, 'passwordTOKEN');
  const before = await apiUsage(sb);
  const start = process.hrtime.bigint();
  for (const record of records(BASELINE_SAMPLE, 'base')) {
    const result: any = await conn.sobject('Account').upsert(record, 'External_Id__c');
    if (!result.success) throw new Error(`baseline upsert failed: ${JSON.stringify(result)}`);
  }
  const elapsed = seconds(start);
  return { callsPerRecord: ((await apiUsage(sb)) - before) / BASELINE_SAMPLE, secondsPerRecord: elapsed / BASELINE_SAMPLE };
}

export async function run(): Promise<Record<string, unknown>[]> {
  // The daily allocation is raised so that the per-record baseline is not refused.
  const sb = await startSalesforceSandbox({ config: { apiDailyMax: 10_000_000 } });
  try {
    const baseline = await baselineCallsPerRecord(sb);
    const results = [];
    for (const count of SIZES) {
      await sandboxControl(sb.url, 'POST', '/reset');
      await sandboxControl(sb.url, 'POST', '/config', { apiDailyMax: 10_000_000 });
      const candidate = await candidateCalls(sb, count);
      const baselineCalls = Math.round(baseline.callsPerRecord * count);
      results.push(report({
        name: `p4-salesforce-upsert-${count}`,
        title: `P4 Salesforce API calls to upsert ${count} records: fg-salesforce vs one call per record`,
        unit: 'API calls',
        candidate: candidate.calls,
        baseline: baselineCalls,
        better: 'lower',
        goal: count >= 10000 ? '<= 5 calls' : 'fewer calls than the baseline',
        met: count >= 10000 ? candidate.calls <= 5 : candidate.calls < baselineCalls,
        baselineNote: count === BASELINE_SAMPLE ? 'measured' : `measured on ${BASELINE_SAMPLE} records (${baseline.callsPerRecord} call each), extrapolated`,
        details: {
          mode: candidate.mode,
          candidateSeconds: Number(candidate.seconds.toFixed(2)),
          baselineSecondsEstimated: Number((baseline.secondsPerRecord * count).toFixed(2)),
        },
      }));
    }
    return results;
  } finally {
    await sb.close();
  }
}

if (require.main === module) runMain(run);
