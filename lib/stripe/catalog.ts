// The resource / method catalogue, read from the installed SDK (so new SDK versions bring new methods) and
// used both for the editor dropdowns and to resolve what a node may call: only listed methods are callable,
// never arbitrary properties of the client.

import type Stripe from 'stripe';

export type MethodKind = 'list' | 'search' | 'other';

export interface MethodInfo {
  name: string;
  /** Number of path ids before params (retrieve: 1, retrieveSource: 2, create: 0). */
  ids: number;
  kind: MethodKind;
}

export interface ResourceInfo {
  /** Dotted path on the client, e.g. `customers`, `checkout.sessions`. */
  path: string;
  methods: MethodInfo[];
}

/** Namespaces that are not v1 REST resources of the same shape. */
const SKIPPED = new Set(['v2', 'errors', 'webhooks', 'stripe', 'oauth', 'Decimal']);

/** The resources most flows need, listed first in the editor. */
export const FEATURED_RESOURCES = ['customers', 'paymentIntents', 'charges', 'refunds', 'invoices', 'subscriptions', 'prices', 'products', 'checkout.sessions', 'events', 'paymentMethods', 'setupIntents', 'webhookEndpoints'];

function kindOf(name: string): MethodKind {
  if (name === 'search') return 'search';
  return /^list/.test(name) ? 'list' : 'other';
}

function isResource(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && typeof (value as { _makeRequest?: unknown })._makeRequest === 'function';
}

export function describeSdk(stripe: Stripe): ResourceInfo[] {
  const found: ResourceInfo[] = [];
  const walk = (node: Record<string, unknown>, prefix: string, depth: number) => {
    for (const key of Object.keys(node)) {
      if (key.startsWith('_') || SKIPPED.has(key)) continue;
      const value = node[key];
      if (!value || typeof value !== 'object') continue;
      if (isResource(value)) {
        const proto = Object.getPrototypeOf(value);
        const methods = Object.getOwnPropertyNames(proto)
          .filter((name) => name !== 'constructor' && !name.startsWith('_') && typeof value[name] === 'function')
          .map((name) => ({ name, ids: Math.max(0, (value[name] as (...args: unknown[]) => unknown).length - 2), kind: kindOf(name) }));
        if (methods.length) found.push({ path: prefix + key, methods });
      } else if (depth < 3) {
        walk(value as Record<string, unknown>, `${prefix}${key}.`, depth + 1);
      }
    }
  };
  walk(stripe as unknown as Record<string, unknown>, '', 0);
  const rank = (path: string) => {
    const index = FEATURED_RESOURCES.indexOf(path);
    return index < 0 ? FEATURED_RESOURCES.length : index;
  };
  return found.sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
}

export interface ResolvedMethod {
  info: MethodInfo;
  invoke(ids: string[], params: Record<string, unknown>, options: Stripe.RequestOptions): Promise<any>;
}

/** Looks a resource/method up in the catalogue; unknown names are an error, not a property access. */
export function resolveMethod(stripe: Stripe, catalog: ResourceInfo[], resourcePath: string, methodName: string): ResolvedMethod {
  const resource = catalog.find((r) => r.path === resourcePath);
  if (!resource) throw new Error(`Unknown Stripe resource: ${resourcePath}`);
  const info = resource.methods.find((m) => m.name === methodName);
  if (!info) throw new Error(`Unknown method ${methodName} on Stripe resource ${resourcePath}`);
  const target = resourcePath.split('.').reduce<any>((node, key) => node[key], stripe);
  return {
    info,
    invoke(ids, params, options) {
      if (ids.length < info.ids || ids.slice(0, info.ids).some((id) => typeof id !== 'string' || !id)) {
        throw new Error(`${resourcePath}.${methodName} needs ${info.ids} id(s)`);
      }
      return target[methodName](...ids.slice(0, info.ids), params, options);
    },
  };
}
