// Stripe's search query language (https://docs.stripe.com/search#search-query-language) over one resource's objects:
// clauses `field:value` (exact match), `field~value` (substring, string fields only, at least 3 characters),
// `field>value` / `<` / `>=` / `<=` (numeric fields), a leading `-` negates a clause, `metadata['key']:'value'`;
// values in single or double quotes (numbers may stand bare); at most 10 clauses joined by AND or by OR, never both,
// no parentheses. Each resource answers only its documented query fields
// (https://docs.stripe.com/search#query-fields-for-charges and the following sections); any other field is a 400 with
// Stripe's message, as is a query that does not parse. Pages are opaque `page` tokens (`next_page`).

import type { StripeObject } from './account';
import { invalidRequest } from './errors';
import { expandPaths, optionalInt, optionalString, Params } from './params';

/** `token` fields match exactly; `string` fields also match substrings; `numeric` fields compare. */
type FieldKind = 'numeric' | 'string' | 'token';

const CARD_FIELDS = ['last4', 'exp_month', 'exp_year', 'brand', 'fingerprint'];

/** The query fields of each searchable resource, with where their value lives on this API version's objects. */
const QUERY_FIELDS: Record<string, Record<string, { kind: FieldKind; value?: (object: StripeObject) => unknown }>> = {
  charges: {
    amount: { kind: 'numeric' }, 'billing_details.address.postal_code': { kind: 'token' }, created: { kind: 'numeric' }, currency: { kind: 'token' },
    customer: { kind: 'token' }, disputed: { kind: 'token' }, metadata: { kind: 'token' }, refunded: { kind: 'token' }, status: { kind: 'token' },
    ...Object.fromEntries(CARD_FIELDS.map((name) => [`payment_method_details.card.${name}`, { kind: 'token' as const }])),
  },
  customers: { created: { kind: 'numeric' }, email: { kind: 'string' }, metadata: { kind: 'token' }, name: { kind: 'string' }, phone: { kind: 'string' } },
  invoices: {
    created: { kind: 'numeric' }, currency: { kind: 'token' }, customer: { kind: 'token' },
    last_finalization_error_code: { kind: 'token', value: (invoice) => invoice.last_finalization_error?.code },
    last_finalization_error_type: { kind: 'token', value: (invoice) => invoice.last_finalization_error?.type },
    metadata: { kind: 'token' }, number: { kind: 'string' }, receipt_number: { kind: 'string' }, status: { kind: 'string' },
    subscription: { kind: 'string', value: (invoice) => invoice.parent?.subscription_details?.subscription }, total: { kind: 'numeric' },
  },
  payment_intents: {
    amount: { kind: 'numeric' }, created: { kind: 'numeric' }, currency: { kind: 'token' }, customer: { kind: 'token' }, metadata: { kind: 'token' },
    status: { kind: 'token' },
  },
  prices: {
    active: { kind: 'token' }, currency: { kind: 'token' }, lookup_key: { kind: 'string' }, metadata: { kind: 'token' }, product: { kind: 'string' },
    type: { kind: 'token' },
  },
  products: {
    active: { kind: 'token' }, description: { kind: 'string' }, metadata: { kind: 'token' }, name: { kind: 'string' }, shippable: { kind: 'token' },
    url: { kind: 'string' },
  },
  subscriptions: { canceled_at: { kind: 'numeric' }, created: { kind: 'numeric' }, metadata: { kind: 'token' }, status: { kind: 'token' } },
};

const MAX_CLAUSES = 10;
const MIN_SUBSTRING = 3;

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';
interface Clause { negate: boolean; field: string; metadataKey?: string; operator: Operator; value: string; quoted: boolean }

function unparsable(): never {
  // Stripe's message for a query it cannot parse.
  throw invalidRequest('We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.', undefined, 'query');
}

/** Splits a query into clauses and the joiners between them, respecting quoted values. */
function tokenize(query: string): { clauses: string[]; joiners: string[] } {
  const clauses: string[] = [];
  const joiners: string[] = [];
  let current = '';
  let quote: string | null = null;
  const words = query.trim();
  for (let i = 0; i < words.length; i++) {
    const char = words[i];
    if (quote) {
      current += char;
      if (char === '\\' && i + 1 < words.length) current += words[++i];
      else if (char === quote) quote = null;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      current += char;
      continue;
    }
    const joiner = /^\s+(AND|OR)\s+/.exec(words.slice(i));
    if (joiner) {
      clauses.push(current);
      joiners.push(joiner[1]);
      current = '';
      i += joiner[0].length - 1;
      continue;
    }
    current += char;
  }
  if (quote) unparsable();
  clauses.push(current);
  return { clauses, joiners };
}

