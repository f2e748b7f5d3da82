import { registerSecret, redact } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { closePool, configureDriver, connectionOptions, createPool, SnowflakePool } from '../../lib/snowflake/client';
import type { SnowflakeConfigNode } from './config-node';
import { registerSnowflakeConfigRoutes } from './routes';
import { num, SnowflakeConfigDef, SnowflakeCredentials, snowflakeSettings } from './settings';

export = function (RED: any) {
  function FgSnowflakeConfig(this: SnowflakeConfigNode & { credentials?: SnowflakeCredentials }, def: SnowflakeConfigDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: SnowflakeConfigNode & { credentials?: SnowflakeCredentials }, def: SnowflakeConfigDef): void {
    const log = createLogger(node);
    const creds = node.credentials ?? {};
    for (const secret of [creds.password, creds.privateKey, creds.privateKeyPass, creds.token, creds.programmaticToken, creds.oauthClientSecret]) registerSecret(secret);

    // The driver's logging is process-wide: off (no snowflake.log in the working directory) or into Node-RED's log.
    const level = def.driverLog ?? 'off';
    if (level === 'off') configureDriver();
    else {
      const write = (fn: (t: string) => void) => (text: string) => fn(`[snowflake-sdk] ${redact(text)}`);
      configureDriver({
        error: write((t) => RED.log.error(t)), warn: write((t) => RED.log.warn(t)), info: write((t) => RED.log.info(t)),
        debug: write((t) => RED.log.debug(t)), trace: write((t) => RED.log.trace(t)),
      }, level.toUpperCase() as 'ERROR');
    }

    const settings = snowflakeSettings(def, creds);
    try {
      connectionOptions(settings);
    } catch (err) {
      node.problem = (err as Error).message;
      log.error(`Snowflake config: ${node.problem}`);
    }

    let pool: SnowflakePool | undefined;
    node.getPool = () => {
      if (node.problem) throw Object.assign(new Error(`Snowflake config: ${node.problem}`), { code: 'CONFIG_INVALID' });
      if (!pool) {
        pool = createPool(settings, { min: num(def.poolMin, 0), max: num(def.poolMax, 4) });
        log.info('Snowflake connection pool created', { account: settings.account, target: settings.accessUrl || undefined });
      }
      return pool;
    };
    node.describe = () => settings.accessUrl || settings.account;

    node.on('close', (_removed: boolean, done: () => void) => {
      const closing = pool;
      pool = undefined;
      if (!closing) return done();
      closePool(closing).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('fg-snowflake-config', FgSnowflakeConfig, {
    credentials: {
      password: { type: 'password' },
      privateKey: { type: 'password' },
      privateKeyPass: { type: 'password' },
      token: { type: 'password' },
      programmaticToken: { type: 'password' },
      oauthClientSecret: { type: 'password' },
    },
  });
  registerSnowflakeConfigRoutes(RED);
};
