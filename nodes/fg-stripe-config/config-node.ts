// The interface other Stripe nodes use (kept apart: a module with `export =` cannot export types too).
import type { ResourceInfo } from '../../lib/stripe/catalog';
import type { StripeConnection } from '../../lib/stripe/client';
import type { RuntimeNode } from '../shared/node-io';

/** What fg-stripe and fg-stripe-webhook see of an fg-stripe-config node. */
export interface StripeConfigNode extends RuntimeNode {
  /** The shared client; throws a message naming the problem (missing or malformed key) when there is none. */
  connection(): StripeConnection;
  /** The resource/method catalogue of the client's SDK. */
  catalog(): ResourceInfo[];
  webhookSecrets(): string[];
}
