// The mapping spec: the JSON a user edits in the node, imports and exports as a file, and that presets ship as.

export type SourceType = 'path' | 'msg' | 'jsonata' | 'const';

export interface TransformSpec {
  /** Transform name, see TRANSFORM_NAMES in transforms.ts. */
  op: string;
  [option: string]: unknown;
}

export interface RuleSpec {
  /** Where the value goes in the target object, e.g. `MailingAddress.city` or `Amount`. */
  target: string;
  /**
   * `path`: a property path in the source object; `msg`: a path in the whole message (e.g. `topic`);
   * `jsonata`: an expression over the source object (`$msg` = the message); `const`: a fixed value.
   */
  source: { type: SourceType; value: unknown };
  transforms?: TransformSpec[];
  /** A missing, null or empty final value is a violation. */
  required?: boolean;
  /** Free text shown in the editor. */
  note?: string;
}

export interface MappingSpec {
  version?: 1;
  name?: string;
  description?: string;
  rules: RuleSpec[];
  /** JSON Schema (draft 2020-12) the source object must match before mapping; JSON text is accepted too. */
  inputSchema?: object | string | null;
  /** JSON Schema (draft 2020-12) the mapped object must match before it is sent on. */
  outputSchema?: object | string | null;
}

/** One reason a message was rejected: by a schema (`input`/`output`) or by a rule. */
export interface Violation {
  stage: 'input' | 'rule' | 'output';
  /** JSON pointer for schema violations (`/address/city`), the rule target for rule violations. */
  path: string;
  message: string;
  rule?: number;
  transform?: string;
  value?: unknown;
  keyword?: string;
}

/** A problem found while compiling a spec; reported at deploy. */
export interface SpecProblem {
  rule?: number;
  where: string;
  message: string;
}

export class MappingSpecError extends Error {
  readonly problems: SpecProblem[];
  constructor(problems: SpecProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
    super(`invalid mapping spec: ${first ? `${first.where}: ${first.message}` : 'unknown problem'}${more}`);
    this.name = 'MappingSpecError';
    this.problems = problems;
  }
}

/** Accepts a spec object or its JSON text (as stored by the editor or read from a file). */
export function readSpec(input: unknown): MappingSpec {
  let spec: any = input;
  if (typeof input === 'string') {
    try {
      spec = JSON.parse(input);
    } catch (err) {
      throw new MappingSpecError([{ where: 'spec', message: `is not valid JSON: ${(err as Error).message}` }]);
    }
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new MappingSpecError([{ where: 'spec', message: 'must be an object with a "rules" array' }]);
  }
  if (spec.version !== undefined && spec.version !== 1) {
    throw new MappingSpecError([{ where: 'spec.version', message: `version ${JSON.stringify(spec.version)} is not supported (expected 1)` }]);
  }
  if (!Array.isArray(spec.rules)) {
    throw new MappingSpecError([{ where: 'spec.rules', message: 'must be an array' }]);
  }
  return spec as MappingSpec;
}

/** Short, bounded rendering of a value for violation messages. */
export function describeValue(value: unknown): string {
  // Never throws: it describes bad input, which may hold BigInts, cycles or a `toString` that is not a function.
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? typeof value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line for msg.error.message and logs: the first violation and how many more there are. */
export function summarizeViolations(violations: Violation[]): string {
  if (violations.length === 0) return 'mapping failed';
  const first = violations[0];
  const text = first.stage === 'rule' ? first.message : `${first.stage} ${first.path}: ${first.message}`;
  return violations.length > 1 ? `${text} (+${violations.length - 1} more)` : text;
}
