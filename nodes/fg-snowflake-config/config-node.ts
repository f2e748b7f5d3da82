// The face fg-snowflake sees of an fg-snowflake-config node.
import type { SnowflakePool } from '../../lib/snowflake/client';
import type { RuntimeNode } from '../shared/node-io';

export interface SnowflakeConfigNode extends RuntimeNode {
  /** The connection pool, created on first use; rejects with the configuration problem if there is one. */
  getPool(): SnowflakePool;
  /** Why the config cannot connect (missing account, credentials), or undefined. */
  problem?: string;
  /** Short text for status dots: account or sandbox URL. */
  describe(): string;
}
