// The ChangeEventHeader bitmap fields of change events received over the Pub/Sub API (changedFields, nulledFields,
// diffFields) turned into field names, as Salesforce's "Event Deserialization Considerations" describes: the first
// element, "0x…", is a bitmap over the event schema's top-level fields; each further element, "<pos>-0x…", is a
// bitmap over the fields of the compound field at position <pos> (an Address, a Name). Bit n (counted from the
// least significant bit of the hexadecimal number) stands for the field at position n.

/** What decoding needs of an Avro type: avsc's types have this shape (record: fields; union: types). */
export interface AvroTypeLike {
  typeName?: string;
  fields?: ReadonlyArray<{ name: string; type: AvroTypeLike }>;
  types?: ReadonlyArray<AvroTypeLike>;
}

/** Positions of the bits set in a hexadecimal bitmap ("0x650004E0" or "650004E0"), lowest first. */
export function bitPositions(hex: string): number[] {
  const digits = hex.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(digits)) throw new Error(`"${hex}" is not a hexadecimal bitmap`);
  const positions: number[] = [];
  // From the last digit (bits 0-3) to the first.
  for (let d = 0; d < digits.length; d++) {
    const nibble = parseInt(digits[digits.length - 1 - d], 16);
    for (let b = 0; b < 4; b++) if (nibble & (1 << b)) positions.push(d * 4 + b);
  }
  return positions;
}

/** A record type itself, or the record inside an optional field's union (["null", {record}]). */
function recordOf(type: AvroTypeLike | undefined): AvroTypeLike | undefined {
  if (!type) return undefined;
  if (type.fields) return type;
  return type.types?.find((t) => !!t.fields);
}

function namesAt(record: AvroTypeLike, hex: string, what: string): string[] {
  const fields = record.fields ?? [];
  return bitPositions(hex).map((pos) => {
    const field = fields[pos];
    if (!field) throw new Error(`${what} bitmap ${hex} names field position ${pos}, but the schema has ${fields.length} fields`);
    return field.name;
  });
}

/**
 * The field names a bitmap field stands for: top-level names, then `Parent.Child` for fields of compound fields.
 * Anything already a field name (a CometD-style list) is kept as it is.
 */
export function bitmapFieldNames(schema: AvroTypeLike, bitmaps: ReadonlyArray<string> | null | undefined): string[] {
  if (!bitmaps?.length) return [];
  const names: string[] = [];
  const fields = schema.fields ?? [];
  for (const entry of bitmaps) {
    if (/^0x[0-9a-f]*$/i.test(entry)) {
      names.push(...namesAt(schema, entry, 'top-level'));
      continue;
    }
    const nested = /^(\d+)-(?:0x)?([0-9a-f]+)$/i.exec(entry);
    if (!nested) {
      names.push(entry);
      continue;
    }
    const parent = fields[Number(nested[1])];
    const record = recordOf(parent?.type);
    if (!parent || !record) throw new Error(`bitmap ${entry} names position ${nested[1]}, which is not a compound field of the schema`);
    names.push(...namesAt(record, nested[2], parent.name).map((child) => `${parent.name}.${child}`));
  }
  return [...new Set(names)];
}

/** The three bitmap fields of a decoded ChangeEventHeader, replaced by field names (a new header object). */
export function decodeChangeEventHeader<H extends Record<string, unknown>>(schema: AvroTypeLike, header: H): H {
  const out: Record<string, unknown> = { ...header };
  for (const key of ['changedFields', 'nulledFields', 'diffFields']) {
    const value = header[key];
    if (Array.isArray(value)) out[key] = bitmapFieldNames(schema, value as string[]);
  }
  return out as H;
}
