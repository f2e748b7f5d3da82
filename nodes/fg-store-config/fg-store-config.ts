import * as path from 'path';
import { openStore, StoreConfig, StoreError } from '../../lib/store';
import { registerSecret } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { StoreConfigNode, StoreState } from '../shared/store-node';

interface StoreConfigDef {
  id: string;
  name?: string;
  backend: StoreConfigNode['backend'];
  sqlitePath?: string;
  redisUrl?: string;
  redisTls?: boolean;
  redisPrefix?: string;
}

const HEALTH_POLL_MS = 2000;

export = function (RED: any) {
  function FgStoreConfig(this: StoreConfigNode & { credentials?: { username?: string; password?: string } }, def: StoreConfigDef) {
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

    const storeConfig = buildConfig(def, node.credentials ?? {}, RED.settings?.userDir);
    registerSecret(node.credentials?.password);
    const opening = openStore(storeConfig);
    opening.then(
      (store) => {
        if (closed) return void store.close();
        setState('connected');
        log.info(`${node.backend} store open`, { where: describeConfig(storeConfig) });
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
    node.onState = (listener) => {
      listeners.add(listener);
      listener(node.state, lastError);
      return () => listeners.delete(listener);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(health);
      listeners.clear();
      opening.then((s) => s.close(), () => undefined).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('fg-store-config', FgStoreConfig, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
};

function buildConfig(def: StoreConfigDef, creds: { username?: string; password?: string }, userDir?: string): StoreConfig {
  switch (def.backend) {
    case 'sqlite':
      return { backend: 'sqlite', file: path.resolve(userDir ?? process.cwd(), def.sqlitePath || 'flowguard.sqlite') };
    case 'redis':
      return {
        backend: 'redis',
        url: def.redisUrl || 'redis://127.0.0.1:6379',
        username: creds.username || undefined,
        password: creds.password || undefined,
        tls: !!def.redisTls,
        prefix: def.redisPrefix || 'fg:',
      };
    default:
      return { backend: 'memory' };
  }
}

function describeConfig(c: StoreConfig): string {
  if (c.backend === 'sqlite') return c.file;
  if (c.backend === 'redis') return c.url.replace(/\/\/[^@/]*@/, '//');
  return 'memory';
}
