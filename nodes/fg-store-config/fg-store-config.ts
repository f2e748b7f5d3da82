import { openStore, Store, StoreError } from '../../lib/store';
import { buildStoreConfig, describeStoreConfig, passwordInUrlWarning, secretsOf } from '../../lib/store/config';
import { registerSecret } from '../../lib/ops/redact';
import { boolean, oneOf, text, wholeNumber } from '../../lib/settings';
import { defineNode } from '../shared/kit';
import { StoreConfigNode, StoreState } from '../shared/store-node';

const HEALTH_POLL_MS = 2000;

export = defineNode('fg-store-config', {
  settings: {
    backend: oneOf(['memory', 'sqlite', 'redis', 'postgres'], 'sqlite'),
    sqlitePath: text('flowguard.sqlite'),
    redisUrl: text('redis://127.0.0.1:6379'),
    redisMode: text(),
    redisSentinelName: text(),
    redisTls: boolean(false),
    redisPrefix: text('fg:'),
    redisWaitReplicas: wholeNumber(0),
    redisWaitTimeout: wholeNumber(1000),
    postgresUrl: text('postgres://127.0.0.1:5432/postgres'),
    postgresSchema: text('flowguard'),
    postgresTls: boolean(false),
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
    sentinelPassword: { type: 'password' },
    // PEM text or a file path; password-typed so the editor never sends them back and exports leave them out
    tlsCa: { type: 'password' },
    tlsCert: { type: 'password' },
    tlsKey: { type: 'password' },
  },
  setup({ RED, node: runtimeNode, settings, credentials, log, onClose }) {
    const listeners = new Set<(s: StoreState, e?: Error) => void>();
    let lastError: Error | undefined;
    let opening: Promise<Store>;
    const holds = new Set<Promise<unknown>>();
    // The face the reliability nodes use (StoreConfigNode).
    const node: StoreConfigNode = Object.assign(runtimeNode, {
      backend: settings.backend,
      state: 'connecting' as StoreState,
      problem: undefined as string | undefined,
      getStore: () => opening,
      onState: (listener: (s: StoreState, e?: Error) => void) => {
        listeners.add(listener);
        listener(node.state, lastError);
        return () => void listeners.delete(listener);
      },
      holdOpen: (work: Promise<unknown>) => {
        const held = work.catch(() => undefined).finally(() => holds.delete(held));
        holds.add(held);
      },
    });
    let closed = false;

    const setState = (state: StoreState, error?: Error) => {
      if (state === node.state && !error) return;
      node.state = state;
      lastError = error;
      for (const l of listeners) l(state, error);
    };

    for (const secret of secretsOf(credentials)) registerSecret(secret);
    // Settings that cannot work fail the store like a server that cannot be reached (its getStore() rejects), and
    // are its `problem`, so the nodes using it are guarded from the start.
    let where: string = node.backend;
    try {
      const storeConfig = buildStoreConfig(settings, credentials, { userDir: RED.settings.userDir, sqliteDriver: RED.settings.flowguard?.sqliteDriver });
      where = describeStoreConfig(storeConfig);
      const exposed = passwordInUrlWarning(settings);
      if (exposed) log.warn(exposed, { code: 'PASSWORD_IN_URL' });
      opening = openStore(storeConfig);
    } catch (err) {
      node.problem = (err as Error).message;
      opening = Promise.reject(err);
    }
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

    onClose(() => {
      closed = true;
      clearInterval(health);
      listeners.clear();
      // Dependents' close handlers run in the same stop pass, before or after this one (flows list config nodes
      // first or last): a turn of the event loop later, every hold is registered.
      return new Promise((r) => setImmediate(r)).then(() => Promise.all([...holds])).then(() => opening).then((s) => s.close(), () => undefined);
    });
  },
});
