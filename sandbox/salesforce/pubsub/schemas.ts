// Avro schemas of the sandbox's Pub/Sub API events, derived from an object's describe (REST `sobjects/<X>/describe` field list) the
// way Salesforce shapes them: a change event is ChangeEventHeader followed by every field of the object except Id,
// IsDeleted and SystemModstamp, each a union ["null", T] defaulting to null (an update carries only what changed); a
// platform event is CreatedDate and CreatedById (set by Salesforce on publish) followed by its custom fields. Dates are
// epoch days (int, logicalType date) and datetimes epoch milliseconds (long), as Pub/Sub delivers them.
// The schema id is a fingerprint of the schema text, so it stays the same for the same schema and changes with it.
import { createHash } from 'node:crypto';

/** The part of a describe field this derivation reads. */
export interface DescribedField { name: string; type: string }
export interface DescribedObject { name: string; fields: readonly DescribedField[] }

export const AVRO_NAMESPACE = 'com.sforce.eventbus';

export const CHANGE_TYPES = [
  'CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW', 'SNAPSHOT',
] as const;

/** Fields of the object that a change event leaves out (the record id travels in ChangeEventHeader.recordIds). */
const NOT_IN_CHANGE_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

export const CHANGE_EVENT_HEADER_SCHEMA = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: AVRO_NAMESPACE,
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', namespace: AVRO_NAMESPACE, symbols: [...CHANGE_TYPES] } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

/** The Avro type and the `doc` label of a describe field type. */
function avroType(type: string): { avro: unknown; doc: string } {
  switch (type) {
    case 'boolean': return { avro: 'boolean', doc: 'Data:Checkbox' };
    case 'double': case 'percent': return { avro: 'double', doc: 'Data:Double' };
    case 'currency': return { avro: 'double', doc: 'Data:Currency' };
    case 'int': return { avro: 'int', doc: 'Data:Int' };
    case 'long': return { avro: 'long', doc: 'Data:Long' };
    case 'date': return { avro: { type: 'int', logicalType: 'date' }, doc: 'Data:Date' };
    case 'datetime': return { avro: 'long', doc: 'Data:DateTime' };
    case 'reference': case 'id': return { avro: 'string', doc: 'Data:EntityId' };
    case 'picklist': return { avro: 'string', doc: 'Data:Picklist' };
    case 'textarea': return { avro: 'string', doc: 'Data:Text:Long' };
    default: return { avro: 'string', doc: 'Data:Text' };
  }
}

const optional = (f: DescribedField) => {
  const { avro, doc } = avroType(f.type);
  return { name: f.name, type: ['null', avro], doc, default: null };
};

/** The Avro schema (parsed JSON) of `<Object>ChangeEvent`. */
export function changeEventSchema(object: DescribedObject): AvroRecordSchema {
  return {
    type: 'record',
    name: changeEventName(object.name),
    namespace: AVRO_NAMESPACE,
    fields: [
      { name: 'ChangeEventHeader', type: CHANGE_EVENT_HEADER_SCHEMA, doc: 'Data:EventHeader' },
      ...object.fields.filter((f) => !NOT_IN_CHANGE_EVENTS.has(f.name)).map(optional),
    ],
  };
}

/** The Avro schema (parsed JSON) of a platform event `<Name>__e` with the given custom fields. */
export function platformEventSchema(event: DescribedObject): AvroRecordSchema {
  const custom = event.fields.filter((f) => !['CreatedDate', 'CreatedById', 'ReplayId', 'EventUuid'].includes(f.name));
  return {
    type: 'record',
    name: event.name,
    namespace: AVRO_NAMESPACE,
    fields: [
      { name: 'CreatedDate', type: 'long', doc: 'CreatedDate:DateTime' },
      { name: 'CreatedById', type: 'string', doc: 'CreatedBy:EntityId' },
      ...custom.map(optional),
    ],
  };
}

export interface AvroRecordSchema { type: 'record'; name: string; namespace: string; fields: Array<{ name: string; type: any; doc?: string; default?: null }> }

/** `Account` → `AccountChangeEvent`, `Invoice__c` → `Invoice__ChangeEvent` (custom objects drop the c). */
export function changeEventName(objectName: string): string {
  return objectName.endsWith('__c') ? `${objectName.slice(0, -1)}ChangeEvent` : `${objectName}ChangeEvent`;
}

/** A stable id for a schema: the same text gives the same id (22 url-safe characters, like Salesforce's ids). */
export function schemaIdOf(schemaJson: string): string {
  return createHash('sha256').update(schemaJson).digest('base64url').slice(0, 22);
}

/** Epoch days of a 'YYYY-MM-DD' date and back: the Avro date logical type. */
export const dateToEpochDays = (date: string): number => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
export const epochDaysToDate = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);
