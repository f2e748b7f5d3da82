// Snowflake names are case-sensitive once quoted: "id" and ID (= id unquoted) are two names, and `select id` does not
// find a column created as "id" (https://docs.snowflake.com/en/sql-reference/identifiers-syntax). DuckDB compares names
// case-insensitively, so each lower-case letter of a name is stored in DuckDB behind a marker: "id" and ID stay apart
// there and resolve as they do in Snowflake. Names leave the sandbox (result columns, SHOW, errors) without the marker.
const MARK = '\uE000';

/** A Snowflake name (as resolved: unquoted upper-cased, quoted as written) → the name DuckDB keeps. */
export function toDuckName(name: string): string {
  return name.replace(/[a-z]/g, (c) => MARK + c);
}

/** A name (or any text naming names, such as an error message) from DuckDB → as Snowflake shows it. */
export function fromDuckName(text: string): string {
  return text.split(MARK).join('');
}

/** A Snowflake name as a quoted DuckDB identifier. */
export function quoteDuckName(name: string): string {
  return `"${toDuckName(name).replace(/"/g, '""')}"`;
}
