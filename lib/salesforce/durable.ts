// A single durable JSON value in a FlowGuard store's kv family, e.g. a change-feed watermark or a CDC replay id.
// Survives restarts with the SQLite, Redis and PostgreSQL backends. Each save is a compare-and-set against the
// version last read or written: an instance whose save finds the value moved by another (it lost its leader lease
// and someone else carried on) gets DURABLE_VALUE_MOVED instead of moving the value back.
import { StoreError, type Json, type Store } from '../store/types';

export interface DurableValue<T> {
  load(): Promise<T | undefined>;
  save(value: T): Promise<void>;
}

export function durableValue<T>(store: Store, ns: string, key: string): DurableValue<T> {
  // undefined: not read yet; null: read and absent
  let version: number | null | undefined;
  const durable: DurableValue<T> = {
    async load() {
      const rec = (await store.kvGet(ns, key)) ?? (await migrateClaim(store, ns, key));
      version = rec?.version ?? null;
      return rec ? (rec.value as unknown as T) : undefined;
    },
    async save(next) {
      if (version === undefined) await durable.load();
      const written = await store.kvPut(ns, key, next as unknown as Json, version);
      if (written === false) {
        version = undefined;
        throw new StoreError(store.backend, 'DURABLE_VALUE_MOVED', `${ns}/${key} was changed by another instance: not overwritten`);
      }
      version = written;
    },
  };
  return durable;
}

/**
 * Versions before the kv family kept these values as ten-year claims: one found there is copied into kv (create
 * only, so a concurrent migration cannot overwrite a newer value) and the claim released with its own token.
 */
async function migrateClaim(store: Store, ns: string, key: string) {
  const old = await store.get(ns, key);
  if (!old) return undefined;
  const created = await store.kvPut(ns, key, old.value, null);
  await store.release(ns, key, old.token);
  return created === false ? store.kvGet(ns, key) : { value: old.value, version: created };
}
