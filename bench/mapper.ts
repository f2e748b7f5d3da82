// Benchmark: fg-field-mapper against the core change node doing the same number of set operations, both in one
// Node-RED test runtime and in the same run. Prints msgs/s for each and the ratio (goal: mapper ≥ 0.5× change).
// Run after compiling: node .build-<you>/bench/mapper.js   (BENCH_RULES, BENCH_MESSAGES, BENCH_ROUNDS to tune)
import * as fs from 'fs';
import * as path from 'path';
import { getNode, helper, unload } from '../test/harness';

const RULES = Number(process.env.BENCH_RULES ?? 10);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const mapperModule = require(path.join(__dirname, '..', 'nodes', 'fg-field-mapper', 'fg-field-mapper'));
const changeModule = require(require.resolve('@node-red/nodes/core/function/15-change.js', { paths: [path.dirname(require.resolve(process.env.NODE_RED_PATH || 'node-red'))] }));

function flow(): object[] {
  const mapperRules = [];
  const changeRules = [];
  for (let i = 0; i < RULES; i++) {
    mapperRules.push({ target: `t${i}`, source: { type: 'path', value: `s${i}` } });
    changeRules.push({ t: 'set', p: `out.t${i}`, pt: 'msg', to: `payload.s${i}`, tot: 'msg' });
  }
  return [
    { id: 'mapperNode', type: 'fg-field-mapper', property: 'payload', outputProperty: 'out', direction: 'forward', rules: mapperRules, inputSchema: '', outputSchema: '', errorRouting: 'output', wires: [['mapperOut'], []] },
    { id: 'mapperOut', type: 'helper' },
    // The change node writes into msg.out, so it is created first (as the mapper creates its output object).
    { id: 'changeNode', type: 'change', rules: [{ t: 'set', p: 'out', pt: 'msg', to: '{}', tot: 'json' }, ...changeRules], wires: [['changeOut']] },
    { id: 'changeOut', type: 'helper' },
  ];
}

function message(n: number): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (let i = 0; i < RULES; i++) payload[`s${i}`] = i % 2 === 0 ? `value ${n}-${i}` : n + i;
  return { _msgid: `m${n}`, payload };
}

/** Pushes MESSAGES messages into `nodeId` and returns msgs/s measured until the last one leaves. */
async function measure(nodeId: string, outId: string): Promise<number> {
  const messages = Array.from({ length: MESSAGES }, (_, n) => message(n));
  const out = getNode(outId);
  const target = getNode(nodeId);
  const finished = new Promise<void>((resolve) => {
    let count = 0;
    const onInput = () => {
      if (++count === MESSAGES) {
        out.removeListener('input', onInput);
        resolve();
      }
    };
    out.on('input', onInput);
  });
  const start = process.hrtime.bigint();
  for (const msg of messages) target.receive(msg);
  await finished;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return MESSAGES / seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  await helper.load([mapperModule, changeModule], flow());
  // Warm-up so that both nodes run JIT-compiled code before timing.
  await measure('mapperNode', 'mapperOut');
  await measure('changeNode', 'changeOut');
  const candidate: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate so that drift (GC, other processes on the machine) hits both sides alike.
    candidate.push(await measure('mapperNode', 'mapperOut'));
    baseline.push(await measure('changeNode', 'changeOut'));
  }
  await unload();
  const result = {
    benchmark: 'fg-field-mapper vs core change node',
    date: new Date().toISOString(),
    node: process.version,
    nodeRed: require(path.join(path.dirname(require.resolve(process.env.NODE_RED_PATH || 'node-red')), '..', 'package.json')).version,
    setOperationsPerMessage: RULES,
    messagesPerRound: MESSAGES,
    rounds: ROUNDS,
    candidateMsgsPerSec: Math.round(median(candidate)),
    baselineMsgsPerSec: Math.round(median(baseline)),
    ratio: Number((median(candidate) / median(baseline)).toFixed(2)),
    goal: 0.5,
  };
  console.log(`fg-field-mapper: ${result.candidateMsgsPerSec} msgs/s`);
  console.log(`change node:     ${result.baselineMsgsPerSec} msgs/s`);
  console.log(`ratio:           ${result.ratio} (goal >= ${result.goal})`);
  const dir = path.join(process.cwd(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `mapper-${result.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
