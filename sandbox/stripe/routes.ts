// Route table shared by the resource modules: `/v1/customers/:id` patterns → handlers.

import type { Account, RequestInfo, StripeObject } from './account';
import type { Params } from './params';

export interface RouteContext {
  account: Account;
  params: Params;
  /** Path parameters in order of appearance (`:id`, `:refund`). */
  ids: string[];
  request: RequestInfo;
  path: string;
  /** The sandbox's own base URL (for URLs it serves, such as a Checkout Session's hosted page). */
  origin?: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Pattern such as `/v1/customers/:id/capture`; doubles as the call-count key. */
  pattern: string;
  /**
   * What the route answers, for `expand[]`: an object type (`payment_intent`), `list:<type>` or `search:<type>`.
   * Without it no path can be expanded.
   */
  returns?: string;
  handle(ctx: RouteContext): StripeObject;
}

export interface MatchedRoute { route: Route; ids: string[] }

export class Router {
  private readonly compiled: { route: Route; regex: RegExp }[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      const source = route.pattern.split('/').map((part) => (part.startsWith(':') ? '([^/]+)' : part)).join('/');
      this.compiled.push({ route, regex: new RegExp(`^${source}$`) });
    }
    return this;
  }

  /** Literal segments win over `:id` (so `/v1/customers/search` is not a retrieve). */
  match(method: string, path: string): MatchedRoute | undefined {
    let best: MatchedRoute | undefined;
    for (const { route, regex } of this.compiled) {
      if (route.method !== method) continue;
      const found = regex.exec(path);
      if (!found) continue;
      const ids = found.slice(1).map(decodeURIComponent);
      if (!best || ids.length < best.ids.length) best = { route, ids };
    }
    return best;
  }
}
