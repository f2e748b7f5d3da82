// The face fg-salesforce and fg-salesforce-events see of an fg-salesforce-config node.
import type { SalesforceSession } from '../../lib/salesforce/connection';
import type { LimitSnapshot } from '../../lib/salesforce/limits';
import type { ConfigKind } from '../shared/kit';
import type { RuntimeNode } from '../shared/node-io';

export interface SalesforceConfigNode extends RuntimeNode {
  session: SalesforceSession;
  apiVersion: string;
  /** Why this config cannot log in (a login URL that cannot work), or undefined. */
  problem?: string;
  /** Called on every Sforce-Limit-Info reading; returns an unsubscribe function. */
  onLimit(listener: (s: LimitSnapshot, changed: boolean) => void): () => void;
}

/** The `salesforce` config of fg-salesforce and fg-salesforce-events (for the kit's config guard). */
export const SALESFORCE: ConfigKind<SalesforceConfigNode> = {
  type: 'fg-salesforce-config',
  label: 'Salesforce config',
  problem: (config) => config.problem ?? (config.session ? undefined : 'not started'),
};

export { DEFAULT_API_VERSION } from '../../lib/salesforce/versions';
