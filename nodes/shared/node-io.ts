/**
 * Node-RED message glue shared by every fg- node: async input handling with done()/done(err), error routing to an
 * error output and/or Catch nodes (the one place errors are counted for the ops dashboard), and status dots. Logic
 * belongs in lib/; this file only adapts it. Nodes reach it through the kit (`nodes/shared/kit.ts`).
 */
import type { Node, NodeMessage } from '@node-red/registry';
import { metrics } from '../../lib/ops/metrics';
import { FlowError, FlowGuardError, toFlowError } from '../../lib/reliability/errors';

export type Msg = Record<string, any> & { _msgid?: string };
export type Send = (msg: Msg | null | (Msg | Msg[] | null)[]) => void;
export type Done = (err?: Error) => void;

/** A runtime node as Node-RED creates it (`wires` is set by the runtime but missing from @types/node-red). */
export type RuntimeNode<Creds extends object = object> = Node<Creds> & { wires?: string[][] };

/**
 * How a node with an error output reports failures:
 * - auto (default): the error output when it is wired, otherwise done(err) so Catch nodes see it;
 * - output: only the error output; catch: only done(err); both: the error output and done(err).
 */
export const ERROR_ROUTINGS = ['auto', 'output', 'catch', 'both'] as const;
export type ErrorRouting = (typeof ERROR_ROUTINGS)[number];

/** Where a node's errors go: its error output (if it has one) and how it is chosen. */
export interface ErrorPort {
  /** index of the error output; undefined: the node has none, every error goes to Catch */
  output?: number;
  outputs: number;
  routing?: ErrorRouting;
}

/** Errors already counted (routed once, then passed to done()): never counted twice. */
const counted = new WeakSet<object>();

/**
 * Routes one error of `node` and counts it: the ops dashboard's error counts come from here and nowhere else.
 * With an error output, the normalised error goes on `msg.error` and to that output per `port.routing`. Returns
 * the Error for Catch (for done(err) or node.error(err, msg)), or undefined when the error output alone took it.
 */
export function routeError(node: RuntimeNode, port: ErrorPort, msg: Msg, send: Send, error: FlowError | unknown): Error | undefined {
  const fe = toFlowError(error);
  const forCatch = error instanceof FlowGuardError ? error : new FlowGuardError(fe);
  if (!counted.has(forCatch)) metrics.count(node, 'errors', 1, fe.code);
  counted.add(forCatch);
  if (port.output === undefined) return forCatch;
  // Named like Catch does, so a dead-letter node further on records which node failed (and can reveal it).
  msg.error = { ...fe, source: errorSource(node) };
  const wired = (node.wires?.[port.output]?.length ?? 0) > 0;
  const mode = port.routing ?? 'auto';
  const toOutput = mode === 'output' || mode === 'both' || (mode === 'auto' && wired);
  const toCatch = mode === 'catch' || mode === 'both' || (mode === 'auto' && !wired);
  if (toOutput) send(onOutput(port.output, port.outputs, msg));
  return toCatch ? forCatch : undefined;
}

/**
 * Registers an async input handler: it ends in done(), or, when it throws, in its error routed per `port`
 * (error output and/or done(err) for Catch), counted once. Never both, never neither.
 */
export function onInput(node: RuntimeNode, port: ErrorPort, handler: (msg: Msg, send: Send) => Promise<void> | void): void {
  node.on('input', (msg, send, done) => {
    const out = send as Send;
    new Promise<void>((resolve) => resolve(handler(msg as Msg, out))).then(
      () => done(),
      (err: unknown) => done(routeError(node, port, msg as Msg, out, err)),
    );
  });
}

/**
 * Reports an error that is not the outcome of an input handler (a timer, one failed record of a batch): routed
 * and counted like a thrown one; its Catch part goes through node.error(err, msg).
 */
export function reportError(node: RuntimeNode, port: ErrorPort, msg: Msg, error: FlowError | unknown, send?: Send): void {
  const toCatch = routeError(node, port, msg, send ?? ((m) => node.send(m as NodeMessage)), error);
  if (toCatch) node.error(toCatch, msg as NodeMessage);
}

/** The failing node as Catch's msg.error.source names it, with its flow. */
export function errorSource(node: RuntimeNode): NonNullable<FlowError['source']> {
  return { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}), ...(node.z ? { z: node.z } : {}) };
}

/** An array with `msg` at `index`, for send(). */
export function onOutput(index: number, outputs: number, msg: Msg | Msg[]): (Msg | Msg[] | null)[] {
  const out: (Msg | Msg[] | null)[] = new Array(outputs).fill(null);
  out[index] = msg;
  return out;
}

/** Status texts are cut short: the full text is in the log and in each error. */
export function shortText(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

type StatusNode = Pick<RuntimeNode, 'status'>;

export const status = {
  ok: (node: StatusNode, text: string) => node.status({ fill: 'green', shape: 'dot', text }),
  busy: (node: StatusNode, text: string) => node.status({ fill: 'blue', shape: 'dot', text }),
  warn: (node: StatusNode, text: string) => node.status({ fill: 'yellow', shape: 'ring', text }),
  error: (node: StatusNode, text: string) => node.status({ fill: 'red', shape: 'ring', text }),
  idle: (node: StatusNode, text: string) => node.status({ fill: 'grey', shape: 'ring', text }),
  clear: (node: StatusNode) => node.status({}),
};
