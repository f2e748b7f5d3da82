// The Stripe sandbox HTTP server: the official SDK talks to it through `{host, port, protocol: 'http'}`.
// Request pipeline: auth → rate limit → injected faults → route → idempotency → (latency) → handler → events.

import * as http from 'http';
import type { AddressInfo } from 'net';
import { Account, Clock, newId, StripeObject } from './account';
import { accountRoutes } from './account-object';
import { catalogRoutes } from './catalog';
import { checkoutControl, expireSessionsEverywhere, hostedCheckoutPage } from './checkout-control';
import { checkoutRoutes } from './checkout';
import { disputeRoutes } from './disputes';
import { invalidRequest, SandboxStripeError } from './errors';
import { CallCounter, FaultInjector, FaultRule, RateLimiter } from './faults';
import { canonicalJson } from '../../lib/reliability/canonical';
import { balanceRoutes } from './balance';
import { paymentMethodRoutes } from './cards';
import { applyExpand, checkExpand } from './expand';
import { expandPaths } from './params';
import { decodeForm } from './form';
import { IdempotencyCache } from './idempotency';
import { invoiceRoutes } from './invoices';
import { paymentRoutes } from './payments';
import { Route, Router } from './routes';
import { subscriptionRoutes } from './subscriptions';
import { DEFAULT_DELIVERY, DeliverySettings, WebhookDispatcher } from './webhooks';
import { ThinEventDispatcher, thinEventRoutes } from './thin-events';
import { couponRoutes } from './coupons';
import { BillingSettings, checkBillingSettings, DEFAULT_BILLING } from './renewals';
import { requestClockTime, testClockRoutes } from './test-clocks';

export const SANDBOX_TEST_KEY = 'sk_test_flowguard_sandbox';
export const SANDBOX_LIVE_KEY = 'sk_live_flowguard_sandbox';
export const API_VERSION = '2026-10-28.endive';
const MAX_BODY_BYTES = 1024 * 1024;

export interface StripeSandboxOptions {
  port?: number;
  host?: string;
  /** Secret keys the sandbox accepts; anything else gets 401. Each key has its own account state. */
  apiKeys?: string[];
  /** Requests per second per key before 429 (Stripe test mode: 25); 0 turns the limit off. */
  rateLimitPerSecond?: number;
  delivery?: Partial<DeliverySettings>;
  /** Random source for probabilistic faults (tests pass a seeded one). */
  random?: () => number;
}

export interface StripeSandbox {
  url: string;
  host: string;
  port: number;
  /** Spread into `new Stripe(key, {...sandbox.clientOptions})`. */
  clientOptions: { host: string; port: number; protocol: 'http' };
  faults: FaultInjector;
  webhooks: WebhookDispatcher;
  calls: CallCounter;
  rateLimiter: RateLimiter;
  /** Renewal retry schedule and the state after the last failed retry (every account). */
  billing: BillingSettings;
  account(apiKey: string): Account;
  advanceClock(seconds: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** The request's entry in the Dashboard's request log, once the API key names an account. */
interface RequestLog { url?: string }

/** Where Stripe's error bodies point (`request_log_url`): the Dashboard's log entry of the request. */
function requestLogUrl(requestId: string, livemode: boolean, nowMs: number): string {
  return `https://dashboard.stripe.com/${livemode ? '' : 'test/'}logs/${requestId}?t=${Math.floor(nowMs / 1000)}`;
}

/**
 * A retrieve takes only `expand[]` (a PaymentIntent's also its `client_secret`); Stripe answers anything else with
 * parameter_unknown, as it does for create, update and list.
 */
const RETRIEVE_PARAMS: Record<string, string[]> = { '/v1/payment_intents/:id': ['client_secret'] };

function checkRetrieveParams(route: Route, params: Record<string, unknown>): void {
  if (!route.returns || /^(list|search):/.test(route.returns)) return;
  const allowed = ['expand', ...(RETRIEVE_PARAMS[route.pattern] ?? [])];
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) throw invalidRequest(`Received unknown parameter: ${name}`, 'parameter_unknown', name);
  }
}

