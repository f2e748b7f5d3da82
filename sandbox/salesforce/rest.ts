// REST resources: versions, describe, sObject CRUD, upsert by external id, query / queryAll paging, SOSL, limits.
import { SfError, notFound } from './errors';
import { SfRecord, dmlNotices } from './org';
import { describeGlobalEntry, describeObject } from './schema';
import { runSoql } from './soql-eval';
import { SandboxState } from './state';
import { Ctx, Reply, Route, noContent, ok, route } from './types';

export function recordView(state: SandboxState, type: string, rec: SfRecord, version: string, fields?: string[]): SfRecord {
  const def = state.org.object(type);
  const out: SfRecord = { attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${String(rec.Id)}` } };
  const wanted = fields?.length ? fields.map((f) => state.org.field(def, f)?.name ?? f) : def.fields.map((f) => f.name);
  for (const name of wanted) {
    if (!state.org.field(def, name)) throw new SfError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'`);
    out[name] = rec[name] ?? null;
  }
  return out;
}

const fieldsParam = (ctx: Ctx): string[] | undefined => ctx.query.get('fields')?.split(',').map((s) => s.trim()).filter(Boolean);

function bodyObject(ctx: Ctx): SfRecord {
  if (!ctx.body || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return ctx.body as SfRecord;
}

function queryPage(state: SandboxState, ctx: Ctx, rows: SfRecord[], totalSize: number, cursor: string | undefined, offset: number): Reply {
  const match = /batchSize=(\d+)/i.exec(String(ctx.headers['sforce-query-options'] ?? ''));
  const size = match ? Math.min(Math.max(Number(match[1]), 200), 2000) : state.config.queryBatchSize;
  const page = rows.slice(offset, offset + size);
  const done = offset + size >= rows.length;
  if (done && cursor) state.cursors.delete(cursor);
  let nextRecordsUrl: string | undefined;
  if (!done) {
    const id = cursor ?? state.newCursor(rows);
    nextRecordsUrl = `/services/data/v${ctx.version}/query/${id}-${offset + size}`;
  }
  return ok({ totalSize, done, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records: page });
}

function runQuery(state: SandboxState, ctx: Ctx, includeDeleted: boolean): Reply {
  const soql = ctx.query.get('q');
  if (!soql) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  state.logQuery(ctx.composite ? 'composite' : 'rest', soql);
  const result = runSoql(state.org, soql, ctx.version, includeDeleted);
  return queryPage(state, ctx, result.records, result.totalSize, undefined, 0);
}

function queryMore(state: SandboxState, ctx: Ctx, locator: string): Reply {
  const m = /^(.+)-(\d+)$/.exec(locator);
  const rows = m ? state.cursors.get(m[1]) : undefined;
  if (!m || !rows) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return queryPage(state, ctx, rows, rows.length, m[1], Number(m[2]));
}

/** SOSL subset: FIND {term} [IN ALL FIELDS] [RETURNING Obj[(fields)], …] [LIMIT n]. */
function search(state: SandboxState, ctx: Ctx): Reply {
  const sosl = ctx.query.get('q') ?? '';
  const find = /^\s*FIND\s*\{((?:\\.|[^}\\])*)\}/i.exec(sosl);
  if (!find) throw new SfError(400, 'MALFORMED_SEARCH', 'No search term found. The search term must be enclosed in braces.');
  const term = find[1].replace(/\\(.)/g, '$1').trim();
  if (term.length < 2) throw new SfError(400, 'MALFORMED_SEARCH', 'search term must be longer than one character');
  const returning = /RETURNING\s+(.+?)(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(sosl.slice(find[0].length));
  const targets = returning
    ? [...returning[1].matchAll(/(\w+)\s*(?:\(([^)]*)\))?/g)].map((m) => ({ type: m[1], fields: m[2]?.split(',').map((s) => s.trim()) }))
    : [...state.org.objects.values()].map((d) => ({ type: d.name, fields: undefined as string[] | undefined }));
  const limit = returning?.[2] ? Number(returning[2]) : 2000;
  const re = new RegExp(term.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'), 'i');
  const searchRecords: SfRecord[] = [];
  for (const t of targets) {
    const def = state.org.objectForQuery(t.type);
    const textFields = def.fields.filter((f) => ['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(f.type));
    for (const rec of state.org.all(def.name)) {
      if (!textFields.some((f) => rec[f.name] !== null && re.test(String(rec[f.name])))) continue;
      searchRecords.push(recordView(state, def.name, rec, ctx.version, t.fields ?? ['Id']));
    }
  }
  return ok({ searchRecords: searchRecords.slice(0, limit) });
}

function limits(state: SandboxState): Reply {
  const max = state.config.apiDailyMax;
  return ok({
    DailyApiRequests: { Max: max, Remaining: Math.max(0, max - state.apiUsage) },
    DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
    DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
    DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
    DailyStreamingApiEvents: { Max: 10000, Remaining: 10000 },
  });
}

function upsertReply(id: string, created: boolean): Reply {
  return ok({ id, success: true, errors: [], created }, created ? 201 : 200);
}

export function restRoutes(state: SandboxState): Route[] {
  const org = state.org;
  const resources = (ctx: Ctx): Reply => {
    const base = `/services/data/v${ctx.version}`;
    return ok(Object.fromEntries(['sobjects', 'query', 'queryAll', 'search', 'limits', 'composite', 'jobs'].map((r) => [r, `${base}/${r}`])));
  };
  return [
    route('GET', '', 'resources', resources),
    route('GET', '/limits', 'limits', () => limits(state)),
    route('GET', '/sobjects', 'describeGlobal', (ctx) => ok({
      encoding: 'UTF-8', maxBatchSize: 200, sobjects: [...org.objects.values()].map((d) => describeGlobalEntry(d, ctx.version)),
    })),
    route('GET', '/sobjects/:type', 'sobject.basicInfo', (ctx, [t]) => ok({ objectDescribe: describeGlobalEntry(org.object(t), ctx.version), recentItems: [] })),
    route('GET', '/sobjects/:type/describe', 'sobject.describe', (ctx, [t]) => ok(describeObject(org.object(t), ctx.version))),
    route('POST', '/sobjects/:type', 'sobject.create', (ctx, [t]) => {
      const result = org.create(t, bodyObject(ctx), ctx.userId);
      return ok({ id: result.id, success: true, errors: dmlNotices(result) }, 201);
    }),
    route('GET', '/sobjects/:type/:id', 'sobject.retrieve', (ctx, [t, id]) => ok(recordView(state, t, org.get(t, id), ctx.version, fieldsParam(ctx)))),
    route('PATCH', '/sobjects/:type/:id', 'sobject.update', (ctx, [t, id]) => { org.update(t, id, bodyObject(ctx), ctx.userId); return noContent(); }),
    route('DELETE', '/sobjects/:type/:id', 'sobject.delete', (ctx, [t, id]) => { org.delete(t, id, ctx.userId); return noContent(); }),
    route('GET', '/sobjects/:type/:field/:value', 'sobject.retrieveByExternalId', (ctx, [t, f, v]) => {
      const def = org.object(t);
      const field = org.field(def, f);
      if (!field?.externalId) throw notFound(`Provided external ID field does not exist or is not accessible: ${f}`);
      const matches = org.findByExternalId(def, field, decodeURIComponent(v));
      if (matches.length > 1) return { status: 300, body: matches.map((m) => `/services/data/v${ctx.version}/sobjects/${def.name}/${String(m.Id)}`) };
      if (!matches.length) throw notFound();
      return ok(recordView(state, t, matches[0], ctx.version, fieldsParam(ctx)));
    }),
    route('PATCH', '/sobjects/:type/:field/:value', 'sobject.upsert', (ctx, [t, f, v]) => {
      const { id, created } = org.upsert(t, f, decodeURIComponent(v), bodyObject(ctx), ctx.userId);
      return upsertReply(id, created);
    }),
    route('POST', '/sobjects/:type/:field', 'sobject.upsertNoValue', (ctx, [t, f]) => {
      // Upsert on Id without a value (POST .../Id) creates.
      const { id, created } = org.upsert(t, f, undefined, bodyObject(ctx), ctx.userId);
      return upsertReply(id, created);
    }),
    route('DELETE', '/sobjects/:type/:field/:value', 'sobject.deleteByExternalId', (ctx, [t, f, v]) => {
      const def = org.object(t);
      const field = org.field(def, f);
      const matches = field?.externalId ? org.findByExternalId(def, field, decodeURIComponent(v)) : [];
      if (matches.length !== 1) throw notFound();
      org.delete(def.name, String(matches[0].Id), ctx.userId);
      return noContent();
    }),
    route('GET', '/query', 'query', (ctx) => runQuery(state, ctx, false)),
    route('GET', '/queryAll', 'queryAll', (ctx) => runQuery(state, ctx, true)),
    route('GET', '/query/:locator', 'queryMore', (ctx, [loc]) => queryMore(state, ctx, loc)),
    route('GET', '/queryAll/:locator', 'queryMore', (ctx, [loc]) => queryMore(state, ctx, loc)),
    route('GET', '/search', 'search', (ctx) => search(state, ctx)),
  ];
}
