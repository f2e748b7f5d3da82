import { redact } from '../../lib/ops/redact';
import { closePool, configureDriver, connectionOptions, createPool, SnowflakePool } from '../../lib/snowflake/client';
import { defineConfigNode } from '../shared/kit';
import type { SnowflakeConfig } from './config-node';
import { registerSnowflakeConfigRoutes } from './routes';
import { SNOWFLAKE_CONFIG_SETTINGS, SNOWFLAKE_CREDENTIALS, snowflakeSettings } from './settings';

export = defineConfigNode('fg-snowflake-config', {
  settings: SNOWFLAKE_CONFIG_SETTINGS,
  credentials: SNOWFLAKE_CREDENTIALS,
  init: registerSnowflakeConfigRoutes,
  setup({ RED, settings: s, credentials, log, onClose }): SnowflakeConfig {
    // The driver's logging is process-wide: off (no snowflake.log in the working directory) or into Node-RED's log.
    if (s.driverLog === 'off') configureDriver();
    else {
      const write = (fn: (t: string) => void) => (text: string) => fn(`[snowflake-sdk] ${redact(text)}`);
      configureDriver({
        error: write((t) => RED.log.error(t)), warn: write((t) => RED.log.warn(t)), info: write((t) => RED.log.info(t)),
        debug: write((t) => RED.log.debug(t)), trace: write((t) => RED.log.trace(t)),
      }, s.driverLog.toUpperCase() as 'ERROR');
    }

    const settings = snowflakeSettings(s, credentials);
    // No account, user or usable credential throws here: the Snowflake nodes using this config are guarded.
    connectionOptions(settings);

    let pool: SnowflakePool | undefined;
    onClose(() => {
      const closing = pool;
      pool = undefined;
      return closing && closePool(closing);
    });
    return {
      getPool: () => {
        if (!pool) {
          pool = createPool(settings, { min: s.poolMin, max: s.poolMax });
          log.info('Snowflake connection pool created', { account: settings.account, target: settings.accessUrl || undefined });
        }
        return pool;
      },
      describe: () => settings.accessUrl || settings.account,
    };
  },
});
