// Local Snowflake sandbox: see docs/snowflake.md ("Sandbox").
export { SnowflakeSandbox, startSnowflakeSandbox } from './server';
export type { SnowflakeSandboxOptions } from './server';
export type { Faults, Stats, QueryLogEntry } from './state';
