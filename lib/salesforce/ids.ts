// Salesforce record Ids as the client sees them: 15 case-sensitive characters, or those 15 plus a 3-character
// case checksum. Both forms name the same record, so Ids are matched by their 15-character base.

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$/;

/** Whether text has the shape of an Id (SOQL refuses an Id filter on anything else: "invalid ID field"). */
export const isIdShaped = (text: string): boolean => ID_SHAPE.test(text);

/** The 15-character base of a 15- or 18-character Id; other text is returned unchanged. */
export function idKey(id: string): string {
  return ID_SHAPE.test(id) ? id.slice(0, 15) : id;
}
