// Compiles a mapping spec once (paths, JSONata, transforms, schemas) into functions that map
// source → target, reverse target → source and diff against a current record.
import { Change, DiffField, diffFields } from './diff';
import { formatPath, getPath, parsePath, setPath } from './paths';
import { CompiledRule, compileRule, MISSING, requiredViolation, RuleInfo, runChain } from './rules';
import { compileSchema, createAjv, SchemaValidator } from './schema';
import { MappingSpecError, readSpec, SpecProblem, Violation } from './spec';
import { TransformContext } from './transforms';

export type { RuleInfo } from './rules';

export interface MapOptions {
  /** JSONata variables; `msg` is also what `msg` sources read, e.g. `{ msg }` for `$msg.topic` or source `topic`. */
  bindings?: Record<string, unknown>;
  /** When set, the result carries `changes` against `current`. */
  diff?: boolean;
  current?: unknown;
}

export type MapResult =
  | { ok: true; output: Record<string, unknown>; changes?: Change[] }
  | { ok: false; violations: Violation[] };

export type ReverseResult =
  | { ok: true; output: Record<string, unknown>; skippedRules: number[] }
  | { ok: false; violations: Violation[] };

export interface CompiledMapping {
  readonly name: string;
  readonly rules: RuleInfo[];
  map(source: unknown, options?: MapOptions): Promise<MapResult>;
  reverse(target: unknown): ReverseResult;
  diff(current: unknown, output: unknown): Change[];
}

/** Compiles a spec (object or JSON text). Throws MappingSpecError listing every problem found. */
export function compileMapping(specInput: unknown): CompiledMapping {
  const spec = readSpec(specInput);
  const problems: SpecProblem[] = [];
  const rules = spec.rules.map((rule, index) => compileRule(rule, index, problems));
  // Two rules writing one field would make the output depend on rule order; refuse it.
  const seenTargets = new Map<string, number>();
  spec.rules.forEach((rule, index) => {
    let target: string;
    try {
      target = formatPath(parsePath(rule?.target));
    } catch {
      return;
    }
    const earlier = seenTargets.get(target);
    if (earlier !== undefined) {
      problems.push({ rule: index, where: `rules[${index}].target`, message: `"${target}" is already set by rule ${earlier + 1}` });
    }
    seenTargets.set(target, index);
  });
  const schema = (key: 'inputSchema' | 'outputSchema', stage: 'input' | 'output'): SchemaValidator | undefined => {
    let value: unknown = spec[key];
    if (typeof value === 'string') {
      // The editor stores schemas as JSON text; empty text means no schema.
      if (value.trim() === '') return undefined;
      try {
        value = JSON.parse(value);
      } catch (err) {
        problems.push({ where: key, message: `is not valid JSON: ${(err as Error).message}` });
        return undefined;
      }
    }
    if (value === undefined || value === null) return undefined;
    try {
      if (typeof value !== 'object' && typeof value !== 'boolean') throw new Error('must be a JSON Schema object');
      // One ajv per schema: input and output schemas may share an $id (e.g. exported from one tool).
      return compileSchema(createAjv(), value as object, stage);
    } catch (err) {
      problems.push({ where: key, message: (err as Error).message });
      return undefined;
    }
  };
  const validateInput = schema('inputSchema', 'input');
  const validateOutput = schema('outputSchema', 'output');
  if (problems.length > 0) throw new MappingSpecError(problems);

  const compiledRules = rules as CompiledRule[];
  const hasExpressions = compiledRules.some((rule) => rule.expression);
  const diffTargets: DiffField[] = compiledRules.map((rule) => ({ field: rule.info.target, keys: rule.targetKeys }));

  function finish(values: unknown[], source: unknown, options: MapOptions): MapResult {
    const violations: Violation[] = [];
    const output: Record<string, unknown> = {};
    const ctx: TransformContext = { root: source };
    compiledRules.forEach((rule, i) => {
      const result = runChain(rule, values[i], ctx, 'forward');
      if ('stage' in result) {
        violations.push(result);
        return;
      }
      if (rule.info.required && MISSING(result.value)) violations.push(requiredViolation(rule, result.value, rule.info.target));
      else if (result.value !== undefined) setPath(output, rule.targetKeys, result.value);
    });
    if (violations.length === 0 && validateOutput) violations.push(...validateOutput(output));
    if (violations.length > 0) return { ok: false, violations };
    return options.diff ? { ok: true, output, changes: diffFields(options.current, output, diffTargets) } : { ok: true, output };
  }

  function read(rule: CompiledRule, source: unknown, bindings?: Record<string, unknown>): unknown {
    if (rule.sourceKeys) return getPath(source, rule.sourceKeys);
    if (rule.msgKeys) return getPath(bindings?.msg, rule.msgKeys);
    if (rule.expression) return rule.expression.evaluate(source, bindings);
    return rule.constant;
  }

  async function map(source: unknown, options: MapOptions = {}): Promise<MapResult> {
    if (validateInput) {
      const violations = validateInput(source);
      if (violations.length > 0) return { ok: false, violations };
    }
    const values = compiledRules.map((rule) => read(rule, source, options.bindings));
    if (!hasExpressions) return finish(values, source, options);
    const violations: Violation[] = [];
    await Promise.all(compiledRules.map(async (rule, i) => {
      if (!rule.expression) return;
      try {
        values[i] = await values[i];
      } catch (err) {
        const { message } = err as { message?: string };
        violations.push({ stage: 'rule', path: rule.info.target, rule: i, message: `rule ${i + 1} (${rule.info.target}): JSONata failed: ${message}` });
      }
    }));
    if (violations.length > 0) return { ok: false, violations };
    return finish(values, source, options);
  }

  function reverse(target: unknown): ReverseResult {
    if (validateOutput) {
      const violations = validateOutput(target);
      if (violations.length > 0) return { ok: false, violations };
    }
    const violations: Violation[] = [];
    const output: Record<string, unknown> = {};
    const skippedRules: number[] = [];
    const ctx: TransformContext = { root: target };
    for (const rule of compiledRules) {
      if (!rule.info.invertible || !rule.sourceKeys) {
        skippedRules.push(rule.info.index);
        continue;
      }
      const value = getPath(target, rule.targetKeys);
      if (rule.info.required && MISSING(value)) {
        violations.push(requiredViolation(rule, value, rule.info.target));
        continue;
      }
      const result = runChain(rule, value, ctx, 'reverse');
      if ('stage' in result) violations.push(result);
      else if (result.value !== undefined) setPath(output, rule.sourceKeys, result.value);
    }
    return violations.length > 0 ? { ok: false, violations } : { ok: true, output, skippedRules };
  }

  return {
    name: spec.name ?? '',
    rules: compiledRules.map((rule) => rule.info),
    map,
    reverse,
    diff: (current, output) => diffFields(current, output, diffTargets),
  };
}
