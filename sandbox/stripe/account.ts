// The state of one Stripe account (one API key): objects by collection, events, list pagination and search.

import { randomBytes } from 'crypto';
import { invalidRequest, missingReference, notFound } from './errors';
import { optionalInt, optionalString, Params } from './params';
import type { BillingSettings } from './renewals';

export type StripeObject = Record<string, any> & { id: string; object: string };

export interface Clock { nowMs(): number }

/** The request an event came from; `requestId` null for what Stripe does on its own (renewals, retries, test clocks). */
export interface RequestInfo {
  requestId: string | null;
  idempotencyKey?: string;
  /** The request's API version (its Stripe-Version header, else the sandbox's pinned one). */
  apiVersion?: string;
}

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

  /** The account's own id (`acct_…`) and creation time, for GET /v1/account. */
  readonly id = newId('acct', 16);
  readonly createdAt: number;
  /** Connect: accounts this (platform) account created, reached with the `Stripe-Account` header. */
  readonly connected = new Map<string, Account>();
  /** Retry schedule and end state of failed renewals (Stripe's account-wide revenue recovery settings). */
  billing?: BillingSettings;
  /** For a connected account: what POST /v1/accounts set (type, country, email, metadata, …). */
  profile: Record<string, any> = {};

  constructor(readonly livemode: boolean, readonly clock: Clock, private readonly onEvent: EventListener, readonly platform?: Account) {
    this.createdAt = this.now();
  }

  /** A connected account of this platform: its own object space, its events delivered to Connect endpoints. */
  createConnected(profile: Record<string, any>): Account {
    const account = new Account(this.livemode, this.clock, this.onEvent, this);
    account.profile = profile;
    this.connected.set(account.id, account);
    return account;
  }

  /** Set while a request or a test clock acts on objects that follow a test clock's time. */
  private frozenNow?: number;

  now(): number {
    return this.frozenNow ?? Math.floor(this.clock.nowMs() / 1000);
  }

  /** Runs `fn` with now() = `seconds` (objects attached to a test clock live at the clock's time); undefined: real time. */
  atTime<T>(seconds: number | undefined, fn: () => T): T {
    if (seconds === undefined) return fn();
    const outer = this.frozenNow;
    this.frozenNow = seconds;
    try {
      return fn();
    } finally {
      this.frozenNow = outer;
    }
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

  /**
   * A live object a request parameter names (`customer`, `items[0][price]`, …). Missing, it is the request that is
   * wrong: 400 `resource_missing` naming the parameter; the 404 of getLive is for the object in the URL path.
   */
  getReferenced(name: string, id: string, kind: string, param: string): StripeObject {
    const found = this.collection(name).get(id);
    if (!found) throw missingReference(kind, id, param);
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
    // Events of a connected account name it, so a platform's Connect endpoint knows whose they are.
    if (this.platform) event.account = this.id;
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
  for (const key of Object.keys(created)) {
    if (!['gt', 'gte', 'lt', 'lte'].includes(key)) throw invalidRequest(`Received unknown parameter: created[${key}]`, 'parameter_unknown', `created[${key}]`);
  }
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
  if (after && before) {
    // Stripe looks both cursors up first: an unknown one is a 404 even when both are given.
    for (const [cursor, param] of [[after, 'starting_after'], [before, 'ending_before']]) {
      if (!items.some((object) => object.id === cursor)) throw notFound(kind, cursor, param);
    }
    throw invalidRequest('Received both starting_after and ending_before parameters. Please pass in only one.');
  }
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
