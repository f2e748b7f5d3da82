// The bitmap encoding of ChangeEventHeader.changedFields / nulledFields / diffFields in events sent over the Pub/Sub
// API ("Event Deserialization Considerations"): the first element is '0x' + hex of a bit set where bit i stands for
// the field at position i of the event's Avro schema (ChangeEventHeader is position 0); the hex reads big-endian (the
// last byte holds bits 0-7), as Salesforce's EventParser.expandBitmap decodes it. Further elements 'parentPos-0x..'
// name the subfields of a compound field (a record-typed field such as a person name).
// A subscriber decodes with lib/salesforce/pubsub/bitmap.ts; the Pub/Sub test decodes with its own copy of
// Salesforce's algorithm.

export interface SchemaField { name: string; subfields?: string[] }

/** Top-level field names of an Avro record schema (parsed JSON), with the subfields of compound (record-typed) fields. */
export function schemaFieldList(schema: { fields: Array<{ name: string; type: unknown }> }): SchemaField[] {
  return schema.fields.map((f) => {
    const types = Array.isArray(f.type) ? f.type : [f.type];
    const record = types.find((t): t is { type: 'record'; fields: Array<{ name: string }> } => typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'record');
    return record && f.name !== 'ChangeEventHeader' ? { name: f.name, subfields: record.fields.map((s) => s.name) } : { name: f.name };
  });
}

/** Field names (top level, or 'Parent.Child' for a subfield of a compound field) → the bitmap strings. */
export function encodeFieldBitmap(schemaFields: readonly SchemaField[], names: readonly string[]): string[] {
  if (!names.length) return [];
  let top = 0n;
  const nested = new Map<number, bigint>();
  for (const name of names) {
    const [parent, child] = name.split('.', 2);
    const pos = schemaFields.findIndex((f) => f.name === parent);
    if (pos < 0) throw new Error(`field ${parent} is not in the event schema`);
    if (child === undefined) { top |= 1n << BigInt(pos); continue; }
    const sub = schemaFields[pos].subfields?.indexOf(child) ?? -1;
    if (sub < 0) throw new Error(`field ${name} is not in the event schema`);
    nested.set(pos, (nested.get(pos) ?? 0n) | (1n << BigInt(sub)));
  }
  const out = top ? [hex(top)] : [];
  for (const [pos, bits] of [...nested].sort((a, b) => a[0] - b[0])) out.push(`${pos}-${hex(bits)}`);
  return out;
}

function hex(bits: bigint): string {
  let s = bits.toString(16).toUpperCase();
  if (s.length % 2) s = `0${s}`;
  return `0x${s}`;
}
