// The face fg-salesforce and fg-salesforce-events see of an fg-salesforce-config node.
import type { SalesforceSession } from '../../lib/salesforce/connection';
import type { LimitSnapshot } from '../../lib/salesforce/limits';
import type { PubSubClient } from '../../lib/salesforce/pubsub/client';
import type { ConfigKind } from '../shared/kit';
import type { RuntimeNode } from '../shared/node-io';

/** What fg-salesforce-config's setup gives the nodes using it. */
export interface SalesforceConfig {
  session: SalesforceSession;
  apiVersion: string;
  /** Called on every Sforce-Limit-Info reading; returns an unsubscribe function. */
  onLimit(listener: (s: LimitSnapshot, changed: boolean) => void): () => void;
  /** The org's Pub/Sub API client (made on first use; one gRPC channel and schema cache per config). */
  pubsub(): PubSubClient;
}

export interface SalesforceConfigNode extends RuntimeNode, SalesforceConfig {
  /** Why this config cannot log in (a login URL or a setting that cannot work), or undefined. */
  problem?: string;
}

/** The `salesforce` config of fg-salesforce and fg-salesforce-events (for the kit's config guard). */
export const SALESFORCE: ConfigKind<SalesforceConfigNode> = {
  type: 'fg-salesforce-config',
  label: 'Salesforce config',
  problem: (config) => config.problem ?? (config.session ? undefined : 'not started'),
};

export { DEFAULT_API_VERSION } from '../../lib/salesforce/versions';
