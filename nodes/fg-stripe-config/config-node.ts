// The interface other Stripe nodes use (kept apart: a module with `export =` cannot export types too).
import type { ResourceInfo } from '../../lib/stripe/catalog';
import type { StripeConnection } from '../../lib/stripe/client';
import type { ConfigKind } from '../shared/kit';
import type { RuntimeNode } from '../shared/node-io';

/** What fg-stripe-config's setup gives the nodes using it. */
export interface StripeConfig {
  /** The shared client. */
  connection(): StripeConnection;
  /** The resource/method catalogue of the client's SDK. */
  catalog(): ResourceInfo[];
  webhookSecrets(): string[];
}

/** What fg-stripe and fg-stripe-webhook see of an fg-stripe-config node. */
export interface StripeConfigNode extends RuntimeNode, StripeConfig {
  /** Why no client could be made (missing or malformed key, a setting that cannot work), or undefined. */
  problem?: string;
}

/** The `stripe` config of fg-stripe and fg-stripe-webhook (for the kit's config guard). */
export const STRIPE: ConfigKind<StripeConfigNode> = {
  type: 'fg-stripe-config',
  label: 'Stripe config',
  problem: (config) => config.problem ?? (typeof config.connection === 'function' ? undefined : 'not started'),
};
