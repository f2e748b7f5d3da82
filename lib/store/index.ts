import { MemoryStore } from './memory';
import { RedisStore } from './redis';
import { SqliteStore } from './sqlite';
import { SqliteDriverName } from './sqlite-driver';
import { Store, StoreError } from './types';

export * from './types';
export { MemoryStore, RedisStore, SqliteStore };

export type StoreConfig =
  | { backend: 'memory' }
  | { backend: 'sqlite'; file: string; driver?: SqliteDriverName }
  | { backend: 'redis'; url: string; username?: string; password?: string; tls?: boolean; prefix?: string; commandTimeoutMs?: number };

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return new SqliteStore(config.file, config.driver);
    case 'redis':
      return RedisStore.connect(config);
    default:
      throw new StoreError('memory', 'BAD_CONFIG', `unknown store backend "${(config as { backend: string }).backend}"; use memory, sqlite or redis`);
  }
}
