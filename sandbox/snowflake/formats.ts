// Snowflake date / time format models ('YYYY-MM-DD HH24:MI:SS') → DuckDB strptime / strftime patterns.
// Source: https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions
// (elements are matched case-insensitively; text in double quotes and separators are literal).
import { sqlError } from './errors';

/** Elements, longest first so 'MMMM' wins over 'MM' and 'HH24' over 'HH'. [element, parse pattern, format pattern] */
const ELEMENTS: [string, string, string][] = [
  ['TZH:TZM', '%z', '%z'], ['TZHTZM', '%z', '%z'],
  ['HH24', '%H', '%H'], ['HH12', '%I', '%I'],
  ['YYYY', '%Y', '%Y'], ['MMMM', '%B', '%B'],
  ['FF0', '%f', '%S'], ['FF1', '%f', '%g'], ['FF2', '%f', '%g'], ['FF3', '%f', '%g'], ['FF4', '%f', '%f'], ['FF5', '%f', '%f'],
  ['FF6', '%f', '%f'], ['FF7', '%n', '%n'], ['FF8', '%n', '%n'], ['FF9', '%n', '%n'],
  ['MON', '%b', '%b'], ['DDD', '%j', '%j'], ['TZH', '%z', '%z'],
  ['FF', '%n', '%n'], ['YY', '%y', '%y'], ['MM', '%m', '%m'], ['DD', '%d', '%d'], ['DY', '%a', '%a'],
  // HH alone is read as the 24-hour clock, the way 'YYYY-MM-DD HH:MI:SS' is meant in practice.
  ['HH', '%H', '%H'], ['MI', '%M', '%M'], ['SS', '%S', '%S'], ['AM', '%p', '%p'], ['PM', '%p', '%p'],
];

const LITERAL = /[-/:.,;_ T]/;

export interface FormatPattern {
  /** strptime pattern (parsing a string with this model). */
  parse: string;
  /** strftime pattern (printing a value with this model). */
  print: string;
  /** The model carries a time-zone offset. */
  hasZone: boolean;
}

/** Converts a Snowflake format model; anything it does not know is a compilation error, as in Snowflake. */
export function convertFormat(model: string): FormatPattern {
  let parse = '';
  let print = '';
  let hasZone = false;
  let i = 0;
  const upper = model.toUpperCase();
  while (i < model.length) {
    if (model[i] === '"') {
      const close = model.indexOf('"', i + 1);
      const text = (close < 0 ? model.slice(i + 1) : model.slice(i + 1, close)).replace(/%/g, '%%');
      parse += text;
      print += text;
      i = close < 0 ? model.length : close + 1;
      continue;
    }
    const element = ELEMENTS.find(([name]) => upper.startsWith(name, i));
    if (element) {
      parse += element[1];
      print += element[2];
      if (element[1] === '%z') hasZone = true;
      i += element[0].length;
      continue;
    }
    if (LITERAL.test(model[i])) {
      parse += model[i];
      print += model[i];
      i++;
      continue;
    }
    throw sqlError('001003', '42000', `SQL compilation error:\nInvalid date/time format string '${model}': element at '${model.slice(i)}' is not supported by the Snowflake sandbox (see docs/snowflake.md).`);
  }
  return { parse, print, hasZone };
}

/**
 * Formats AUTO detection tries beyond ISO 8601 (which DuckDB's own cast reads).
 * Source: https://docs.snowflake.com/en/sql-reference/date-time-input-output#supported-formats-for-auto-detection
 */
export const AUTO_DATE_PATTERNS = ['%d-%b-%Y', '%m/%d/%Y'];
export const AUTO_TIMESTAMP_PATTERNS = [
  '%d-%b-%Y', '%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%a, %d %b %Y %H:%M:%S %z', '%a %b %d %H:%M:%S %z %Y',
  '%d-%b-%Y %H:%M:%S', '%d-%b-%Y %I.%M.%S.%f %p',
];