const CLAUSE = /^(-)?(metadata\[(?:'([^']*)'|"([^"]*)")\]|[a-z_]+(?:\.[a-z0-9_]+)*)(>=|<=|:|~|>|<)(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?[0-9]+(?:\.[0-9]+)?))$/;

function parseClause(text: string): Clause {
  const match = CLAUSE.exec(text.trim());
  if (!match) unparsable();
  const [, negate, field, singleKey, doubleKey, operator, single, double, bare] = match;
  const metadataKey = singleKey ?? doubleKey;
  const raw = single ?? double ?? bare;
  return {
    negate: !!negate, field: metadataKey !== undefined ? 'metadata' : field, metadataKey, operator: operator as Operator,
    value: raw.replace(/\\(.)/g, '$1'), quoted: bare === undefined,
  };
}

function checkClause(resource: string, clause: Clause): void {
  const spec = QUERY_FIELDS[resource]?.[clause.field];
  if (!spec || (clause.field === 'metadata' && clause.metadataKey === undefined)) {
    throw invalidRequest(`Field \`${clause.field}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, '-')} for a list of supported fields.`, undefined, 'query');
  }
  if (clause.operator === '~') {
    if (spec.kind !== 'string') throw invalidRequest(`Field \`${clause.field}\` does not support substring matching (\`~\`): only string fields do.`, undefined, 'query');
    if (clause.value.length < MIN_SUBSTRING) throw invalidRequest(`Substring matching (\`~\`) needs at least ${MIN_SUBSTRING} characters; got '${clause.value}'.`, undefined, 'query');
  } else if (clause.operator !== ':') {
    if (spec.kind !== 'numeric') throw invalidRequest(`Field \`${clause.field}\` does not support the comparison operator \`${clause.operator}\`: only numeric fields do.`, undefined, 'query');
  }
  if (spec.kind === 'numeric' && !/^-?[0-9]+(\.[0-9]+)?$/.test(clause.value)) unparsable();
  if (spec.kind !== 'numeric' && !clause.quoted) unparsable();
}

function fieldValue(resource: string, object: StripeObject, clause: Clause): unknown {
  if (clause.field === 'metadata') return object.metadata?.[clause.metadataKey!];
  const spec = QUERY_FIELDS[resource][clause.field];
  if (spec.value) return spec.value(object);
  return clause.field.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), object);
}

function matches(resource: string, object: StripeObject, clause: Clause): boolean {
  const actual = fieldValue(resource, object, clause);
  let result: boolean;
  if (clause.operator === ':') result = actual !== undefined && actual !== null && String(actual).toLowerCase() === clause.value.toLowerCase();
  else if (clause.operator === '~') result = typeof actual === 'string' && actual.toLowerCase().includes(clause.value.toLowerCase());
  else {
    const left = Number(actual);
    const right = Number(clause.value);
    result = actual !== null && actual !== undefined && (clause.operator === '>' ? left > right : clause.operator === '<' ? left < right : clause.operator === '>=' ? left >= right : left <= right);
  }
  return clause.negate ? !result : result;
}

/** Parses and checks `query` for `resource` (a 400 for what Stripe refuses), then filters and pages `items`. */
export function search(resource: string, items: StripeObject[], params: Params, url: string): StripeObject {
  for (const name of Object.keys(params)) {
    if (!['query', 'limit', 'page', 'expand'].includes(name)) throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
  }
  const query = optionalString(params, 'query');
  if (!query) throw invalidRequest('Missing required param: query.', 'parameter_missing', 'query');
  const limit = optionalInt(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'parameter_invalid_integer', 'limit');
  const page = optionalString(params, 'page');
  const offset = page ? Number(Buffer.from(page, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidRequest('Invalid page token', 'parameter_invalid_string', 'page');
  const { clauses: texts, joiners } = tokenize(query);
  if (new Set(joiners).size > 1) throw invalidRequest('Search queries cannot mix AND and OR: use one of them between all clauses.', undefined, 'query');
  if (texts.length > MAX_CLAUSES) throw invalidRequest(`Search queries can have at most ${MAX_CLAUSES} clauses; this one has ${texts.length}.`, undefined, 'query');
  const clauses = texts.map(parseClause);
  for (const clause of clauses) checkClause(resource, clause);
  const any = joiners[0] === 'OR';
  const found = items.filter((object) => (any ? clauses.some((c) => matches(resource, object, c)) : clauses.every((c) => matches(resource, object, c))));
  const data = found.slice(offset, offset + limit);
  const hasMore = offset + limit < found.length;
  return {
    object: 'search_result', data, has_more: hasMore, url,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString('base64url') : null,
    // "The total number of objects that match the query, only accurate up to 10,000", included when expanded.
    ...(expandPaths(params.expand).includes('total_count') ? { total_count: Math.min(found.length, 10_000) } : {}),
  } as unknown as StripeObject;
}
