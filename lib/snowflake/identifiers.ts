/**
 * Snowflake identifier handling. Unquoted names are upper-cased by Snowflake (`id` → `ID`); quoted names keep
 * their case exactly. FlowGuard never splices user text into SQL without passing it through here.
 */

export type IdentifierCase = 'upper' | 'exact';

const SIMPLE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A column name from a payload key.
 * - `upper` (default): a simple name is written unquoted, so Snowflake resolves it upper-case like hand-written SQL;
 *   anything else (spaces, dashes, …) is quoted exactly.
 * - `exact`: always quoted, so `id` only matches a column created as `"id"`.
 */
export function columnIdentifier(name: string, mode: IdentifierCase = 'upper'): string {
  if (!name) throw new Error('Empty column name');
  if (mode === 'upper' && SIMPLE.test(name)) return name.toUpperCase();
  return quote(name);
}

/** The name Snowflake stores for a column written with columnIdentifier (for matching result keys). */
export function resolvedName(name: string, mode: IdentifierCase = 'upper'): string {
  return mode === 'upper' && SIMPLE.test(name) ? name.toUpperCase() : name;
}

/**
 * A table name as configured: `TABLE`, `SCHEMA.TABLE` or `DB.SCHEMA.TABLE`, each part a simple identifier or a
 * double-quoted one. Anything else is refused, so a table name from msg cannot carry SQL.
 */
export function tableIdentifier(name: string): string {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\s*(\.|$)/y;
  let index = 0;
  const text = name.trim();
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new Error(`Invalid table name: ${JSON.stringify(name)}`);
    parts.push(match[1] !== undefined ? `"${match[1]}"` : match[2].toUpperCase());
    index = pattern.lastIndex;
    if (match[3] === '' ) break;
  }
  if (parts.length === 0 || parts.length > 3 || index < text.length) throw new Error(`Invalid table name: ${JSON.stringify(name)}`);
  return parts.join('.');
}

/**
 * One object name as typed in a dialog (a database, a schema): a simple identifier, which Snowflake resolves
 * upper-case, or a double-quoted one, kept exactly. Anything else is refused.
 */
export function objectIdentifier(name: string): string {
  const text = name.trim();
  if (SIMPLE.test(text)) return text.toUpperCase();
  if (/^"(?:[^"]|"")+"$/.test(text)) return text;
  throw new Error(`Invalid name: ${JSON.stringify(name)}`);
}

/** A name exactly as Snowflake stores it (a SHOW listing's `name`), written so it resolves to itself. */
export function exactIdentifier(name: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : quote(name);
}
