import { MemoryStore } from './memory';
import { PostgresStore, PostgresStoreOptions } from './postgres';
import { RedisStore, RedisStoreOptions } from './redis';
import { SqliteStore } from './sqlite';
import { SqliteDriverName } from './sqlite-driver';
import { Store, StoreError } from './types';

export * from './types';
export { MemoryStore, PostgresStore, RedisStore, SqliteStore };

export type StoreConfig =
  | { backend: 'memory' }
  | { backend: 'sqlite'; file: string; driver?: SqliteDriverName }
  | ({ backend: 'redis' } & RedisStoreOptions)
  | ({ backend: 'postgres' } & PostgresStoreOptions);

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return new SqliteStore(config.file, config.driver);
    case 'redis':
      return RedisStore.connect(config);
    case 'postgres':
      return PostgresStore.connect(config);
    default:
      throw new StoreError('memory', 'BAD_CONFIG', `unknown store backend "${(config as { backend: string }).backend}"; use memory, sqlite, redis or postgres`);
  }
}
