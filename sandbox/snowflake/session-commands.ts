// Session commands the sandbox answers itself instead of DuckDB: ALTER SESSION SET / UNSET.
import { StatementResult, STATEMENT_TYPE } from './engine';
import { sqlError } from './errors';
import { Session, defaultParameters } from './state';
import { significant, tokenize } from './tokens';

function statusResult(session: Session): StatementResult {
  const row = ['Statement executed successfully.'];
  return {
    statementTypeId: STATEMENT_TYPE.SESSION, kind: 'ALTER SESSION', total: 1, readRows: (from, to) => [row].slice(from, to),
    rowType: [{
      name: 'status', type: 'text', scale: null, precision: null, length: 16777216, byteLength: 16777216, nullable: false,
      database: session.engine.database, schema: session.engine.schema, table: '', collation: null,
    }],
  };
}

function literal(text: string): string | number | boolean {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** Returns a result when sqlText is a session command, undefined otherwise. */
export function applySessionCommand(session: Session, sqlText: string): StatementResult | undefined {
  const tokens = significant(tokenize(sqlText)).filter((t) => t.text !== ';');
  if (tokens.length < 3 || tokens[0].text.toUpperCase() !== 'ALTER' || tokens[1].text.toUpperCase() !== 'SESSION') return undefined;
  const action = tokens[2].text.toUpperCase();
  const rest = tokens.slice(3);
  if (action === 'SET') {
    // NAME = value [, NAME = value …] or NAME = value NAME = value
    for (let i = 0; i < rest.length;) {
      if (rest[i].text === ',') { i++; continue; }
      const name = rest[i]?.text.toUpperCase();
      if (rest[i + 1]?.text !== '=' || rest[i + 2] === undefined) {
        throw sqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 unexpected '${rest[i + 1]?.text ?? '<EOF>'}'.`);
      }
      session.parameters.set(name, literal(rest[i + 2].text));
      i += 3;
    }
    return statusResult(session);
  }
  if (action === 'UNSET') {
    const defaults = defaultParameters();
    for (const token of rest) {
      if (token.text === ',') continue;
      const name = token.text.toUpperCase();
      if (defaults.has(name)) session.parameters.set(name, defaults.get(name)!);
      else session.parameters.delete(name);
    }
    return statusResult(session);
  }
  return undefined;
}
