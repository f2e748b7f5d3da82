// Control API under /_sandbox: reset, seed data, DML as a given user (merged, gap and overflow change events too),
// fault injection, configuration, counters, query log, dump.
import { BulkJobs } from './bulk';
import { SfError } from './errors';
import { SandboxState } from './state';
import { Reply, ok } from './types';

type Body = Record<string, any>;

function userId(state: SandboxState, username: unknown): string {
  const user = state.auth.users.find((u) => u.username === (username ?? 'integration@flowguard.test'));
  if (!user) throw new SfError(400, 'INVALID_USER', `unknown user ${String(username)}`);
  return user.userId;
}

export function control(state: SandboxState, bulk: BulkJobs, method: string, path: string, body: Body): Reply {
  const key = `${method} ${path.replace(/\/$/, '')}`;
  switch (key) {
    case 'POST /_sandbox/reset':
      state.reset();
      bulk.reset();
      return ok({ reset: true });
    case 'POST /_sandbox/seed': {
      // { records: { Account: [{...}] }, asUser?: username } → { ids: { Account: [...] } }
      const uid = userId(state, body.asUser);
      const ids: Record<string, string[]> = {};
      for (const [type, rows] of Object.entries((body.records ?? {}) as Record<string, Body[]>)) {
        ids[type] = rows.map((r) => state.org.create(type, r, uid).id);
      }
      return ok({ ids });
    }
    case 'POST /_sandbox/dml': {
      // { op: create|update|upsert|delete, type, record, id? | ids?, externalIdField?, asUser?, gap? }
      // ids: the same change to several records in one transaction (one merged change event names them all);
      // gap: applied at the database layer, outside an application-server transaction (a gap event, no fields).
      const uid = userId(state, body.asUser);
      const { op, type, record = {}, id, ids, externalIdField } = body;
      const one = (target: unknown) => {
        if (op === 'create') return state.org.create(type, record, uid);
        if (op === 'update') return state.org.update(type, String(target), record, uid);
        if (op === 'upsert') return state.org.upsert(type, externalIdField, record[externalIdField], record, uid);
        if (op === 'delete') return state.org.delete(type, String(target), uid);
        throw new SfError(400, 'INVALID_OPERATION', `unknown op ${String(op)}`);
      };
      if (ids !== undefined && (!Array.isArray(ids) || !ids.length || !['update', 'delete'].includes(op))) {
        throw new SfError(400, 'INVALID_OPERATION', 'ids: a non-empty list, with op update or delete');
      }
      return ok(state.org.transaction(() => (Array.isArray(ids) ? ids.map(one) : one(id)), { database: body.gap === true }));
    }
    case 'GET /_sandbox/faults':
      return ok(state.faults);
    case 'POST /_sandbox/faults':
      state.faults.push(...(Array.isArray(body) ? body : [body]) as never[]);
      return ok(state.faults);
    case 'DELETE /_sandbox/faults':
      state.faults = [];
      return ok([]);
    case 'POST /_sandbox/config':
      Object.assign(state.config, pick(body, ['queryBatchSize', 'apiDailyMax', 'bulkProcessingDelayMs', 'bulkQueryPageSize']));
      if (typeof body.apiUsage === 'number') state.apiUsage = body.apiUsage;
      if (typeof body.sessionTtlMs === 'number') state.auth.sessionTtlMs = body.sessionTtlMs;
      if (typeof body.soapLogin === 'boolean') state.auth.soapLoginEnabled = body.soapLogin;
      return ok({ ...state.config, apiUsage: state.apiUsage, sessionTtlMs: state.auth.sessionTtlMs, soapLogin: state.auth.soapLoginEnabled });
    case 'POST /_sandbox/clock':
      // { frozenAt: ISO string | null } freezes the org clock so tests can create SystemModstamp ties.
      state.org.frozenNow = body.frozenAt ? Date.parse(body.frozenAt) : undefined;
      return ok({ frozenAt: state.org.frozenNow ?? null });
    case 'POST /_sandbox/expire-sessions':
      return ok({ expired: state.auth.expireSessions() });
    case 'POST /_sandbox/refresh-token':
      return ok({ refresh_token: state.auth.issueRefreshToken(body.username ?? 'integration@flowguard.test', body.clientId ?? 'flowguard-client') });
    case 'POST /_sandbox/apps':
      state.auth.apps = state.auth.apps.filter((a) => a.clientId !== body.clientId).concat([body as never]);
      return ok({ clientId: body.clientId });
    case 'GET /_sandbox/calls':
      return ok({
        total: [...state.callCounts.values()].reduce((a, b) => a + b, 0),
        apiUsage: state.apiUsage,
        logins: state.auth.loginCount,
        byRoute: Object.fromEntries(state.callCounts),
      });
    case 'POST /_sandbox/calls/reset':
      state.callCounts.clear();
      state.auth.loginCount = 0;
      return ok({ reset: true });
    case 'GET /_sandbox/queries':
      return ok(state.queryLog);
    case 'GET /_sandbox/state':
      return ok({
        config: state.config,
        apiUsage: state.apiUsage,
        records: Object.fromEntries([...state.org.objects.values()].map((d) => [d.name, state.org.all(d.name, true)])),
        bulkJobs: [...bulk.ingest.values(), ...bulk.query.values()].map((j) => j.info),
        faults: state.faults,
      });
    default:
      return { status: 404, body: { error: `no control route ${key}` } };
  }
}

function pick(body: Body, keys: string[]): Body {
  return Object.fromEntries(keys.filter((k) => typeof body[k] === 'number').map((k) => [k, body[k]]));
}
