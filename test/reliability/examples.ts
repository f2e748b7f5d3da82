// Loads a shipped example flow from examples/Reliability into the test runtime, with store / node overrides.
import { FlowNode, loadExample as loadShipped, red } from '../harness';

export function exampleRED(): any {
  return red();
}

export interface LoadOptions {
  /** replaces the store config's fields (e.g. a temp SQLite file) */
  store?: Record<string, unknown>;
  /** per node id: fields to override */
  override?: Record<string, Record<string, unknown>>;
}

export function loadExample(name: string, opts: LoadOptions = {}): Promise<FlowNode[]> {
  return loadShipped(`Reliability/${name}.json`, {
    configure: (n) => {
      let node = n;
      if (n.type === 'fg-store-config' && opts.store) node = { ...node, ...opts.store };
      if (opts.override?.[n.id]) node = { ...node, ...opts.override[n.id] };
      return node;
    },
  });
}
