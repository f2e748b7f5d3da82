// JSON Schema (draft 2020-12) validation with ajv: every violation is collected (allErrors), formats
// such as email and date-time are checked, and schemas are compiled once when the spec is compiled.
import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import type addFormats from 'ajv-formats';
import { Violation } from './spec';

export type SchemaValidator = (value: unknown) => Violation[];

export function createAjv(): Ajv2020 {
  // strict:false so that schemas exported from other tools (with extra keywords) still compile.
  // ajv is loaded by the first mapping that needs it, not when Node-RED loads the pack (issue 17).
  const Ajv: typeof Ajv2020 = require('ajv/dist/2020').default;
  const formats: typeof addFormats = require('ajv-formats').default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  formats(ajv);
  return ajv;
}

function toViolation(stage: 'input' | 'output', error: ErrorObject): Violation {
  const missing = error.keyword === 'required' ? `/${String((error.params as { missingProperty?: string }).missingProperty)}` : '';
  const extra = error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return {
    stage,
    path: `${error.instancePath}${missing}` || '/',
    message: `${error.message ?? 'is invalid'}${extra}`,
    keyword: error.keyword,
  };
}

/** Compiles a schema; throws (with ajv's reason) when the schema itself is invalid. */
export function compileSchema(ajv: Ajv2020, schema: object, stage: 'input' | 'output'): SchemaValidator {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((error) => toViolation(stage, error)));
}
