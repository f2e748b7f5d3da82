// Field mapping engine: spec → compiled mapping (JSONata, transforms, ajv schemas), reverse mapping and diffs.
export { compileMapping } from './compile';
export type { CompiledMapping, MapOptions, MapResult, ReverseResult, RuleInfo } from './compile';
export { MappingSpecError, readSpec, summarizeViolations } from './spec';
export type { MappingSpec, RuleSpec, TransformSpec, Violation, SpecProblem } from './spec';
export type { Change } from './diff';
export { TRANSFORM_NAMES } from './transforms';
export { currencyExponent } from './currency';
export { DATE_FORMATS } from './dates';
export { PRESETS, findPreset } from './presets';
export type { Preset } from './presets';
export { checkSpec, testSpec } from './tester';
export type { CheckResult, TestRequest, TestResult } from './tester';
