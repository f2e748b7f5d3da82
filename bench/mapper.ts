// Benchmark: fg-field-mapper against the core change node doing the same number of set operations, both in one
// Node-RED test runtime and in the same run (goal: mapper >= 0.5x change).
// Run after compiling: node <build>/bench/mapper.js   (BENCH_RULES, BENCH_MESSAGES, BENCH_ROUNDS to tune)
import { unload } from '../test/harness';
import { SMALL, alternate, loadForBench, nodeThroughput, report, runMain } from './lib';

const RULES = Number(process.env.BENCH_RULES ?? 10);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (SMALL ? 5000 : 20000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMALL ? 3 : 5));

function flow(): any[] {
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

export async function run(): Promise<Record<string, unknown>> {
  await loadForBench(['fg-field-mapper', 'change'], flow());
  try {
    const measured = await alternate(ROUNDS, () => nodeThroughput('mapperNode', 'mapperOut', MESSAGES, message), () => nodeThroughput('changeNode', 'changeOut', MESSAGES, message));
    return report({
      name: 'mapper',
      title: 'fg-field-mapper vs core change node (same set operations)',
      unit: 'msgs/s',
      candidate: Math.round(measured.candidate),
      baseline: Math.round(measured.baseline),
      better: 'higher',
      goal: 'ratio >= 0.5',
      met: measured.candidate / measured.baseline >= 0.5,
      details: { setOperationsPerMessage: RULES, messagesPerRound: MESSAGES, rounds: ROUNDS },
    });
  } finally {
    await unload();
  }
}

if (require.main === module) runMain(run);
