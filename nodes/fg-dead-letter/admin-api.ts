/**
 * Admin HTTP API of the dead-letter queues, under /flowguard/dlq, registered once per httpAdmin.
 * Every route is behind flowguard.read / flowguard.write; answers are JSON with secrets masked.
 */
import { redact, redactValue } from '../../lib/ops/redact';
import type { RED } from '../shared/kit';
import { postedBody, Request, Response } from '../shared/admin-routes';
import { DeadLetterQueue, parseFilter, parseSelection } from '../../lib/reliability/dead-letter';
import { FlowGuardError } from '../../lib/reliability/errors';

export interface DlqHandle {
  id: string;
  name?: string;
  flow?: string;
  queue(): Promise<DeadLetterQueue>;
  /** replays the ids (emits on the node's output); returns what happened */
  replay(ids: string[]): Promise<{ replayed: string[]; missing: string[] }>;
  /** tells the node its queue changed (a discard), so its status and depth gauge follow */
  changed(): void;
}

/** The DLQ nodes deployed now, by node id. */
export const dlqNodes = new Map<string, DlqHandle>();

const registered = new WeakSet<object>();
const MAX_LIMIT = 500;

export function registerAdminApi(RED: RED): void {
  if (registered.has(RED.httpAdmin)) return;
  registered.add(RED.httpAdmin);
  const read = RED.auth.needsPermission('flowguard.read');
  const write = RED.auth.needsPermission('flowguard.write');
  const api = RED.httpAdmin;

  // Wraps a handler: a missing node is 404, a malformed request 400, anything else (store down) 503.
  const route = (fn: (req: Request, res: Response, h: DlqHandle) => Promise<void>) => async (req: Request, res: Response) => {
    const h = dlqNodes.get(String(req.params.node));
    if (!h) return void res.status(404).json({ error: `no dead-letter node ${String(req.params.node)} is deployed`, code: 'DLQ_UNKNOWN_NODE' });
    try {
      await fn(req, res, h);
    } catch (err) {
      const bad = err instanceof FlowGuardError && err.flowError.code === 'DLQ_BAD_REQUEST';
      res.status(bad ? 400 : 503).json({ error: redact((err as Error).message), code: bad ? 'DLQ_BAD_REQUEST' : 'STORE_UNAVAILABLE' });
    }
  };
  const notFound = (res: Response, id: string): void => void res.status(404).json({ error: `no dead letter ${id} (already replayed or discarded?)`, code: 'DLQ_UNKNOWN_ID' });

  api.get('/flowguard/dlq', read, async (_req: Request, res: Response) => {
    const nodes = await Promise.all([...dlqNodes.values()].map(async (h) => {
      let depth: number | null = null;
      try {
        depth = await (await h.queue()).depth();
      } catch {
        // store down: depth unknown
      }
      return { node: h.id, name: h.name ?? '', flow: h.flow, depth };
    }));
    res.json({ nodes });
  });

  api.get('/flowguard/dlq/:node', read, route(async (req, res, h) => {
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(req.query.limit) || 50));
    const filter = parseFilter({ node: req.query.origin, code: req.query.code, since: req.query.since });
    const after = typeof req.query.after === 'string' && req.query.after ? req.query.after : undefined;
    const q = await h.queue();
    const page = await q.list({ after, limit, filter });
    res.json(redactValue({ depth: await q.depth(), entries: page.entries, next: page.next ?? null }));
  }));

  api.get('/flowguard/dlq/:node/export', read, route(async (req, res, h) => {
    const q = await h.queue();
    const filter = parseFilter({ node: req.query.origin, code: req.query.code, since: req.query.since });
    const entries = [];
    let after: string | undefined;
    do {
      const page = await q.list({ after, limit: MAX_LIMIT, filter });
      entries.push(...page.entries);
      after = page.next;
    } while (after !== undefined);
    res.setHeader('Content-Disposition', `attachment; filename="dead-letters-${h.id}.json"`);
    res.json(redactValue({ node: h.id, exportedAt: new Date().toISOString(), entries }));
  }));

  api.post('/flowguard/dlq/:node/replay', write, route(async (req, res, h) => {
    const ids = await selectIds(h, postedBody(req));
    res.json(await h.replay(ids));
  }));

  api.post('/flowguard/dlq/:node/purge', write, route(async (req, res, h) => {
    const ids = await selectIds(h, postedBody(req));
    const q = await h.queue();
    const removed: string[] = [];
    const missing: string[] = [];
    for (const id of ids) ((await q.discard(id)) ? removed : missing).push(id);
    h.changed();
    res.json({ removed, missing });
  }));

  api.get('/flowguard/dlq/:node/:id', read, route(async (req, res, h) => {
    const entry = await (await h.queue()).get(String(req.params.id));
    if (!entry) return notFound(res, req.params.id);
    res.json(redactValue(entry));
  }));

  api.put('/flowguard/dlq/:node/:id', write, route(async (req, res, h) => {
    const body = postedBody(req);
    if (!body || !('payload' in body)) {
      return void res.status(400).json({ error: 'malformed request: send {"payload": …}', code: 'DLQ_BAD_REQUEST' });
    }
    const q = await h.queue();
    if (!(await q.editPayload(String(req.params.id), body.payload))) return notFound(res, req.params.id);
    res.json(redactValue(await q.get(String(req.params.id))));
  }));

  api.delete('/flowguard/dlq/:node/:id', write, route(async (req, res, h) => {
    if (!(await (await h.queue()).discard(String(req.params.id)))) return notFound(res, req.params.id);
    h.changed();
    res.json({ removed: [String(req.params.id)] });
  }));
}

async function selectIds(h: DlqHandle, body: unknown): Promise<string[]> {
  const sel = parseSelection(body);
  return 'ids' in sel ? sel.ids : (await h.queue()).ids(sel.filter);
}
