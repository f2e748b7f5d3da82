// The Salesforce sandbox: one HTTP server speaking the OAuth, SOAP login, REST, Collections, composite and
// Bulk API 2.0 wire protocols that jsforce uses, plus the /_sandbox control API; beside it, on a port of its own, the
// gRPC Pub/Sub API (pubsub/server.ts) carrying the same change events and the org's platform events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BulkJobs, bulkRoutes } from './bulk';
import { CometD } from './cometd';
import { compositeRoutes } from './composite';
import { control } from './control';
import { EventBus } from './pubsub/bus';
import { pubsubControl } from './pubsub/control';
import { DEFAULT_PUBSUB_CONFIG, PubSubServer, startPubSubServer } from './pubsub/server';
import { SfError } from './errors';
import { restRoutes } from './rest';
import { SandboxConfig, SandboxState } from './state';
import { Ctx, Reply, Route } from './types';
import { versionList, versionStatus } from './versions';

export interface SalesforceSandbox {
  url: string;
  state: SandboxState;
  bulk: BulkJobs;
  cometd: CometD;
  /** The Pub/Sub API's gRPC endpoint, `host:port`, plaintext (the real one is api.pubsub.salesforce.com:7443, TLS). */
  pubsubUrl: string;
  pubsubPort: number;
  pubsub: PubSubServer;
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Port of the Pub/Sub API (gRPC); any free port when absent. */
  pubsubPort?: number;
  config?: Partial<SandboxConfig>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...extraHeaders, ...(reply.headers ?? {}) };
  let payload = '';
  if (reply.body !== undefined && reply.status !== 204) {
    if (typeof reply.body === 'string' && reply.contentType) payload = reply.body;
    else if (typeof reply.body === 'string' && reply.body === '') payload = '';
    else payload = JSON.stringify(reply.body);
    headers['Content-Type'] = reply.contentType ?? 'application/json;charset=UTF-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

const errorReply = (err: unknown): Reply => {
  if (err instanceof SfError) return { status: err.status, body: err.toRest() };
  return { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId if you contact support' }] };
};

export async function startSalesforceSandbox(options: SandboxOptions = {}): Promise<SalesforceSandbox> {
  let baseUrl = '';
  const state = new SandboxState(() => baseUrl);
  Object.assign(state.config, options.config ?? {});
  const bulk = new BulkJobs(state);
  const cometd = new CometD(state.org);
  const bus = new EventBus(state.org);
  cometd.eventListeners.push((entity, payload) => bus.appendChangeEvent(entity, payload));
  const hanging = new Set<http.ServerResponse>();

  const routes: Route[] = [];
  const dispatch = async (ctx: Ctx): Promise<Reply> => {
    const r = routes.find((x) => x.method === ctx.method && x.pattern.test(ctx.path));
    if (!r) {
      if (routes.some((x) => x.pattern.test(ctx.path))) return { status: 405, body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${ctx.method}' not allowed` }] };
      return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    }
    state.countRoute(r.name);
    try {
      const params = (r.pattern.exec(ctx.path) ?? []).slice(1).map((p) => decodeURIComponent(p));
      return await r.handler(ctx, params);
    } catch (err) {
      return errorReply(err);
    }
  };
  routes.push(...restRoutes(state), ...compositeRoutes(state, dispatch), ...bulkRoutes(state, bulk));

  const dataRequest = async (req: http.IncomingMessage, url: URL, raw: string, version: string, path: string): Promise<Reply> => {
    const authz = String(req.headers.authorization ?? '');
    const userId = state.auth.userFor(/^(?:Bearer|OAuth)\s+(.+)$/i.exec(authz)?.[1]);
    if (!userId) return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    if (!state.countApiCall()) return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
    let body: unknown = raw;
    if (raw && /json/i.test(String(req.headers['content-type'] ?? ''))) {
      try {
        body = JSON.parse(raw);
      } catch {
        return { status: 400, body: [{ message: 'Unexpected character in JSON body', errorCode: 'JSON_PARSER_ERROR' }] };
      }
    }
    return dispatch({ method: req.method ?? 'GET', path, version, query: url.searchParams, body, rawBody: raw, headers: req.headers, userId });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/_sandbox')) {
      let body: any = {};
      try { body = raw ? JSON.parse(raw) : {}; } catch { /* empty control body */ }
      if (url.pathname === '/_sandbox/reset' && method === 'POST') {
        cometd.reset();
        bus.reset();
        Object.assign(pubsub.config, DEFAULT_PUBSUB_CONFIG);
      }
      if (url.pathname.startsWith('/_sandbox/pubsub/')) {
        try {
          const uid = state.auth.users.find((u) => u.username === (body.asUser ?? 'integration@flowguard.test'))?.userId ?? '';
          const reply = pubsubControl(bus, pubsub, uid, method, url.pathname, body, url.searchParams);
          if (reply) return send(res, reply);
        } catch (err) {
          return send(res, errorReply(err));
        }
      }
      if (url.pathname === '/_sandbox/config' && typeof body.cometdTimeoutMs === 'number') cometd.connectTimeoutMs = body.cometdTimeoutMs;
      if (url.pathname === '/_sandbox/config' && typeof body.cdcOverflowThreshold === 'number') cometd.overflowThreshold = body.cdcOverflowThreshold;
      try { return send(res, control(state, bulk, method, url.pathname, body)); } catch (err) { return send(res, errorReply(err)); }
    }
    const fault = state.takeFault(method, url.pathname);
    if (fault?.kind === 'timeout') { hanging.add(res); res.on('close', () => hanging.delete(res)); return; }
    if (fault?.kind === 'reset') { req.socket.destroy(); return; }
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs ?? 100));
    if (fault?.kind === 'http') {
      const status = fault.status ?? 503;
      return send(res, { status, body: [{ errorCode: status === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION', message: fault.message ?? 'Service Unavailable' }] }, { 'Sforce-Limit-Info': state.limitInfoHeader() });
    }
    if (fault?.kind === 'error') {
      const code = fault.errorCode ?? 'UNABLE_TO_LOCK_ROW';
      return send(res, { status: fault.status ?? 400, body: [{ errorCode: code, message: fault.message ?? (code === 'UNABLE_TO_LOCK_ROW' ? 'unable to obtain exclusive access to this record' : code), fields: [] }] }, { 'Sforce-Limit-Info': state.limitInfoHeader() });
    }

    const form = (): URLSearchParams => new URLSearchParams(raw);
    if (url.pathname === '/services/oauth2/token' && method === 'POST') { state.countRoute('oauth2.token'); return send(res, state.auth.tokenEndpoint(form())); }
    if (url.pathname === '/services/oauth2/revoke') { state.countRoute('oauth2.revoke'); return send(res, state.auth.revoke(raw ? form() : url.searchParams) as Reply); }
    const soap = /^\/services\/Soap\/u\/([\d.]+)/.exec(url.pathname);
    if (soap && method === 'POST') { state.countRoute('soap'); return send(res, state.auth.soap(raw, soap[1]) as Reply); }
    const id = /^\/id\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (id) {
      const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      return send(res, state.auth.identity(id[2], url.searchParams.get('oauth_token') ?? bearer) as Reply);
    }
    const streaming = /^\/cometd\/[\d.]+/.exec(url.pathname);
    if (streaming) {
      // No websocket here (like Salesforce): faye falls back to long-polling POSTs.
      if (method !== 'POST') return send(res, { status: 400, body: [{ errorCode: 'NOT_SUPPORTED', message: 'long-polling only' }] });
      state.countRoute('cometd');
      const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      let messages: any[] = [];
      try { messages = [JSON.parse(raw || '[]')].flat(); } catch { /* empty batch */ }
      const replies = await cometd.handle(messages, state.auth.userFor(token));
      // The events of a lost answer count as delivered, as on a real server: the client has to replay them.
      if (fault?.kind === 'lost-reply') { req.socket.destroy(); return; }
      return send(res, { status: 200, body: replies });
    }
    if (url.pathname.replace(/\/$/, '') === '/services/data') return send(res, { status: 200, body: versionList() });
    const data = /^\/services\/data\/v(\d+\.\d+)(\/.*)?$/.exec(url.pathname);
    if (data) {
      const status = versionStatus(data[1]);
      // "If you request any resource or use an operation from a retired API version, REST API returns the 410:GONE
      // error code" (API End-of-Life Policy); a version that does not exist is an unknown resource.
      if (status === 'retired') return send(res, { status: 410, body: [{ errorCode: 'GONE', message: `API version ${data[1]} is retired and unavailable` }] });
      if (status === 'unknown') return send(res, { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
      const reply = await dataRequest(req, url, raw, data[1], (data[2] ?? '').replace(/\/$/, ''));
      if (fault?.kind === 'lost-reply') { req.socket.destroy(); return; }
      return send(res, reply, { 'Sforce-Limit-Info': state.limitInfoHeader() });
    }
    send(res, { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => { if (!res.headersSent) send(res, errorReply(err)); });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${addr.port}`;
  const pubsub = await startPubSubServer(state, bus, () => baseUrl, { port: options.pubsubPort, host: options.host });

  return {
    url: baseUrl,
    state,
    bulk,
    cometd,
    pubsubUrl: pubsub.url,
    pubsubPort: pubsub.port,
    pubsub,
    close: () => pubsub.close().then(() => new Promise<void>((resolve) => {
      bulk.reset();
      cometd.reset();
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    })),
  };
}
