// Maps DuckDB errors to the Snowflake error codes / SQL states a client sees (protocols.md §1.7).
import { fromDuckName } from './names';

export interface SnowflakeError {
  code: string;
  sqlState: string;
  message: string;
  type: string;
}

export class SandboxSqlError extends Error {
  constructor(readonly detail: SnowflakeError) {
    super(detail.message);
  }
}

export function sqlError(code: string, sqlState: string, message: string, type = 'COMPILATION'): SandboxSqlError {
  return new SandboxSqlError({ code, sqlState, message, type });
}

/** What the sandbox does not emulate: Snowflake's compilation error shape, naming the gap (docs/snowflake.md lists them). */
export function unsupported(what: string): SandboxSqlError {
  return sqlError('001003', '42000', `SQL compilation error:\n${what} is not supported by the Snowflake sandbox (see docs/snowflake.md).`);
}

/**
 * SQL that raises a Snowflake execution error from inside a DuckDB expression (DuckDB's error() function); the
 * mapper below turns it back into code / sqlState / message.
 */
export function raiseSql(code: string, sqlState: string, messageSql: string): string {
  return `error('SF|${code}|${sqlState}|' || ${messageSql})`;
}

/** DuckDB names of the sandbox's helper macros → the Snowflake function a user wrote. */
function snowflakeNames(text: string): string {
  return text.replace(/\bSF_([A-Z0-9_]+?)(?:_[DT]|_FMT|_N)?\(\)/g, '$1()').replace(/\bSF_([A-Z0-9_]+)/g, '$1');
}

export function mapDuckDbError(err: unknown): SnowflakeError {
  if (err instanceof SandboxSqlError) return err.detail;
  const raw = fromDuckName(err instanceof Error ? err.message : String(err));
  // Keep the first line only: DuckDB appends a caret diagram of the (translated) statement.
  const first = snowflakeNames(raw.split('\n')[0]);
  const raised = /SF\|(\d{6})\|(\w{5})\|(.*)$/s.exec(raw.split('\n')[0]);
  if (raised) return { code: raised[1], sqlState: raised[2], type: 'EXECUTION', message: raised[3] };
  // Source: https://docs.snowflake.com/en/sql-reference/operators-arithmetic (select 1/0 → 100051 (22012): Division by zero)
  if (/Division by zero/i.test(first)) return { code: '100051', sqlState: '22012', type: 'EXECUTION', message: 'Division by zero' };
  const missing = /Table with name (\S+) does not exist|Table "?([^"]+)"? does not exist|Schema with name (\S+) does not exist/.exec(first);
  if (missing) {
    const name = (missing[1] ?? missing[2] ?? missing[3]).replace(/!$/, '');
    return { code: '002003', sqlState: '42S02', type: 'COMPILATION', message: `SQL compilation error:\nObject '${name}' does not exist or not authorized.` };
  }
  if (first.startsWith('Parser Error')) {
    return { code: '001003', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error:\n${first.replace(/^Parser Error: /, '')}` };
  }
  const column = /Referenced column "?([^"\s]+)"? not found|does not have a column with name "?([^"\s]+?)"?$/.exec(first);
  if (column) {
    // A name that is not upper-case letters, digits and _ was quoted, and Snowflake shows it quoted: '"id"'.
    const written = column[1] ?? column[2];
    const name = /^[A-Z_][A-Z0-9_$]*$/.test(written) ? written : `"${written}"`;
    return { code: '000904', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error: error line 0 at position 0\ninvalid identifier '${name}'` };
  }
  const unknownFunction = /(?:Scalar|Aggregate|Table) Function with name (\w+) does not exist/.exec(first);
  if (unknownFunction) {
    return { code: '002140', sqlState: '42601', type: 'COMPILATION', message: `SQL compilation error:\nUnknown function ${unknownFunction[1].toUpperCase()}` };
  }
  // Snowflake casts text operands of arithmetic to numbers implicitly ('1' + 1 = 2); DuckDB does not, and the sandbox
  // does not emulate it: the gap is named (docs/snowflake.md), not answered as an error Snowflake would not give.
  if (/(?:function call "|argument types ')[-+*/%]\([^)]*(?:VARCHAR|STRING_LITERAL)/.test(first)) {
    return unsupported('Text as an operand of arithmetic without a cast (write \'1\'::NUMBER + 1)').detail;
  }
  // Source: Snowflake answers a call whose argument types fit no signature with 001044 (42P13)
  // "Invalid argument types for function 'F': (...)" (https://docs.snowflake.com/en/sql-reference/data-type-conversion).
  const badArguments = /(?:Macro|function) (\w+)\(.*?\) (?:does not support the supplied arguments|has multiple overloads)|No function matches the given name and argument types '(\w+)\((.*?)\)'/.exec(first);
  if (badArguments) {
    const name = (badArguments[1] ?? badArguments[2]).toUpperCase();
    return { code: '001044', sqlState: '42P13', type: 'COMPILATION', message: `SQL compilation error:\nInvalid argument types for function '${name}': (${badArguments[3] ?? ''})` };
  }
  if (first.startsWith('Binder Error') || first.startsWith('Catalog Error')) {
    return { code: '002003', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error:\n${first.replace(/^\w+ Error: /, '')}` };
  }
  if (/NOT NULL constraint failed/.test(first)) {
    return { code: '100072', sqlState: '22000', type: 'EXECUTION', message: `NULL result in a non-nullable column` };
  }
  if (/Malformed JSON/.test(first)) {
    return { code: '100069', sqlState: '22P02', type: 'EXECUTION', message: `Error parsing JSON: ${first.replace(/^[\w ]+ Error: /, '')}` };
  }
  const notNumeric = /Could not convert string (['"])(.*)\1 to (?:DECIMAL|INT|DOUBLE|BIGINT|HUGEINT|FLOAT)/.exec(first);
  if (notNumeric) {
    return { code: '100038', sqlState: '22018', type: 'EXECUTION', message: `Numeric value '${notNumeric[2]}' is not recognized` };
  }
  if (first.startsWith('Conversion Error') || first.startsWith('Invalid Input Error')) {
    return { code: '100038', sqlState: '22018', type: 'EXECUTION', message: first.replace(/^[\w ]+ Error: /, '') };
  }
  if (first.startsWith('Out of Range Error')) {
    return { code: '100039', sqlState: '22003', type: 'EXECUTION', message: first.replace(/^[\w ]+ Error: /, '') };
  }
  if (first.startsWith('INTERRUPT')) {
    return { code: '000604', sqlState: '57014', type: 'EXECUTION', message: 'SQL execution canceled' };
  }
  return { code: '100000', sqlState: 'XX000', type: 'EXECUTION', message: first };
}
