// sObject Collections (≤ 200 records, allOrNone) and the composite resource (≤ 25 subrequests, one API call).
import { SfError, entityIsDeleted } from './errors';
import { canonicalId } from './ids';
import { DmlResult, SfRecord, dmlNotices } from './org';
import { recordView } from './rest';
import { SandboxState } from './state';
import { Ctx, Reply, Route, ok, route } from './types';

const MAX_COLLECTION = 200;
const MAX_SUBREQUESTS = 25;

type Outcome = { ok: true; result: DmlResult } | { ok: false; error: SfError };

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function asSfError(err: unknown): SfError {
  return err instanceof SfError ? err : new SfError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred');
}

/** Thrown inside an allOrNone collection's transaction to roll it back. */
const ROLLBACK = Symbol('rollback');

/**
 * Runs one DML per record in one transaction (one request is one transaction: the same change to several records
 * is one merged change event); with allOrNone a single failure rolls every record back, without it the failed
 * records are left out and the rest commit.
 */
function runCollection(state: SandboxState, allOrNone: boolean, count: number, op: (i: number) => DmlResult, withCreated: boolean): Reply {
  if (count > MAX_COLLECTION) {
    throw new SfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
  }
  const outcomes: Outcome[] = [];
  try {
    // Without allOrNone nothing is rolled back: each failed record was refused before it changed anything.
    state.org.transaction(() => {
      for (let i = 0; i < count; i++) {
        try {
          outcomes.push({ ok: true, result: op(i) });
        } catch (err) {
          outcomes.push({ ok: false, error: asSfError(err) });
        }
      }
      if (allOrNone && outcomes.some((o) => !o.ok)) throw ROLLBACK;
    }, { partial: !allOrNone });
  } catch (err) {
    if (err !== ROLLBACK) throw err;
    return ok(outcomes.map((o) => ({ success: false, errors: o.ok ? [ROLLED_BACK] : [o.error.toCollection()] })));
  }
  return ok(outcomes.map((o) => (o.ok
    ? { id: o.result.id, success: true, errors: dmlNotices(o.result), ...(withCreated ? { created: o.result.created } : {}) }
    : { success: false, errors: [o.error.toCollection()] })));
}

function collectionBody(ctx: Ctx): { allOrNone: boolean; records: SfRecord[] } {
  const body = ctx.body as { allOrNone?: boolean; records?: SfRecord[] } | undefined;
  if (!body || !Array.isArray(body.records)) throw new SfError(400, 'JSON_PARSER_ERROR', 'records is required');
  return { allOrNone: body.allOrNone === true, records: body.records };
}

const typeOf = (rec: SfRecord): string => {
  const type = (rec.attributes as { type?: string } | undefined)?.type;
  if (!type) throw new SfError(400, 'INVALID_TYPE', 'No SObject Type defined in the attributes of the record');
  return type;
};

const idOf = (rec: SfRecord): string => {
  const key = Object.keys(rec).find((k) => k.toLowerCase() === 'id');
  if (!key || !rec[key]) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
  return String(rec[key]);
};

