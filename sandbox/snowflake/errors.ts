// Maps DuckDB errors to the Snowflake error codes / SQL states a client sees (protocols.md §1.7).

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

export function mapDuckDbError(err: unknown): SnowflakeError {
  if (err instanceof SandboxSqlError) return err.detail;
  const raw = err instanceof Error ? err.message : String(err);
  // Keep the first line only: DuckDB appends a caret diagram of the (translated) statement.
  const first = raw.split('\n')[0];
  const missing = /Table with name (\S+) does not exist|Table "?([^"]+)"? does not exist|Schema with name (\S+) does not exist/.exec(first);
  if (missing) {
    const name = (missing[1] ?? missing[2] ?? missing[3]).replace(/!$/, '');
    return { code: '002003', sqlState: '42S02', type: 'COMPILATION', message: `SQL compilation error:\nObject '${name}' does not exist or not authorized.` };
  }
  if (first.startsWith('Parser Error')) {
    return { code: '001003', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error:\n${first.replace(/^Parser Error: /, '')}` };
  }
  const column = /Referenced column "?([^"\s]+)"? not found/.exec(first);
  if (column) {
    return { code: '000904', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error: error line 0 at position 0\ninvalid identifier '${column[1]}'` };
  }
  if (first.startsWith('Binder Error') || first.startsWith('Catalog Error')) {
    return { code: '002003', sqlState: '42000', type: 'COMPILATION', message: `SQL compilation error:\n${first.replace(/^\w+ Error: /, '')}` };
  }
  if (/NOT NULL constraint failed/.test(first)) {
    return { code: '100072', sqlState: '22000', type: 'EXECUTION', message: `NULL result in a non-nullable column` };
  }
  if (/Duplicate key|violates primary key|violates unique/.test(first)) {
    return { code: '200001', sqlState: '22000', type: 'EXECUTION', message: 'A primary key already exists.' };
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
