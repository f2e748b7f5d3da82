import { BackendName, Store } from '../../lib/store';
import type { ConfigKind } from './kit';
import { RuntimeNode, shortText, status } from './node-io';

export type StoreState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/** What reliability nodes see of an fg-store-config node. */
export interface StoreConfigNode extends RuntimeNode {
  backend: BackendName;
  /** Why the settings cannot work (unknown backend, unreadable TLS file), or undefined. */
  problem?: string;
  /** Resolves once the store is open; rejects with the open error (a message naming the backend and cause). */
  getStore(): Promise<Store>;
  state: StoreState;
  /** Called now and with every change of state; returns a function that unsubscribes. */
  onState(listener: (state: StoreState, error?: Error) => void): () => void;
  /**
   * Called by a node from its close handler with the work it still has to finish on the store (a round in
   * progress, a lease release): the store closes after it. Register it synchronously in the close handler.
   */
  holdOpen(work: Promise<unknown>): void;
}

/** The `store` config of the reliability nodes (for the kit's config guard). */
export const STORE: ConfigKind<StoreConfigNode> = {
  type: 'fg-store-config',
  label: 'store',
  problem: (config) => config.problem ?? (typeof config.getStore !== 'function' ? 'not started' : undefined),
};

/** Something made once from the open store (a queue, a scheduler), shared by every message of the node. */
export interface OnStore<T> {
  (): Promise<T>;
  /** the value once made, for hot paths that must not await a settled promise per message */
  ready(): T | undefined;
}

/**
 * Makes `make(store)` once, when the store is open (the promise settles once either way, so one value per deploy),
 * and mirrors the store's state in the node's status until it closes (`render` gives the node's own text, e.g. a
 * pending count, while connected).
 */
export function onStore<T>(
  kit: { node: RuntimeNode; onClose(fn: () => void): void },
  config: StoreConfigNode,
  make: (store: Store) => T,
  render?: () => string,
): OnStore<T> {
  const off = config.onState((state, error) => {
    if (state === 'connected') status.ok(kit.node, render?.() || 'connected');
    else if (state === 'connecting') status.idle(kit.node, 'connecting');
    else status.error(kit.node, state === 'failed' ? shortText(error ? `store failed: ${error.message}` : 'store failed') : 'store disconnected');
  });
  kit.onClose(off);
  let opening: Promise<T> | undefined;
  let value: T | undefined;
  const get = () => (opening ??= config.getStore().then((store) => (value = make(store))));
  return Object.assign(get, { ready: () => value });
}
