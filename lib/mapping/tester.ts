// What the editor's Check and Test buttons run (through the node's admin routes): compile a spec that has not
// been deployed yet and, for Test, map one sample. Problems come back as data, never as thrown errors.
import { Change } from './diff';
import { compileMapping, RuleInfo } from './compile';
import { MappingSpecError, SpecProblem, Violation } from './spec';

export interface CheckResult {
  ok: boolean;
  rules: RuleInfo[];
  problems: SpecProblem[];
}

export interface TestRequest {
  spec: unknown;
  sample: unknown;
  direction?: 'forward' | 'reverse';
  /** Present (even as null) when the diff should be shown. */
  current?: unknown;
  diff?: boolean;
}

export interface TestResult extends CheckResult {
  output?: Record<string, unknown>;
  violations: Violation[];
  changes?: Change[];
  skippedRules?: number[];
}

function problemsOf(err: unknown): SpecProblem[] {
  if (err instanceof MappingSpecError) return err.problems;
  return [{ where: 'spec', message: (err as Error)?.message ?? String(err) }];
}

export function checkSpec(spec: unknown): CheckResult {
  try {
    return { ok: true, rules: compileMapping(spec).rules, problems: [] };
  } catch (err) {
    return { ok: false, rules: [], problems: problemsOf(err) };
  }
}

export async function testSpec(request: TestRequest): Promise<TestResult> {
  let mapping;
  try {
    mapping = compileMapping(request.spec);
  } catch (err) {
    return { ok: false, rules: [], problems: problemsOf(err), violations: [] };
  }
  const base = { rules: mapping.rules, problems: [] };
  if (request.direction === 'reverse') {
    const result = mapping.reverse(request.sample);
    if (!result.ok) return { ...base, ok: false, violations: result.violations };
    return { ...base, ok: true, output: result.output, violations: [], skippedRules: result.skippedRules };
  }
  const result = await mapping.map(request.sample, { bindings: { msg: { payload: request.sample } }, diff: request.diff === true, current: request.current });
  if (!result.ok) return { ...base, ok: false, violations: result.violations };
  return { ...base, ok: true, output: result.output, violations: [], ...(result.changes ? { changes: result.changes } : {}) };
}