export function compositeRoutes(state: SandboxState, dispatch: (ctx: Ctx) => Promise<Reply>): Route[] {
  const org = state.org;
  return [
    route('POST', '/composite/sobjects', 'collections.create', (ctx) => {
      const { allOrNone, records } = collectionBody(ctx);
      return runCollection(state, allOrNone, records.length, (i) => org.create(typeOf(records[i]), records[i], ctx.userId), false);
    }),
    route('PATCH', '/composite/sobjects', 'collections.update', (ctx) => {
      const { allOrNone, records } = collectionBody(ctx);
      return runCollection(state, allOrNone, records.length, (i) => org.update(typeOf(records[i]), idOf(records[i]), records[i], ctx.userId), false);
    }),
    route('PATCH', '/composite/sobjects/:type/:field', 'collections.upsert', (ctx, [t, f]) => {
      const { allOrNone, records } = collectionBody(ctx);
      return runCollection(state, allOrNone, records.length, (i) => {
        const rec = { ...records[i] };
        const key = Object.keys(rec).find((k) => k.toLowerCase() === f.toLowerCase());
        const value = key ? rec[key] : undefined;
        if (key) delete rec[key];
        return org.upsert(t, f, value, rec, ctx.userId);
      }, true);
    }),
    route('DELETE', '/composite/sobjects', 'collections.delete', (ctx) => {
      const ids = (ctx.query.get('ids') ?? '').split(',').filter(Boolean);
      return runCollection(state, ctx.query.get('allOrNone') === 'true', ids.length, (i) => {
        const def = org.objectOfId(ids[i]);
        if (!def || !org.findAnyById(ids[i])) {
          if (!canonicalId(ids[i])) throw new SfError(400, 'MALFORMED_ID', `malformed id ${ids[i]}`, []);
          // Salesforce answers a delete of an Id that names no live record with ENTITY_IS_DELETED.
          throw entityIsDeleted();
        }
        return org.delete(def.name, ids[i], ctx.userId);
      }, false);
    }),
    route('POST', '/composite/sobjects/:type', 'collections.retrieve', (ctx, [t]) => {
      const body = ctx.body as { ids?: string[]; fields?: string[] } | undefined;
      const ids = body?.ids ?? [];
      if (ids.length > 2000) throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'cannot retrieve more than 2000 records');
      return ok(ids.map((id) => {
        try {
          return recordView(state, t, org.get(t, id), ctx.version, body?.fields);
        } catch (err) {
          if (['NOT_FOUND', 'ENTITY_IS_DELETED'].includes(asSfError(err).errorCode)) return null;
          throw err;
        }
      }));
    }),
    route('POST', '/composite', 'composite', (ctx) => composite(state, ctx, dispatch)),
  ];
}

interface SubRequest { method: string; url: string; referenceId: string; body?: unknown }

/** Replaces @{ref.path} with values from earlier subresponses. */
function resolveRefs(value: unknown, results: Map<string, unknown>): unknown {
  const lookup = (expr: string): unknown => {
    const [ref, ...path] = expr.split(/[.[\]]+/).filter(Boolean);
    let cur: unknown = results.get(ref);
    for (const p of path) cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[p];
    if (cur === undefined) throw new SfError(400, 'INVALID_REFERENCE', `Invalid reference specified: ${expr}`);
    return cur;
  };
  if (typeof value === 'string') return value.replace(/@\{([^}]+)\}/g, (_m, expr: string) => String(lookup(expr)));
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, results));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, results)]));
  return value;
}

async function composite(state: SandboxState, ctx: Ctx, dispatch: (ctx: Ctx) => Promise<Reply>): Promise<Reply> {
  const body = ctx.body as { allOrNone?: boolean; compositeRequest?: SubRequest[] } | undefined;
  const subs = body?.compositeRequest;
  if (!Array.isArray(subs) || !subs.length) throw new SfError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
  if (subs.length > MAX_SUBREQUESTS) throw new SfError(400, 'LIMIT_EXCEEDED', `Too many subrequests. Maximum is ${MAX_SUBREQUESTS}`);
  const snapshot = body?.allOrNone ? state.org.snapshot() : undefined;
  const results = new Map<string, unknown>();
  const responses: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> = [];
  for (const sub of subs) {
    let reply: Reply;
    try {
      const url = new URL(String(resolveRefs(sub.url, results)), 'http://composite');
      const m = /^\/services\/data\/v([\d.]+)(\/.*)?$/.exec(url.pathname);
      if (!m) throw new SfError(400, 'INVALID_URL', `Invalid url: ${sub.url}`);
      reply = await dispatch({ ...ctx, composite: true, method: sub.method.toUpperCase(), path: m[2] ?? '', version: m[1], query: url.searchParams, body: resolveRefs(sub.body, results), rawBody: '' });
    } catch (err) {
      const e = asSfError(err);
      reply = { status: e.status, body: e.toRest() };
    }
    results.set(sub.referenceId, reply.body);
    responses.push({ body: reply.body ?? null, httpHeaders: reply.headers ?? {}, httpStatusCode: reply.status, referenceId: sub.referenceId });
  }
  if (snapshot && responses.some((r) => r.httpStatusCode >= 400)) {
    state.org.restore(snapshot);
    for (const r of responses) {
      if (r.httpStatusCode < 400) {
        r.httpStatusCode = 400;
        r.body = [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }];
      }
    }
  }
  return ok({ compositeResponse: responses });
}
