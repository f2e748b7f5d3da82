// Control API under /_sandbox: reset, faults, statement counts, query log, direct SQL for seeding tests.
import type { SnowflakeSandbox } from './server';
import { mapDuckDbError } from './errors';

interface Reply { status: number; body: unknown }

export async function handleControl(sandbox: SnowflakeSandbox, method: string, path: string, body: any): Promise<Reply> {
  const route = `${method} ${path}`;
  switch (route) {
    case 'POST /_sandbox/reset':
      await sandbox.reset();
      return { status: 200, body: { ok: true } };
    case 'GET /_sandbox/faults':
      return { status: 200, body: sandbox.faults };
    case 'POST /_sandbox/faults': {
      // { transient503?: n, latencyMs?: ms, failLogins?: n, expireSessions?: true }
      for (const key of ['transient503', 'latencyMs', 'failLogins'] as const) {
        if (body?.[key] !== undefined) sandbox.faults[key] = Math.max(0, Number(body[key]) || 0);
      }
      if (body?.expireSessions) sandbox.expireSessions();
      return { status: 200, body: sandbox.faults };
    }
    case 'GET /_sandbox/stats':
      return { status: 200, body: { ...sandbox.stats, openSessions: sandbox.sessions.size } };
    case 'GET /_sandbox/queries':
      return { status: 200, body: sandbox.queryLog };
    case 'POST /_sandbox/sql':
      try {
        const rows = await sandbox.runSql(String(body?.sql ?? ''), body?.database, body?.schema);
        return { status: 200, body: { rows } };
      } catch (err) {
        return { status: 400, body: { error: mapDuckDbError(err) } };
      }
    default:
      return { status: 404, body: { error: `No control route ${route}` } };
  }
}
