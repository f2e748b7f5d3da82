import { BackendName, Store } from '../../lib/store';
import { RuntimeNode, status } from './node-io';

export type StoreState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/** What reliability nodes see of an fg-store-config node. */
export interface StoreConfigNode extends RuntimeNode {
  backend: BackendName;
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

/**
 * Looks up the node's fg-store-config and mirrors its state in the node's status
 * (`render` adds the node's own text, e.g. a pending count, while connected).
 * Throws a clear error when no store is configured: the node cannot work without one.
 */
export function useStore(RED: any, node: RuntimeNode, storeId: string | undefined, render?: () => string): StoreConfigNode {
  const config = storeId ? (RED.nodes.getNode(storeId) as StoreConfigNode | null) : null;
  if (!config || typeof config.getStore !== 'function') {
    status.error(node, 'no store');
    throw new Error('no fg-store-config selected: open the node, pick or add a store, and deploy again');
  }
  const off = config.onState((state, error) => {
    if (state === 'connected') status.ok(node, render?.() || 'connected');
    else if (state === 'connecting') status.idle(node, 'connecting');
    else status.error(node, state === 'failed' ? failedText(error) : 'store disconnected');
  });
  node.on('close', (_removed, done) => {
    off();
    done();
  });
  return config;
}

/** The red status of a node whose store cannot open: the cause, cut short (the full text is in the log and each error). */
function failedText(error?: Error): string {
  const text = error ? `store failed: ${error.message}` : 'store failed';
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
