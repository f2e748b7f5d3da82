// The face fg-snowflake sees of an fg-snowflake-config node.
import type { SnowflakePool } from '../../lib/snowflake/client';
import type { ConfigKind } from '../shared/kit';
import type { RuntimeNode } from '../shared/node-io';

export interface SnowflakeConfigNode extends RuntimeNode {
  /** The connection pool, created on first use; rejects with the configuration problem if there is one. */
  getPool(): SnowflakePool;
  /** Why the config cannot connect (missing account, credentials), or undefined. */
  problem?: string;
  /** Short text for status dots: account or sandbox URL. */
  describe(): string;
}

/** The `snowflake` config of fg-snowflake (for the kit's config guard). */
export const SNOWFLAKE: ConfigKind<SnowflakeConfigNode> = {
  type: 'fg-snowflake-config',
  label: 'Snowflake config',
  problem: (config) => config.problem ?? (typeof config.getPool === 'function' ? undefined : 'not started'),
};
