// Keeps the exact request bytes for webhook routes. With Node-RED's default settings the editor/admin app is
// mounted at the same root as httpNode and its JSON parser would consume the body before any httpNode route
// runs; the signature covers the raw bytes, so (like core http-in's "do not parse body") a middleware placed at
// the top of the root app's stack reads the body of registered routes first and marks it as parsed.
import { RawBodyError, readRawBody } from '../../lib/stripe/webhook';

type App = { parent?: App; use(fn: unknown): void; path(): string; _router?: { stack: { handle: unknown }[] } };

export interface CapturedRequest {
  body?: unknown;
  _body?: boolean;
  skipRawBodyParser?: boolean;
  /** Set when the body could not be captured (e.g. too large). */
  fgStripeBodyError?: RawBodyError | Error;
}

const routeKey = (path: string) => `POST:${path.replace(/\/{2,}/g, '/').replace(/\/$/, '')}`;

function rootOf(app: App): App {
  return app.parent ? rootOf(app.parent) : app;
}

export class RawBodyCapture {
  /** Full route path (with httpNodeRoot) → body size limit. */
  private readonly routes = new Map<string, number>();
  private readonly installedOn = new WeakSet<App>();

  private readonly middleware = (req: any, _res: unknown, next: () => void) => {
    if (req.method !== 'POST' || req._body) return next();
    const limit = this.routes.get(routeKey(new URL(req.originalUrl ?? req.url, 'http://local').pathname));
    if (limit === undefined) return next();
    readRawBody(req, limit).then(
      (body) => { req.body = body; },
      (err: Error) => { req.fgStripeBodyError = err; },
    ).finally(() => {
      // Every body parser after this one skips the request.
      req._body = true;
      req.skipRawBodyParser = true;
      next();
    });
  };

  /** Registers `path` of `httpNode` and makes sure the middleware runs first on its root app. Returns the key to release. */
  add(httpNode: App, path: string, limitBytes: number): string {
    const key = routeKey(httpNode.path() + path);
    this.routes.set(key, limitBytes);
    const root = rootOf(httpNode);
    if (!this.installedOn.has(root)) {
      root.use(this.middleware);
      this.installedOn.add(root);
    }
    const stack = root._router?.stack ?? [];
    const index = stack.findIndex((layer) => layer.handle === this.middleware);
    if (index > 0) stack.unshift(stack.splice(index, 1)[0]);
    return key;
  }

  remove(key: string): void {
    this.routes.delete(key);
  }
}
