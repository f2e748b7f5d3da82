// The face fg-snowflake sees of an fg-snowflake-config node.
import type { SnowflakePool } from '../../lib/snowflake/client';
import type { ConfigKind } from '../shared/kit';
import type { RuntimeNode } from '../shared/node-io';

/** What fg-snowflake-config's setup gives the nodes using it. */
export interface SnowflakeConfig {
  /** The connection pool, created on first use. */
  getPool(): SnowflakePool;
  /** Short text for status dots: account or sandbox URL. */
  describe(): string;
}

export interface SnowflakeConfigNode extends RuntimeNode, SnowflakeConfig {
  /** Why the config cannot connect (missing account, credentials, a setting that cannot work), or undefined. */
  problem?: string;
}

/** The `snowflake` config of fg-snowflake (for the kit's config guard). */
export const SNOWFLAKE: ConfigKind<SnowflakeConfigNode> = {
  type: 'fg-snowflake-config',
  label: 'Snowflake config',
  problem: (config) => config.problem ?? (typeof config.getPool === 'function' ? undefined : 'not started'),
};
