import { registerSecret, redact } from '../../lib/ops/redact';
import { createLogger } from '../../lib/ops/log';
import { AuthMethod, closePool, configureDriver, connectionOptions, createPool, SnowflakePool, SnowflakeSettings } from '../../lib/snowflake/client';
import type { SnowflakeConfigNode } from './config-node';

interface ConfigDef {
  id: string;
  name?: string;
  account?: string;
  username?: string;
  auth?: AuthMethod;
  warehouse?: string;
  database?: string;
  schema?: string;
  role?: string;
  queryTag?: string;
  accessUrl?: string;
  poolMin?: number | string;
  poolMax?: number | string;
  requestTimeout?: number | string;
  driverLog?: 'off' | 'error' | 'warn' | 'info' | 'debug';
}

interface Credentials {
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  token?: string;
}

const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));

export = function (RED: any) {
  function FgSnowflakeConfig(this: SnowflakeConfigNode & { credentials?: Credentials }, def: ConfigDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: SnowflakeConfigNode & { credentials?: Credentials }, def: ConfigDef): void {
    const log = createLogger(node);
    const creds = node.credentials ?? {};
    for (const secret of [creds.password, creds.privateKey, creds.privateKeyPass, creds.token]) registerSecret(secret);

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

    const settings: SnowflakeSettings = {
      account: (def.account ?? '').trim(),
      username: (def.username ?? '').trim(),
      auth: def.auth ?? 'password',
      password: creds.password,
      privateKey: creds.privateKey,
      privateKeyPass: creds.privateKeyPass,
      token: creds.token,
      warehouse: def.warehouse?.trim(),
      database: def.database?.trim(),
      schema: def.schema?.trim(),
      role: def.role?.trim(),
      queryTag: def.queryTag?.trim(),
      accessUrl: def.accessUrl?.trim(),
      requestTimeoutMs: num(def.requestTimeout, 60) * 1000,
    };
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
    },
  });
};
