/**
 * Node-RED glue shared by every fg- node: async input handling with done()/done(err), error routing to an
 * error output and/or Catch nodes, and status dots. Logic belongs in lib/; this file only adapts it.
 */
import { FlowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';

export type Msg = Record<string, any> & { _msgid?: string };
export type Send = (msg: Msg | null | (Msg | Msg[] | null)[]) => void;
export type Done = (err?: Error) => void;

/** The subset of a runtime node object the glue uses. */
export interface RuntimeNode {
  id: string;
  z?: string;
  wires?: string[][];
  on(event: 'input', cb: (msg: Msg, send: Send, done: Done) => void): void;
  on(event: 'close', cb: (removed: boolean, done: () => void) => void): void;
  status(s: { fill?: string; shape?: string; text?: string } | string): void;
  send(msg: unknown): void;
  log(t: string): void;
  warn(t: string): void;
  error(t: unknown, msg?: object): void;
  debug(t: string): void;
}

/**
 * How a node with an error output reports failures:
 * - auto (default): the error output when it is wired, otherwise done(err) so Catch nodes see it;
 * - output: only the error output; catch: only done(err); both: the error output and done(err).
 */
export type ErrorRouting = 'auto' | 'output' | 'catch' | 'both';

/** Registers an async input handler; a thrown error or rejection always ends in done(err). */
export function onInput(node: RuntimeNode, handler: (msg: Msg, send: Send) => Promise<void>): void {
  node.on('input', (msg, send, done) => {
    handler(msg, send).then(
      () => done(),
      (err) => done(err instanceof Error ? err : new Error(String(err))),
    );
  });
}

/**
 * Puts the normalised error on `msg.error` and routes it per `routing`. Returns the Error to throw from the
 * handler (so `onInput` calls done(err)) or undefined when the error output alone takes it.
 */
export function routeError(
  node: RuntimeNode,
  routing: ErrorRouting | undefined,
  msg: Msg,
  send: Send,
  error: FlowError | unknown,
  errorOutput: number,
  outputs: number,
): Error | undefined {
  const fe = toFlowError(error);
  msg.error = fe;
  const wired = (node.wires?.[errorOutput]?.length ?? 0) > 0;
  const mode = routing ?? 'auto';
  const toOutput = mode === 'output' || mode === 'both' || (mode === 'auto' && wired);
  const toCatch = mode === 'catch' || mode === 'both' || (mode === 'auto' && !wired);
  if (toOutput) send(onOutput(errorOutput, outputs, msg));
  return toCatch ? new FlowGuardError(fe) : undefined;
}

/** An array with `msg` at `index`, for send(). */
export function onOutput(index: number, outputs: number, msg: Msg | Msg[]): (Msg | Msg[] | null)[] {
  const out: (Msg | Msg[] | null)[] = new Array(outputs).fill(null);
  out[index] = msg;
  return out;
}

export const status = {
  ok: (node: RuntimeNode, text: string) => node.status({ fill: 'green', shape: 'dot', text }),
  busy: (node: RuntimeNode, text: string) => node.status({ fill: 'blue', shape: 'dot', text }),
  warn: (node: RuntimeNode, text: string) => node.status({ fill: 'yellow', shape: 'ring', text }),
  error: (node: RuntimeNode, text: string) => node.status({ fill: 'red', shape: 'ring', text }),
  idle: (node: RuntimeNode, text: string) => node.status({ fill: 'grey', shape: 'ring', text }),
  clear: (node: RuntimeNode) => node.status({}),
};
