import { openStore, StoreError } from '../../lib/store';
import { buildStoreConfig, describeStoreConfig, secretsOf, StoreNodeCredentials, StoreNodeSettings } from '../../lib/store/config';
import { registerSecret } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { StoreConfigNode, StoreState } from '../shared/store-node';

interface StoreConfigDef extends StoreNodeSettings {
  id: string;
  name?: string;
  backend: StoreConfigNode['backend'];
}

const HEALTH_POLL_MS = 2000;

export = function (RED: any) {
  function FgStoreConfig(this: StoreConfigNode & { credentials?: StoreNodeCredentials }, def: StoreConfigDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const log = createLogger(node);
    const listeners = new Set<(s: StoreState, e?: Error) => void>();
    node.backend = def.backend || 'memory';
    node.state = 'connecting';
    let lastError: Error | undefined;
    let closed = false;

    const setState = (state: StoreState, error?: Error) => {
      if (state === node.state && !error) return;
      node.state = state;
      lastError = error;
      for (const l of listeners) l(state, error);
    };

    for (const secret of secretsOf(node.credentials ?? {})) registerSecret(secret);
    // Settings that cannot work fail the store like a server that cannot be reached: red status, errors to Catch.
    let where: string = node.backend;
    const opening = (async () => {
      const storeConfig = buildStoreConfig(def, node.credentials ?? {}, { userDir: RED.settings?.userDir, sqliteDriver: RED.settings?.flowguard?.sqliteDriver });
      where = describeStoreConfig(storeConfig);
      return openStore(storeConfig);
    })();
    opening.then(
      (store) => {
        if (closed) return void store.close();
        setState('connected');
        log.info(`${node.backend} store open`, { where });
      },
      (err: Error) => {
        setState('failed', err);
        log.error(`store not available: ${err.message}. Check the store settings, then deploy again.`, { code: (err as StoreError).code });
      },
    );
    // Never an unhandled rejection: getStore() callers receive the error.
    opening.catch(() => undefined);

    // Redis reconnects by itself; follow it so dependent nodes can show connected / disconnected.
    const health = setInterval(() => {
      opening.then((store) => { if (!closed) setState(store.isReady() ? 'connected' : 'disconnected'); }, () => undefined);
    }, HEALTH_POLL_MS);
    health.unref?.();

    node.getStore = () => opening;
    const holds = new Set<Promise<unknown>>();
    node.holdOpen = (work) => {
      const held = work.catch(() => undefined).finally(() => holds.delete(held));
      holds.add(held);
    };
    node.onState = (listener) => {
      listeners.add(listener);
      listener(node.state, lastError);
      return () => listeners.delete(listener);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(health);
      listeners.clear();
      // Dependents' close handlers run in the same stop pass, before or after this one (flows list config nodes
      // first or last): a turn of the event loop later, every hold is registered.
      new Promise((r) => setImmediate(r)).then(() => Promise.all([...holds])).then(() => opening).then((s) => s.close(), () => undefined).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('fg-store-config', FgStoreConfig, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      // PEM text or a file path; password-typed so the editor never sends them back and exports leave them out
      tlsCa: { type: 'password' },
      tlsCert: { type: 'password' },
      tlsKey: { type: 'password' },
    },
  });
};
