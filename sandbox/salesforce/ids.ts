// Salesforce record Ids: a 15-character case-sensitive base (3-character key prefix naming the object, then the
// instance and a unique part) and the 18-character form that appends a case checksum so the Id survives
// case-insensitive tools. The API returns the 18-character form and accepts both.
// Checksum (Salesforce field types, "ID"): the base in three blocks of five characters; in each block, bit i
// is set when character i is an uppercase letter; the 5-bit number picks a character from A-Z0-5.
// The REST API's own example of a refused Id ("Status Codes and Error Responses", MALFORMED_ID:
// "Account ID: id value of incorrect type: 001900K0001pPuOAAU") is an 18-character Id whose suffix does not
// match its base, so the suffix is checked, not used to repair the letter case.

const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function idChecksum(base15: string): string {
  let out = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = base15[block * 5 + i];
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += CHECKSUM_CHARS[bits];
  }
  return out;
}

/** The 18-character Id of a 15-character base. */
export const id18 = (base15: string): string => base15 + idChecksum(base15);

/**
 * The 15-character base of a valid 15- or 18-character Id, or undefined when the text is not an Id.
 * A 15-character Id is taken as written (case matters); an 18-character one must carry its checksum.
 */
export function idBase(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  if (/^[a-zA-Z0-9]{15}$/.test(text)) return text;
  if (!/^[a-zA-Z0-9]{15}[a-zA-Z0-5]{3}$/.test(text)) return undefined;
  const base = text.slice(0, 15);
  return text.slice(15).toUpperCase() === idChecksum(base) ? base : undefined;
}

/** The canonical 18-character form of a valid Id (15 or 18 characters), or undefined. */
export function canonicalId(text: unknown): string | undefined {
  const base = idBase(text);
  return base === undefined ? undefined : id18(base);
}

/** Ids compare by their case-sensitive base, character code by character code (what ORDER BY Id and Id > x use). */
export function compareIds(a: string, b: string): number {
  const x = idBase(a) ?? a;
  const y = idBase(b) ?? b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A new Id: key prefix, instance '5g', a reserved '0', then nine base-62 characters of a counter. The digits
 * are ordered 0-9A-Za-z, so later records get larger Ids, and the counter is stepped so that upper- and
 * lowercase letters appear throughout (Ids that differ only in letter case are ordinary in a real org).
 */
export function newId(keyPrefix: string, counter: number): string {
  let n = counter * 1_000_003;
  let tail = '';
  for (let i = 0; i < 9; i++) {
    tail = BASE62[n % 62] + tail;
    n = Math.floor(n / 62);
  }
  return id18(`${keyPrefix}5g0${tail}`);
}
