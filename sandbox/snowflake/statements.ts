// Statement kinds, their Snowflake statementTypeId, and the result shape the server pages through.
import { RowType } from './encode';
import { leadingWords, significant, tokenize } from './tokens';

export const STATEMENT_TYPE = {
  SELECT: 0x1000, INSERT: 0x3100, UPDATE: 0x3200, DELETE: 0x3300, MERGE: 0x3400, SESSION: 0x4000, TRANSACTION: 0x5000, DDL: 0x6000,
} as const;

/** A finished statement: either a DuckDB result to page through, or a small synthetic one (DML counts, status). */
export interface StatementResult {
  statementTypeId: number;
  kind: string;
  rowType: RowType[];
  total: number;
  /** Reads rows [from, to) already encoded as Snowflake strings. */
  readRows(from: number, to: number): (string | null)[][];
  /** Rows affected, for the query log. */
  affectedRows?: number;
}

export function classify(sqlText: string): { statementTypeId: number; kind: string } {
  const [w1, w2] = leadingWords(sqlText, 2);
  switch (w1) {
    case 'SELECT': case 'WITH': case 'SHOW': case 'DESCRIBE': case 'DESC': case 'EXPLAIN': case 'VALUES': case '(':
      return { statementTypeId: STATEMENT_TYPE.SELECT, kind: 'SELECT' };
    case 'INSERT': return { statementTypeId: STATEMENT_TYPE.INSERT, kind: 'INSERT' };
    case 'UPDATE': return { statementTypeId: STATEMENT_TYPE.UPDATE, kind: 'UPDATE' };
    case 'DELETE': return { statementTypeId: STATEMENT_TYPE.DELETE, kind: 'DELETE' };
    case 'MERGE': return { statementTypeId: STATEMENT_TYPE.MERGE, kind: 'MERGE' };
    case 'USE': case 'SET': case 'UNSET': return { statementTypeId: STATEMENT_TYPE.SESSION, kind: w1 };
    case 'ALTER':
      if (w2 === 'SESSION') return { statementTypeId: STATEMENT_TYPE.SESSION, kind: 'ALTER SESSION' };
      return { statementTypeId: STATEMENT_TYPE.DDL, kind: 'DDL' };
    case 'BEGIN': case 'START': case 'COMMIT': case 'ROLLBACK':
      return { statementTypeId: STATEMENT_TYPE.TRANSACTION, kind: w1 };
    // TRUNCATE is DML for transactions: it does not commit the open one.
    case 'TRUNCATE':
      return { statementTypeId: STATEMENT_TYPE.DDL, kind: 'TRUNCATE' };
    default:
      return { statementTypeId: STATEMENT_TYPE.DDL, kind: 'DDL' };
  }
}

/** Splits a script at top-level semicolons (not inside literals, quoted names or comments). */
export function splitStatements(sqlText: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const token of tokenize(sqlText)) {
    if (token.text === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else current += token.text;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

/** Counts top-level statements (Snowflake refuses more than one unless MULTI_STATEMENT_COUNT says so). */
export function countStatements(sqlText: string): number {
  let count = 0;
  let pending = false;
  for (const token of significant(tokenize(sqlText))) {
    if (token.text === ';') {
      if (pending) count++;
      pending = false;
    } else pending = true;
  }
  return count + (pending ? 1 : 0);
}

export function synthetic(statementTypeId: number, kind: string, columns: [string, string][], row: (string | null)[], where: { database: string; schema: string }, affectedRows?: number): StatementResult {
  const rowType: RowType[] = columns.map(([name, type]) => ({
    name, type, scale: type === 'fixed' ? 0 : null, precision: type === 'fixed' ? 19 : null,
    length: type === 'text' ? 16777216 : null, byteLength: type === 'text' ? 16777216 : null,
    nullable: false, database: where.database, schema: where.schema, table: '', collation: null,
  }));
  return { statementTypeId, kind, rowType, total: 1, readRows: (from, to) => [row].slice(from, to), affectedRows };
}

