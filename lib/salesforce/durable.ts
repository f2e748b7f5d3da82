// A single durable JSON value in a FlowGuard store (claim / get / update), e.g. a change-feed watermark or
// a CDC replay id. Survives restarts with the SQLite and Redis backends.
import type { Json, Store } from '../store/types';

export interface DurableValue<T> {
  load(): Promise<T | undefined>;
  save(value: T): Promise<void>;
}

const TEN_YEARS = 10 * 365 * 24 * 3600_000;

export function durableValue<T>(store: Store, ns: string, key: string): DurableValue<T> {
  let token: string | undefined;
  return {
    async load() {
      const rec = await store.get(ns, key);
      token = rec?.token;
      return rec ? (rec.value as unknown as T) : undefined;
    },
    async save(value) {
      const json = value as unknown as Json;
      if (token && (await store.update(ns, key, token, json, TEN_YEARS))) return;
      const res = await store.claim(ns, key, json, TEN_YEARS);
      if (res.claimed) { token = res.token; return; }
      // Written before by an earlier run: take over its owner token.
      token = res.existing.token;
      if (!(await store.update(ns, key, token, json, TEN_YEARS))) throw new Error(`could not save ${key}`);
    },
  };
}
