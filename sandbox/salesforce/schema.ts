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

function object(name: string, label: string, keyPrefix: string, fields: FieldDef[]): ObjectDef {
  return { name, label, keyPrefix, fields: [...SYSTEM_FIELDS, ...fields] };
}

export function defaultSchema(): ObjectDef[] {
  return [
    object('Account', 'Account', '001', [
      { name: 'Name', type: 'string', required: true },
      { name: 'AccountNumber', type: 'string' },
      { name: 'External_Id__c', type: 'string', externalId: true, unique: true, label: 'External Id' },
      { name: 'Type', type: 'picklist', picklistValues: ['Prospect', 'Customer', 'Partner', 'Other'] },
      { name: 'Industry', type: 'picklist', picklistValues: ['Banking', 'Retail', 'Technology', 'Energy', 'Other'] },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'Phone', type: 'phone' },
      { name: 'Website', type: 'url' },
      { name: 'Description', type: 'textarea' },
      { name: 'Active__c', type: 'boolean', label: 'Active' },
      { name: 'Last_Synced_At__c', type: 'datetime', label: 'Last Synced At' },
    ]),
    object('Contact', 'Contact', '003', [
      { name: 'LastName', type: 'string', required: true },
      { name: 'FirstName', type: 'string' },
      { name: 'Email', type: 'email' },
      { name: 'Phone', type: 'phone' },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
      { name: 'External_Id__c', type: 'string', externalId: true, unique: true, label: 'External Id' },
      { name: 'Birthdate', type: 'date' },
    ]),
    object('Opportunity', 'Opportunity', '006', [
      { name: 'Name', type: 'string', required: true },
      { name: 'StageName', type: 'picklist', required: true, picklistValues: ['Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost'] },
      { name: 'CloseDate', type: 'date', required: true },
      { name: 'Amount', type: 'currency' },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
      { name: 'Stripe_Payment_Id__c', type: 'string', externalId: true, unique: true, label: 'Stripe Payment Id' },
    ]),
    // A custom object for Stripe subscriptions synced from Stripe (examples/Stripe/Subscriptions to Salesforce).
    object('Stripe_Subscription__c', 'Stripe Subscription', 'a01', [
      { name: 'Name', type: 'string', required: true },
      { name: 'Stripe_Subscription_Id__c', type: 'string', externalId: true, unique: true, label: 'Stripe Subscription Id' },
      { name: 'Stripe_Customer_Id__c', type: 'string', label: 'Stripe Customer Id' },
      { name: 'Status__c', type: 'picklist', label: 'Status', picklistValues: ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'] },
      { name: 'MRR__c', type: 'currency', label: 'MRR' },
      { name: 'Next_Renewal__c', type: 'datetime', label: 'Next Renewal' },
      { name: 'Last_Payment_Failure__c', type: 'textarea', label: 'Last Payment Failure' },
    ]),
    object('User', 'User', '005', [
      { name: 'Username', type: 'string', required: true },
      { name: 'Name', type: 'string' },
      { name: 'Email', type: 'email' },
      { name: 'IsActive', type: 'boolean' },
    ]),
  ];
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', email: 'xsd:string',
  phone: 'xsd:string', url: 'xsd:string', picklist: 'xsd:string', boolean: 'xsd:boolean', double: 'xsd:double',
  currency: 'xsd:double', int: 'xsd:int', date: 'xsd:date', datetime: 'xsd:dateTime',
};

export function describeField(f: FieldDef): Record<string, unknown> {
  const creatable = !f.system;
  return {
    name: f.name,
    label: f.label ?? f.name.replace(/__c$/, '').replace(/_/g, ' '),
    type: f.type,
    soapType: SOAP_TYPES[f.type],
    length: ['string', 'email', 'phone', 'url', 'picklist'].includes(f.type) ? 255 : f.type === 'textarea' ? 32000 : 0,
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
