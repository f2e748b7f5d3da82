import { redact, redactField } from './redact';

/** The part of a Node-RED node the logger needs (Node-RED prefixes each line with the node's type and name). */
export interface LoggingNode {
  id: string;
  z?: string;
  log(text: string): void;
  warn(text: string): void;
  error(text: string, msg?: object): void;
  debug(text: string): void;
  trace?(text: string): void;
}

export interface LogFields {
  /** the message being handled: only its correlationId is logged, never its payload */
  msg?: { correlationId?: unknown; _msgid?: string } | null;
  code?: string;
  [field: string]: unknown;
}

export type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * One structured line: `text {flow=…, correlationId=…, code=…, …}`, secrets masked (lib/ops/redact.ts).
 * Fields other than `msg` are printed as given, so callers pass ids and counts, never payloads.
 */
export function formatLine(node: Pick<LoggingNode, 'id' | 'z'>, text: string, fields: LogFields = {}): string {
  const { msg, ...rest } = fields;
  const parts: string[] = [`node=${node.id}`];
  if (node.z) parts.push(`flow=${node.z}`);
  const correlationId = msg?.correlationId ?? msg?._msgid;
  if (correlationId !== undefined) parts.push(`correlationId=${String(correlationId)}`);
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    // each field is a whole value: masked by its name, and a registered credential equal to it is masked too
    const shown = redactField(k, v);
    parts.push(`${k}=${typeof shown === 'object' ? JSON.stringify(shown) : String(shown)}`);
  }
  return redact(`${text} {${parts.join(', ')}}`);
}

export interface Logger {
  debug(text: string, fields?: LogFields): void;
  info(text: string, fields?: LogFields): void;
  warn(text: string, fields?: LogFields): void;
  /** Logs only; to reach Catch nodes call done(err) (or node.error(err, msg)). */
  error(text: string, fields?: LogFields): void;
}

export function createLogger(node: LoggingNode): Logger {
  return {
    debug: (text, fields) => node.debug(formatLine(node, text, fields)),
    info: (text, fields) => node.log(formatLine(node, text, fields)),
    warn: (text, fields) => node.warn(formatLine(node, text, fields)),
    error: (text, fields) => node.error(formatLine(node, text, fields)),
  };
}
