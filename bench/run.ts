// npm run bench: every benchmark in sequence (one Node-RED test runtime at a time), then a summary table.
// BENCH_SCALE=small runs reduced sizes; BENCH_ONLY=p4,p5 runs a subset.
import * as gate from './gate';
import { runMain } from './lib';
import * as mapper from './mapper';
import * as retryHeap from './retry-heap';
import * as salesforce from './salesforce-calls';
import * as snowflakeStatements from './snowflake-statements';
import * as stripe from './stripe-throughput';
import * as webhook from './webhook';

const BENCHMARKS: [string, () => Promise<unknown>][] = [
  ['p1p2', gate.run],
  ['p3', webhook.run],
  ['p4', salesforce.run],
  ['p5', snowflakeStatements.run],
  ['p6', stripe.run],
  ['p7', retryHeap.run],
  ['mapper', mapper.run],
];

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const rows: any[] = [];
  for (const [name, run] of BENCHMARKS) {
    if (only && !only.includes(name)) continue;
    const result = await run();
    rows.push(...(Array.isArray(result) ? result : [result]));
  }
  console.log('\n| benchmark | candidate | baseline | ratio | goal | met |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.candidate} ${r.unit} | ${r.baseline} ${r.unit} | ${r.ratio} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
}

runMain(main);
