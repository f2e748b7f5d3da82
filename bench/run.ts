// npm run bench: every benchmark in sequence (one Node-RED test runtime at a time), then a summary table.
// BENCH_SCALE=small runs reduced sizes; BENCH_ONLY=p4,p5 runs a subset.
// npm run bench:smoke (CI): every benchmark at the small size, and a failure when any benchmark throws or does not
// produce every figure it should (a skipped part counts as missing), so a broken benchmark cannot go unnoticed.
import * as gate from './gate';
import { SMALL, runMain, seconds } from './lib';
import * as mapper from './mapper';
import * as pubsub from './pubsub';
import * as retryHeap from './retry-heap';
import * as scenario1 from './scenario1';
import * as salesforce from './salesforce-calls';
import * as snowflakeStageLoad from './snowflake-stage-load';
import * as snowflakeStatements from './snowflake-statements';
import * as stripe from './stripe-throughput';
import * as webhook from './webhook';

interface Benchmark {
  name: string;
  run: () => Promise<unknown>;
  /** the result names (bench/results/<name>.json) a complete run produces */
  results: string[];
}

const BENCHMARKS: Benchmark[] = [
  { name: 'p1p2', run: gate.run, results: gate.RESULTS },
  { name: 'p3', run: webhook.run, results: ['p3-webhook'] },
  { name: 'p4', run: salesforce.run, results: salesforce.SIZES.map((n) => `p4-salesforce-upsert-${n}`) },
  { name: 'p5', run: snowflakeStatements.run, results: ['p5-snowflake-insert', 'p5-snowflake-upsert'] },
  { name: 'p5b', run: snowflakeStageLoad.run, results: ['p5b-snowflake-stage-load'] },
  { name: 'p6', run: stripe.run, results: ['p6-stripe-throughput'] },
  { name: 'p7', run: retryHeap.run, results: ['p7-retry-heap'] },
  { name: 'mapper', run: mapper.run, results: ['mapper'] },
  { name: 'p10', run: scenario1.run, results: scenario1.RESULTS },
  { name: 'p11', run: pubsub.run, results: pubsub.RESULTS },
];

const SMOKE = process.env.BENCH_SMOKE === '1';

/** Names of expected results that are absent or whose figures are not finite numbers. */
export function missingResults(expected: string[], rows: any[]): string[] {
  const valid = (r: any) => Number.isFinite(r.candidate) && Number.isFinite(r.baseline) && Number.isFinite(r.ratio);
  return expected.filter((name) => !rows.some((r) => r.name === name && valid(r)));
}

async function main(): Promise<void> {
  if (SMOKE && !SMALL) throw new Error('BENCH_SMOKE=1 needs BENCH_SCALE=small');
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const rows: any[] = [];
  const expected: string[] = [];
  const timings: string[] = [];
  for (const { name, run, results } of BENCHMARKS) {
    if (only && !only.includes(name)) continue;
    const start = process.hrtime.bigint();
    const result = await run();
    timings.push(`${name} ${seconds(start).toFixed(1)} s`);
    rows.push(...(Array.isArray(result) ? result : [result]));
    expected.push(...results);
  }
  console.log('\n| benchmark | candidate | baseline | ratio | goal | met |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.candidate} ${r.unit} | ${r.baseline} ${r.unit} | ${r.ratio} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  console.log(`\ntimes: ${timings.join(', ')}`);
  const missing = missingResults(expected, rows);
  if (missing.length) throw new Error(`benchmark results missing or not numbers: ${missing.join(', ')}`);
}

if (require.main === module) runMain(main);
