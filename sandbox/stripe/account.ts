// The state of one Stripe account (one API key): objects by collection, events, list pagination and search.

import { randomBytes } from 'crypto';
import { invalidRequest, notFound } from './errors';
import { optionalInt, optionalString, Params } from './params';

export type StripeObject = Record<string, any> & { id: string; object: string };

export interface Clock { nowMs(): number }

export interface RequestInfo { requestId: string; idempotencyKey?: string }

export type EventListener = (account: Account, event: StripeObject) => void;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${text}`;
}

export class Account {
  private readonly collections = new Map<string, Map<string, StripeObject>>();
  /** Deleted objects that Stripe still returns with `deleted: true` (customers, products). */
  private readonly tombstones = new Map<string, StripeObject>();
  /** Webhook delivery state per event, behind the events list's `delivery_success` filter. */
  readonly delivery = new Map<string, { pending: number; failed: boolean }>();

  constructor(readonly livemode: boolean, readonly clock: Clock, private readonly onEvent: EventListener) {}

  now(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }

  collection(name: string): Map<string, StripeObject> {
    let items = this.collections.get(name);
    if (!items) this.collections.set(name, (items = new Map()));
    return items;
  }

  insert(name: string, object: StripeObject): StripeObject {
    this.collection(name).set(object.id, object);
    return object;
  }

  get(name: string, id: string, kind: string, param = 'id'): StripeObject {
    const found = this.collection(name).get(id) ?? this.tombstones.get(id);
    if (!found) throw notFound(kind, id, param);
    return found;
  }

  /** Like get, but a deleted object is missing too (for operations on live objects). */
  getLive(name: string, id: string, kind: string, param = 'id'): StripeObject {
    const found = this.collection(name).get(id);
    if (!found) throw notFound(kind, id, param);
    return found;
  }

  remove(name: string, id: string, kind: string): StripeObject {
    const object = this.getLive(name, id, kind);
    this.collection(name).delete(id);
    const stub = { id, object: object.object, deleted: true };
    this.tombstones.set(id, stub);
    return object;
  }

  /** Records an event for a state change and hands it to webhook delivery. */
  emit(type: string, object: StripeObject, request: RequestInfo, previousAttributes?: Record<string, unknown>): StripeObject {
    const data: Record<string, unknown> = { object: structuredClone(object) };
    if (previousAttributes && Object.keys(previousAttributes).length) data.previous_attributes = previousAttributes;
    const event: StripeObject = {
      id: newId('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: this.now(),
      data,
      livemode: this.livemode,
      pending_webhooks: 0,
      request: { id: request.requestId, idempotency_key: request.idempotencyKey ?? null },
      type,
    };
    this.insert('events', event);
    this.onEvent(this, event);
    return event;
  }

  /** Newest first, like Stripe; ties on `created` keep reverse insertion order. */
  newestFirst(name: string, filter: (object: StripeObject) => boolean = () => true): StripeObject[] {
    return [...this.collection(name).values()].filter(filter).reverse();
  }

  dump(): Record<string, StripeObject[]> {
    const state: Record<string, StripeObject[]> = {};
    for (const [name, items] of this.collections) state[name] = [...items.values()];
    return state;
  }
}

/** `created=123` or `created[gte]=…&created[lt]=…`. */
export function createdFilter(params: Params): (object: StripeObject) => boolean {
  const created = params.created;
  if (created === undefined) return () => true;
  if (typeof created === 'string') {
    const exact = optionalInt(params, 'created');
    return (object) => object.created === exact;
  }
  if (Array.isArray(created)) throw invalidRequest('Invalid created filter', 'parameter_invalid_hash', 'created');
  const bounds = Object.fromEntries(Object.keys(created).map((key) => [key, optionalInt(created, key)]));
  return (object) =>
    (bounds.gt === undefined || object.created > bounds.gt!) &&
    (bounds.gte === undefined || object.created >= bounds.gte!) &&
    (bounds.lt === undefined || object.created < bounds.lt!) &&
    (bounds.lte === undefined || object.created <= bounds.lte!);
}

const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'created', 'expand'];

/** Cursor pagination over a newest-first array: `limit` 1–100 (default 10), `starting_after` / `ending_before`. */
export function paginate(items: StripeObject[], params: Params, url: string, kind: string, allowed: readonly string[]): StripeObject {
  for (const name of Object.keys(params)) {
    if (!LIST_PARAMS.includes(name) && !allowed.includes(name)) throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
  }
  const limit = optionalInt(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'parameter_invalid_integer', 'limit');
  const filtered = items.filter(createdFilter(params));
  const after = optionalString(params, 'starting_after');
  const before = optionalString(params, 'ending_before');
  if (after && before) throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'parameter_invalid_string');
  let data: StripeObject[];
  let hasMore: boolean;
  if (after) {
    const index = filtered.findIndex((object) => object.id === after);
    if (index < 0) throw notFound(kind, after, 'starting_after');
    data = filtered.slice(index + 1, index + 1 + limit);
    hasMore = index + 1 + limit < filtered.length;
  } else if (before) {
    const index = filtered.findIndex((object) => object.id === before);
    if (index < 0) throw notFound(kind, before, 'ending_before');
    const start = Math.max(0, index - limit);
    data = filtered.slice(start, index);
    hasMore = start > 0;
  } else {
    data = filtered.slice(0, limit);
    hasMore = filtered.length > limit;
  }
  return { object: 'list', data, has_more: hasMore, url } as unknown as StripeObject;
}

type Clause = { negate: boolean; field: string; operator: string; value: string };

function parseQuery(query: string): { clauses: Clause[]; any: boolean } {
  const parts = query.trim().split(/\s+(AND|OR)\s+/);
  const joiners = parts.filter((_, index) => index % 2 === 1);
  if (new Set(joiners).size > 1) throw invalidRequest('Search queries cannot mix AND and OR.', 'parameter_invalid_string', 'query');
  const clauses = parts.filter((_, index) => index % 2 === 0).map((text) => {
    const match = /^(-)?([a-z_]+(?:\['[^']+'\])?)(:|~|>=|<=|>|<)(?:'([^']*)'|"([^"]*)"|(\S+))$/.exec(text.trim());
    if (!match) throw invalidRequest(`Invalid search query: ${query}`, 'parameter_invalid_string', 'query');
    return { negate: !!match[1], field: match[2], operator: match[3], value: match[4] ?? match[5] ?? match[6] };
  });
  return { clauses, any: joiners[0] === 'OR' };
}

function fieldValue(object: StripeObject, field: string): unknown {
  const metadata = /^metadata\['([^']+)'\]$/.exec(field);
  return metadata ? object.metadata?.[metadata[1]] : object[field];
}

function matches(object: StripeObject, clause: Clause): boolean {
  const actual = fieldValue(object, clause.field);
  let result: boolean;
  if (clause.operator === ':') result = actual !== undefined && actual !== null && String(actual).toLowerCase() === clause.value.toLowerCase();
  else if (clause.operator === '~') result = typeof actual === 'string' && actual.toLowerCase().includes(clause.value.toLowerCase());
  else {
    const left = Number(actual);
    const right = Number(clause.value);
    result = clause.operator === '>' ? left > right : clause.operator === '<' ? left < right : clause.operator === '>=' ? left >= right : left <= right;
  }
  return clause.negate ? !result : result;
}

/** Stripe's search: `query` in the search language subset (field:'v', metadata['k']:'v', ~, > <, AND / OR), `page` tokens. */
export function search(items: StripeObject[], params: Params, url: string): StripeObject {
  const query = optionalString(params, 'query');
  if (!query) throw invalidRequest('Missing required param: query.', 'parameter_missing', 'query');
  const limit = optionalInt(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'parameter_invalid_integer', 'limit');
  const page = optionalString(params, 'page');
  const offset = page ? Number(Buffer.from(page, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidRequest('Invalid page token', 'parameter_invalid_string', 'page');
  const { clauses, any } = parseQuery(query);
  const found = items.filter((object) => (any ? clauses.some((c) => matches(object, c)) : clauses.every((c) => matches(object, c))));
  const data = found.slice(offset, offset + limit);
  const hasMore = offset + limit < found.length;
  return {
    object: 'search_result', data, has_more: hasMore, url,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString('base64url') : null,
  } as unknown as StripeObject;
}
