// The face fg-salesforce and fg-salesforce-events see of an fg-salesforce-config node.
import type { SalesforceSession } from '../../lib/salesforce/connection';
import type { LimitSnapshot } from '../../lib/salesforce/limits';
import type { RuntimeNode } from '../shared/node-io';

export interface SalesforceConfigNode extends RuntimeNode {
  session: SalesforceSession;
  apiVersion: string;
  /** Called on every Sforce-Limit-Info reading; returns an unsubscribe function. */
  onLimit(listener: (s: LimitSnapshot, changed: boolean) => void): () => void;
}

export { DEFAULT_API_VERSION } from '../../lib/salesforce/versions';
