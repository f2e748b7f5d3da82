// Object definitions of the sandbox org and the describe documents built from them.

export type FieldType =
  | 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'picklist'
  | 'boolean' | 'double' | 'currency' | 'int' | 'date' | 'datetime' | 'reference';

export interface FieldDef {
  name: string;
  type: FieldType;
  label?: string;
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  referenceTo?: string;
  /** System fields are set by the org, never by the caller. */
  system?: boolean;
  picklistValues?: string[];
  /** Maximum characters of a text field, when not the type's default (fieldLength). */
  length?: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: FieldDef[];
}

const SYSTEM_FIELDS: FieldDef[] = [
  { name: 'Id', type: 'id', system: true },
  { name: 'IsDeleted', type: 'boolean', system: true },
  { name: 'CreatedDate', type: 'datetime', system: true },
  { name: 'CreatedById', type: 'reference', referenceTo: 'User', system: true },
  { name: 'LastModifiedDate', type: 'datetime', system: true },
  { name: 'LastModifiedById', type: 'reference', referenceTo: 'User', system: true },
  { name: 'SystemModstamp', type: 'datetime', system: true },
];

/**
 * The characters a text field holds: the length given in the object reference ("Account Name: 255", "Last Name:
 * 80", a custom object's Name 80, Phone 40, Email 80), else 255 for text, email, URL and picklist, 32,768 for a
 * long text area (the custom field default). A longer value is refused with STRING_TOO_LONG.
 */
export function fieldLength(f: FieldDef): number {
  if (f.length) return f.length;
  if (f.type === 'phone') return 40;
  if (f.type === 'email') return 80;
  if (f.type === 'textarea') return 32768;
  return ['string', 'url', 'picklist'].includes(f.type) ? 255 : 0;
}

function object(name: string, label: string, keyPrefix: string, fields: FieldDef[]): ObjectDef {
  return { name, label, keyPrefix, fields: [...SYSTEM_FIELDS, ...fields] };
}

export function defaultSchema(): ObjectDef[] {
  return [
    object('Account', 'Account', '001', [
      { name: 'Name', type: 'string', required: true },
      { name: 'AccountNumber', type: 'string', length: 40 },
      { name: 'External_Id__c', type: 'string', externalId: true, unique: true, label: 'External Id' },
      { name: 'Type', type: 'picklist', picklistValues: ['Prospect', 'Customer', 'Partner', 'Other'] },
      { name: 'Industry', type: 'picklist', picklistValues: ['Banking', 'Retail', 'Technology', 'Energy', 'Other'] },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'Phone', type: 'phone' },
      { name: 'Website', type: 'url' },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'Active__c', type: 'boolean', label: 'Active' },
      { name: 'Last_Synced_At__c', type: 'datetime', label: 'Last Synced At' },
    ]),
    object('Contact', 'Contact', '003', [
      { name: 'LastName', type: 'string', required: true, length: 80 },
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'Email', type: 'email' },
      { name: 'Phone', type: 'phone' },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
      { name: 'External_Id__c', type: 'string', externalId: true, unique: true, label: 'External Id' },
      { name: 'Birthdate', type: 'date' },
    ]),
    object('Opportunity', 'Opportunity', '006', [
      { name: 'Name', type: 'string', required: true, length: 120 },
      { name: 'StageName', type: 'picklist', required: true, picklistValues: ['Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost'] },
      { name: 'CloseDate', type: 'date', required: true },
      { name: 'Amount', type: 'currency' },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
      { name: 'Stripe_Payment_Id__c', type: 'string', externalId: true, unique: true, label: 'Stripe Payment Id' },
    ]),
    // A custom object for Stripe subscriptions synced from Stripe (examples/Stripe/Subscriptions to Salesforce).
    object('Stripe_Subscription__c', 'Stripe Subscription', 'a01', [
      { name: 'Name', type: 'string', required: true, label: 'Stripe Subscription Name', length: 80 },
      { name: 'Stripe_Subscription_Id__c', type: 'string', externalId: true, unique: true, label: 'Stripe Subscription Id' },
      { name: 'Stripe_Customer_Id__c', type: 'string', label: 'Stripe Customer Id' },
      { name: 'Status__c', type: 'picklist', label: 'Status', picklistValues: ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'] },
      { name: 'MRR__c', type: 'currency', label: 'MRR' },
      { name: 'Next_Renewal__c', type: 'datetime', label: 'Next Renewal' },
      { name: 'Last_Payment_Failure__c', type: 'textarea', label: 'Last Payment Failure' },
    ]),
    object('User', 'User', '005', [
      { name: 'Username', type: 'string', required: true, length: 80 },
      { name: 'Name', type: 'string', length: 121 },
      { name: 'Email', type: 'email', length: 128 },
      { name: 'IsActive', type: 'boolean' },
    ]),
  ];
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', email: 'xsd:string',
  phone: 'xsd:string', url: 'xsd:string', picklist: 'xsd:string', boolean: 'xsd:boolean', double: 'xsd:double',
  currency: 'xsd:double', int: 'xsd:int', date: 'xsd:date', datetime: 'xsd:dateTime',
};

export const fieldLabel = (f: FieldDef): string => f.label ?? f.name.replace(/__c$/, '').replace(/_/g, ' ');

export function describeField(f: FieldDef): Record<string, unknown> {
  const creatable = !f.system;
  return {
    name: f.name,
    label: fieldLabel(f),
    type: f.type,
    soapType: SOAP_TYPES[f.type],
    length: fieldLength(f),
    nillable: !f.required && f.type !== 'boolean' && f.type !== 'id',
    defaultedOnCreate: f.system === true || f.type === 'boolean',
    createable: creatable,
    updateable: creatable,
    externalId: f.externalId === true,
    idLookup: f.type === 'id' || f.externalId === true,
    unique: f.unique === true,
    custom: f.name.endsWith('__c'),
    referenceTo: f.referenceTo ? [f.referenceTo] : [],
    relationshipName: f.type === 'reference' && f.name.endsWith('Id') ? f.name.slice(0, -2) : null,
    picklistValues: (f.picklistValues ?? []).map((value) => ({ value, label: value, active: true, defaultValue: false })),
  };
}

export function describeObject(def: ObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return {
    name: def.name,
    label: def.label,
    labelPlural: `${def.label}s`,
    keyPrefix: def.keyPrefix,
    custom: def.name.endsWith('__c'),
    createable: true, updateable: true, deletable: true, queryable: true, searchable: true, retrieveable: true,
    fields: def.fields.map(describeField),
    childRelationships: [],
    recordTypeInfos: [],
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

export function describeGlobalEntry(def: ObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return {
    name: def.name, label: def.label, labelPlural: `${def.label}s`, keyPrefix: def.keyPrefix,
    custom: def.name.endsWith('__c'), createable: true, updateable: true, deletable: true, queryable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}
