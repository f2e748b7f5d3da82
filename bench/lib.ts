// Shared measuring code for the benchmarks: every benchmark compares a candidate with a baseline measured in the
// same run, prints both and the ratio, and writes bench/results/<name>.json with the machine it ran on.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getNode, helper, load } from '../test/harness';

export interface BenchResult {
  /** file name in bench/results, e.g. 'p4-salesforce-calls' */
  name: string;
  title: string;
  /** unit of candidate and baseline, e.g. 'msgs/s' or 'API calls' */
  unit: string;
  candidate: number;
  baseline: number;
  /** 'higher' when a bigger candidate is better (throughput), 'lower' when smaller is better (calls, bytes) */
  better: 'higher' | 'lower';
  /** the goal in words, e.g. 'ratio >= 0.8' */
  goal: string;
  met: boolean;
  /** how the baseline was obtained when it is not a full measurement (extrapolated, a fixed limit, …) */
  baselineNote?: string;
  details?: Record<string, unknown>;
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))),
    node: process.version,
    nodeRed: nodeRedVersion(),
    platform: `${os.platform()} ${os.release()}`,
    note: 'shared machine: other processes were running, figures are indicative',
  };
}

function nodeRedVersion(): string | undefined {
  try {
    const red = path.dirname(require.resolve(process.env.NODE_RED_PATH || 'node-red'));
    return require(path.join(red, '..', 'package.json')).version;
  } catch {
    return undefined;
  }
}

export const ratio = (candidate: number, baseline: number): number => (baseline === 0 ? 0 : Number((candidate / baseline).toPrecision(3)));

/** Prints candidate, baseline and ratio, writes bench/results/<name>.json and returns the written object. */
export function report(result: BenchResult): Record<string, unknown> {
  const written = { ...result, ratio: ratio(result.candidate, result.baseline), date: new Date().toISOString(), machine: machine() };
  console.log(`\n== ${result.title}`);
  console.log(`   candidate: ${fmt(result.candidate)} ${result.unit}`);
  console.log(`   baseline:  ${fmt(result.baseline)} ${result.unit}${result.baselineNote ? ` (${result.baselineNote})` : ''}`);
  console.log(`   ratio:     ${written.ratio}   goal: ${result.goal}   ${result.met ? 'MET' : 'NOT MET'}`);
  if (result.details) console.log(`   details:   ${JSON.stringify(result.details)}`);
  const dir = path.join(process.cwd(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${result.name}.json`), `${JSON.stringify(written, null, 2)}\n`);
  return written;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const seconds = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e9;

/**
 * Pushes `count` messages (made by `message(n)`) into the loaded node `nodeId` and resolves with msgs/s measured until
 * `count` messages have arrived at the helper node(s) `outIds`.
 */
export async function nodeThroughput(nodeId: string, outIds: string | string[], count: number, message: (n: number) => Record<string, unknown>): Promise<number> {
  const messages = Array.from({ length: count }, (_, n) => message(n));
  const outs = (Array.isArray(outIds) ? outIds : [outIds]).map((id) => getNode(id));
  const target = getNode(nodeId);
  const finished = new Promise<void>((resolve) => {
    let arrived = 0;
    const onInput = () => {
      if (++arrived === count) {
        for (const out of outs) out.removeListener('input', onInput);
        resolve();
      }
    };
    for (const out of outs) out.on('input', onInput);
  });
  const start = process.hrtime.bigint();
  for (const msg of messages) target.receive(msg);
  await finished;
  return count / seconds(start);
}

/**
 * Runs candidate and baseline alternately (so drift from GC or other processes hits both alike) after one warm-up
 * each, and returns the median of each side.
 */
export async function alternate(rounds: number, candidate: () => Promise<number>, baseline: () => Promise<number>): Promise<{ candidate: number; baseline: number; samples: { candidate: number[]; baseline: number[] } }> {
  await candidate();
  await baseline();
  const samples = { candidate: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    samples.candidate.push(await candidate());
    samples.baseline.push(await baseline());
  }
  return { candidate: median(samples.candidate), baseline: median(samples.baseline), samples };
}

/** Size knob: BENCH_SCALE=small runs reduced sizes (smoke runs); the default is the size the goals talk about. */
export const SMALL = process.env.BENCH_SCALE === 'small';

/** Runs a benchmark's main() as a script: exit code 0 on success (goals not met are reported, not failures). */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/**
 * Like nodeThroughput but with at most `concurrency` messages in flight: the next message enters when one has left
 * (on any of `outIds`), so a node is compared with a baseline driven at the same concurrency.
 */
export async function windowedThroughput(nodeId: string, outIds: string[], count: number, concurrency: number, message: (n: number) => Record<string, unknown>): Promise<number> {
  const outs = outIds.map((id) => getNode(id));
  const target = getNode(nodeId);
  let sent = 0;
  let arrived = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const onInput = () => {
      arrived++;
      if (sent < count) target.receive(message(sent++));
      if (arrived === count) {
        for (const out of outs) out.removeListener('input', onInput);
        resolve();
      }
    };
    for (const out of outs) out.on('input', onInput);
    while (sent < Math.min(concurrency, count)) target.receive(message(sent++));
  });
  return count / seconds(start);
}

/** Runs `work(i)` for i in 0..count-1 with `concurrency` workers; resolves with operations per second. */
export async function concurrentOps(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / seconds(start);
}

/**
 * Loads a flow like the harness, then removes the test helper's sinon spies from Node.prototype (send, log, status,
 * …): they record every call with its arguments, which retains every message (heap figures would be the helper's)
 * and costs time on every hop. Benchmarks measure the runtime as users run it.
 */
export async function loadForBench(nodeSets: Parameters<typeof load>[0], flow: any[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
  await load(nodeSets, flow, credentials);
  helper._sandbox.restore();
  // Each wired node keeps its own reference to Node.prototype.send (taken in updateWires while the spy was in
  // place), so restoring the prototype is not enough: point every node back at the real send.
  const realSend = helper._NodePrototype.send;
  for (const { id } of flow) {
    const node = getNode(id);
    if (node && Object.prototype.hasOwnProperty.call(node, 'send') && typeof node.send?.restore === 'function') node.send = realSend;
  }
}