export function maskKey(key: string): string {
  return key.length <= 12 ? '****' : `${key.slice(0, 8)}****${key.slice(-4)}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new SandboxStripeError(413, 'invalid_request_error', 'Request body too large.'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A v2 request's params: the JSON body of a POST, the query string of other methods. */
function v2Params(method: string, rawBody: string, url: URL): ReturnType<typeof decodeForm> {
  if (method !== 'POST') return Object.fromEntries(url.searchParams.entries());
  try {
    const body = rawBody ? JSON.parse(rawBody) : {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body;
  } catch {
    throw new SandboxStripeError(400, 'invalid_request_error', 'API v2 request bodies are JSON objects.');
  }
}

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  let clockOffsetMs = 0;
  const clock: Clock = { nowMs: () => Date.now() + clockOffsetMs };
  const apiKeys = new Set(options.apiKeys ?? [SANDBOX_TEST_KEY, SANDBOX_LIVE_KEY]);
  const router = new Router().add(catalogRoutes).add(paymentRoutes).add(disputeRoutes).add(subscriptionRoutes).add(invoiceRoutes).add(accountRoutes).add(thinEventRoutes)
    .add(checkoutRoutes).add(testClockRoutes).add(couponRoutes)
    .add(paymentMethodRoutes).add(balanceRoutes);
  const faults = new FaultInjector(options.random);
  const calls = new CallCounter();
  const rateLimiter = new RateLimiter(options.rateLimitPerSecond ?? 25, () => Date.now());
  const idempotency = new IdempotencyCache(clock);
  const webhooks = new WebhookDispatcher(clock);
  const thinEvents = new ThinEventDispatcher(webhooks);
  const initialDelivery = { ...DEFAULT_DELIVERY, ...options.delivery };
  webhooks.settings = { ...initialDelivery };
  const accounts = new Map<string, Account>();
  // One object for every account, so the control API changes them all at once.
  const billing: BillingSettings = structuredClone(DEFAULT_BILLING);
  const hanging = new Set<http.ServerResponse>();

  const account = (apiKey: string): Account => {
    let found = accounts.get(apiKey);
    if (!found) {
      found = new Account(/^(sk|rk)_live_/.test(apiKey), clock, (owner, event) => {
        webhooks.dispatch(owner, event);
        thinEvents.dispatch(owner, event);
      });
      found.billing = billing;
      accounts.set(apiKey, found);
    }
    return found;
  };

  /** The account a request acts on: the key's own, or (Connect) the connected account its `Stripe-Account` header names. */
  const actingAccount = (apiKey: string, header: string | string[] | undefined): Account => {
    const platform = account(apiKey);
    if (header === undefined || header === platform.id) return platform;
    const id = Array.isArray(header) ? header[0] : header;
    const connected = platform.connected.get(id);
    if (!connected) {
      throw new SandboxStripeError(403, 'invalid_request_error', `The provided key '${maskKey(apiKey)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`, 'account_invalid', undefined, {}, true);
    }
    return connected;
  };

  const send = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const sendError = (res: http.ServerResponse, error: SandboxStripeError, headers: Record<string, string> = {}, log: RequestLog = {}) =>
    send(res, error.status, JSON.stringify(error.toBody(log.url), null, 2), headers);

  function failWithFault(res: http.ServerResponse, rule: FaultRule): void {
    const retryAfter: Record<string, string> = rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
    if (rule.kind === 'timeout') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (rule.kind === '429') {
      sendError(res, new SandboxStripeError(429, 'invalid_request_error', 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.', 'rate_limit'), retryAfter);
    } else {
      sendError(res, new SandboxStripeError(Number(rule.kind), 'api_error', 'An unknown error occurred (injected by the sandbox).'), retryAfter);
    }
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, requestId: string, log: RequestLog): Promise<void> {
    const method = req.method ?? 'GET';
    const matched = router.match(method, url.pathname);
    const routeKey = `${method} ${matched ? matched.route.pattern : url.pathname}`;
    calls.increment(routeKey);
    const rawBody = await readBody(req);
    const apiKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!apiKey) {
      throw new SandboxStripeError(401, 'invalid_request_error', "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
    }
    if (!apiKeys.has(apiKey)) throw new SandboxStripeError(401, 'invalid_request_error', `Invalid API Key provided: ${maskKey(apiKey)}`, 'api_key_invalid');
    // From here on the request is in the account's request log, which Stripe's errors link to.
    log.url = requestLogUrl(requestId, /^(sk|rk)_live_/.test(apiKey), clock.nowMs());
    if (!rateLimiter.allow(apiKey)) {
      sendError(res, new SandboxStripeError(429, 'invalid_request_error', 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.', 'rate_limit'), { 'Retry-After': '1' });
      return;
    }
    const { latencyMs, failure } = faults.pick(routeKey);
    if (failure) return failWithFault(res, failure);
    if (!matched) {
      throw new SandboxStripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
    }
    // API v2 (/v2/…) takes JSON bodies; v1 takes form encoding.
    const params = url.pathname.startsWith('/v2/') ? v2Params(method, rawBody, url) : decodeForm(method === 'POST' ? rawBody : url.search.slice(1));
    // A path the response cannot expand is refused before anything runs (and before the idempotency key is taken).
    const expand = expandPaths(params.expand);
    checkExpand(matched.route.returns, expand);
    if (method === 'GET' && url.pathname.startsWith('/v1/')) checkRetrieveParams(matched.route, params);
    // API v2 names the account in `Stripe-Context` (a thin event's `context`), v1 in `Stripe-Account`.
    const owner = actingAccount(apiKey, req.headers['stripe-account'] ?? req.headers['stripe-context']);
    const idempotencyKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const echo: Record<string, string> = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
    // Keys are per account: the same key on two connected accounts is two requests.
    const decision = idempotencyKey
      ? idempotency.begin(`${apiKey}\u0000${owner.id}`, idempotencyKey, `${method} ${url.pathname} ${canonicalJson(params)}`, requestId)
      : undefined;
    if (decision?.kind === 'replay') {
      return send(res, decision.status, decision.body, { ...echo, 'Idempotent-Replayed': 'true', 'Original-Request': decision.originalRequest });
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    let status = 200;
    let body: string;
    let store = true;
    try {
      // A request on a test clock's customer runs at the clock's time.
      const clockTime = requestClockTime(owner, matched.route.pattern, params, matched.ids);
      const result: StripeObject = owner.atTime(clockTime, () => matched.route.handle({ account: owner, params, ids: matched.ids, request: { requestId, idempotencyKey, apiVersion: (req.headers['stripe-version'] as string | undefined) ?? API_VERSION }, path: url.pathname, origin: sandbox.url }));
      body = JSON.stringify(applyExpand(owner, matched.route.returns, result, expand), null, 2);
    } catch (err) {
      const error = err instanceof SandboxStripeError ? err : new SandboxStripeError(500, 'api_error', 'An unknown error occurred.');
      status = error.status;
      body = JSON.stringify(error.toBody(log.url), null, 2);
      store = !error.beforeExecution;
    }
    decision?.finish(status, body, store);
    send(res, status, body, echo);
  }

  const sandbox: StripeSandbox = {
    url: '', host: '', port: 0, clientOptions: { host: '', port: 0, protocol: 'http' }, faults, webhooks, calls, rateLimiter, account,
    advanceClock(seconds) {
      clockOffsetMs += seconds * 1000;
    },
    billing,
    reset() {
      accounts.clear();
      Object.assign(billing, structuredClone(DEFAULT_BILLING));
      idempotency.clear();
      faults.clear();
      calls.clear();
      rateLimiter.clear();
      webhooks.reset();
      webhooks.settings = { ...initialDelivery };
      clockOffsetMs = 0;
      for (const res of hanging) res.destroy();
    },
    async close() {
      webhooks.reset();
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const control = createControlApi(sandbox, accounts);

  const server = http.createServer((req, res) => {
    const requestId = newId('req', 14);
    res.setHeader('Request-Id', requestId);
    res.setHeader('Stripe-Version', (req.headers['stripe-version'] as string | undefined) ?? API_VERSION);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const log: RequestLog = {};
    const handler = url.pathname.startsWith('/_sandbox') ? control(req, res, url)
      : url.pathname.startsWith('/c/pay/') ? hostedCheckoutPage(accounts.values(), req, res, url)
        : handleApi(req, res, url, requestId, log);
    handler.catch((err) => {
      if (res.headersSent) return;
      const error = err instanceof SandboxStripeError ? err : new SandboxStripeError(500, 'api_error', err instanceof Error ? err.message : String(err));
      sendError(res, error, {}, log);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  sandbox.host = address.address;
  sandbox.port = address.port;
  sandbox.url = `http://${address.address}:${address.port}`;
  sandbox.clientOptions = { host: address.address, port: address.port, protocol: 'http' };
  return sandbox;
}

/** JSON control API under /_sandbox (no auth: the sandbox listens on loopback and holds no real data). */
function createControlApi(sandbox: StripeSandbox, accounts: Map<string, Account>) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const text = await readBody(req);
    let body: any = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new SandboxStripeError(400, 'invalid_request_error', 'Control API bodies are JSON.');
    }
    const route = `${req.method} ${url.pathname.replace(/\/$/, '')}`;
    const reply = (value: unknown) => {
      const json = JSON.stringify(value, null, 2);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    };
    switch (route) {
      case 'POST /_sandbox/reset':
        sandbox.reset();
        return reply({ reset: true });
      case 'GET /_sandbox/calls':
        return reply(sandbox.calls.snapshot());
      case 'DELETE /_sandbox/calls':
        sandbox.calls.clear();
        return reply({ cleared: true });
      case 'GET /_sandbox/faults':
        return reply(sandbox.faults.list());
      case 'POST /_sandbox/faults':
        try {
          for (const rule of Array.isArray(body) ? body : [body]) sandbox.faults.add(rule);
        } catch (err) {
          throw new SandboxStripeError(400, 'invalid_request_error', (err as Error).message);
        }
        return reply(sandbox.faults.list());
      case 'DELETE /_sandbox/faults':
        sandbox.faults.clear();
        return reply([]);
      case 'POST /_sandbox/rate-limit':
        if (typeof body.perSecond !== 'number') throw new SandboxStripeError(400, 'invalid_request_error', 'perSecond (number) is required.');
        sandbox.rateLimiter.perSecond = body.perSecond;
        return reply({ perSecond: body.perSecond });
      case 'POST /_sandbox/clock':
        if (typeof body.advanceSeconds !== 'number') throw new SandboxStripeError(400, 'invalid_request_error', 'advanceSeconds (number) is required.');
        sandbox.advanceClock(body.advanceSeconds);
        expireSessionsEverywhere(accounts.values());
        return reply({ advancedSeconds: body.advanceSeconds });
      case 'GET /_sandbox/webhooks':
        return reply({ settings: sandbox.webhooks.settings, attempts: sandbox.webhooks.attempts });
      case 'POST /_sandbox/webhooks': {
        const allowed = ['retryDelaysMs', 'timeoutMs', 'duplicate', 'outOfOrder', 'holdMs'];
        const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
        if (unknown.length) throw new SandboxStripeError(400, 'invalid_request_error', `Unknown webhook settings: ${unknown.join(', ')}`);
        sandbox.webhooks.settings = { ...sandbox.webhooks.settings, ...body };
        return reply(sandbox.webhooks.settings);
      }
      case 'GET /_sandbox/billing':
        return reply(sandbox.billing);
      case 'POST /_sandbox/billing':
        try {
          Object.assign(sandbox.billing, checkBillingSettings(body));
        } catch (err) {
          throw new SandboxStripeError(400, 'invalid_request_error', (err as Error).message);
        }
        return reply(sandbox.billing);
      case 'POST /_sandbox/webhooks/flush':
        sandbox.webhooks.flush();
        return reply({ flushed: true });
      case 'GET /_sandbox/state': {
        const state: Record<string, unknown> = {};
        for (const [key, account] of accounts) state[maskKey(key)] = account.dump();
        return reply({ accounts: state, faults: sandbox.faults.list(), rateLimitPerSecond: sandbox.rateLimiter.perSecond, webhooks: sandbox.webhooks.settings });
      }
      default: {
        const checkout = checkoutControl(accounts.values(), route, body);
        if (checkout) return reply(checkout);
        throw new SandboxStripeError(404, 'invalid_request_error', `Unknown sandbox control route: ${route}`);
      }
    }
  };
}
