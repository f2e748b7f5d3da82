// One rule of a spec: compiled once (source path / JSONata / constant, transform chain, invertibility), then run
// per message in either direction.
import type jsonata from 'jsonata';
import { formatPath, parsePath, PathKey } from './paths';
import { describeValue, RuleSpec, SourceType, SpecProblem, Violation } from './spec';
import { CompiledTransform, compileTransform, TransformContext } from './transforms';

/** What the editor shows per rule. */
export interface RuleInfo {
  index: number;
  target: string;
  sourceType: SourceType;
  source: string;
  required: boolean;
  invertible: boolean;
  notInvertible?: string;
}

export interface CompiledRule {
  info: RuleInfo;
  targetKeys: PathKey[];
  sourceKeys?: PathKey[];
  msgKeys?: PathKey[];
  constant?: unknown;
  expression?: jsonata.Expression;
  transforms: CompiledTransform[];
  /** The chain in reverse order, for reverse mapping. */
  reversed: CompiledTransform[];
}

export const MISSING = (value: unknown): boolean => value === undefined || value === null || value === '';

export function compileRule(rule: RuleSpec, index: number, problems: SpecProblem[]): CompiledRule | undefined {
  const where = `rules[${index}]`;
  const problemsBefore = problems.length;
  const report = (field: string, message: string): void => {
    problems.push({ rule: index, where: `${where}${field}`, message });
  };
  if (rule === null || typeof rule !== 'object') {
    report('', 'must be an object');
    return undefined;
  }
  let targetKeys: PathKey[] = [];
  try {
    targetKeys = parsePath(rule.target);
  } catch (err) {
    report('.target', (err as Error).message);
  }
  const source = rule.source ?? ({} as RuleSpec['source']);
  const compiled: Partial<CompiledRule> = { targetKeys, transforms: [] };
  let notInvertible: string | undefined;
  const sourcePath = (): PathKey[] | undefined => {
    try {
      return parsePath(source.value as string);
    } catch (err) {
      report('.source', (err as Error).message);
      return undefined;
    }
  };
  if (source.type === 'path') {
    compiled.sourceKeys = sourcePath();
  } else if (source.type === 'msg') {
    notInvertible = 'a msg property lies outside the mapped object';
    compiled.msgKeys = sourcePath();
  } else if (source.type === 'jsonata') {
    notInvertible = 'a JSONata source cannot be reversed';
    try {
      // JSONata is loaded by the first mapping that uses it, not when Node-RED loads the pack (issue 17).
      const compile: typeof jsonata = require('jsonata');
      compiled.expression = compile(String(source.value ?? ''));
    } catch (err) {
      const { message, position } = err as { message: string; position?: number };
      report('.source', `invalid JSONata: ${message}${position !== undefined ? ` at ${position}` : ''}`);
    }
  } else if (source.type === 'const') {
    notInvertible = 'a constant has no source field';
    compiled.constant = source.value;
  } else {
    report('.source.type', 'must be "path", "msg", "jsonata" or "const"');
  }
  const transformSpecs = rule.transforms ?? [];
  if (!Array.isArray(transformSpecs)) report('.transforms', 'must be an array');
  else {
    transformSpecs.forEach((spec, t) => {
      try {
        const transform = compileTransform(spec);
        compiled.transforms!.push(transform);
        if (!transform.reverse) notInvertible ??= `${transform.op}: ${transform.notInvertible}`;
      } catch (err) {
        report(`.transforms[${t}]`, (err as Error).message);
      }
    });
  }
  if (problems.length > problemsBefore) return undefined;
  compiled.reversed = [...compiled.transforms!].reverse();
  compiled.info = {
    index,
    target: formatPath(targetKeys),
    sourceType: source.type,
    source: source.type === 'const' ? JSON.stringify(source.value) : String(source.value),
    required: rule.required === true,
    invertible: notInvertible === undefined,
    ...(notInvertible !== undefined ? { notInvertible } : {}),
  };
  return compiled as CompiledRule;
}

/** Runs a value through a chain (forward, or reverse in reverse order); returns a violation on failure. */
export function runChain(rule: CompiledRule, value: unknown, ctx: TransformContext, direction: 'forward' | 'reverse'): { value: unknown } | Violation {
  const chain = direction === 'forward' ? rule.transforms : rule.reversed;
  let current = value;
  for (const transform of chain) {
    if ((current === undefined || current === null) && !transform.handlesMissing) continue;
    try {
      current = direction === 'forward' ? transform.forward(current, ctx) : transform.reverse!(current, ctx);
    } catch (err) {
      return {
        stage: 'rule',
        path: direction === 'forward' ? rule.info.target : rule.info.source,
        rule: rule.info.index,
        transform: transform.op,
        value: current,
        message: `rule ${rule.info.index + 1} (${rule.info.target}): ${transform.op} cannot convert ${describeValue(current)}: ${(err as Error).message}`,
      };
    }
  }
  return { value: current };
}

export function requiredViolation(rule: CompiledRule, value: unknown, path: string): Violation {
  return {
    stage: 'rule',
    path,
    rule: rule.info.index,
    value,
    message: `rule ${rule.info.index + 1} (${rule.info.target}): required value is missing (got ${describeValue(value ?? null)})`,
  };
}
