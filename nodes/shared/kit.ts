/**
 * The node kit: how every fg- node is defined. A node file declares its settings (lib/settings.ts parsers), the
 * config nodes it needs, its outputs, and a `setup` that is its behaviour; the kit does the rest:
 *
 * - registers the type (and its credentials, and any admin routes once per runtime);
 * - reads the settings once; a setting that cannot work is refused with a message naming it;
 * - the config guard: a node whose config node is missing or broken (or whose settings are invalid) is still
 *   created, shows a red status naming the problem, and fails each message with done(err) (code CONFIG_MISSING /
 *   CONFIG_INVALID) to Catch and to its error output per its error routing. Nothing is ever dropped;
 * - input handling: the handler's thrown error is routed (error output and/or Catch) and counted once;
 * - `report` for errors outside the input's own outcome (a timer, a failed record), `onClose` for tidying up.
 *
 * Config nodes (a store, a service account) use `defineConfigNode`: the same settings, credentials and admin routes,
 * a `setup` that returns what the nodes using the config see, and throws to say why the config cannot work.
 */
import type { NodeAPI, NodeAPISettingsWithData, NodeDef } from '@node-red/registry';
import { createLogger, Logger } from '../../lib/ops/log';
import { registerSecret } from '../../lib/ops/redact';
import { flowError, FlowGuardError } from '../../lib/reliability/errors';
import { readSettings, Settings, SettingsSpec } from '../../lib/settings';
import { ERROR_ROUTINGS, ErrorPort, ErrorRouting, Msg, onInput, onOutput, reportError, RuntimeNode, Send, shortText, status } from './node-io';

export type { Msg, Send, RuntimeNode, ErrorRouting } from './node-io';
/** settings.js as FlowGuard reads it: its own `flowguard` section (e.g. `sqliteDriver`). */
export type FlowGuardSettings = NodeAPISettingsWithData & { flowguard?: { sqliteDriver?: string } & Record<string, unknown> };
export type RED = NodeAPI<FlowGuardSettings>;
export type CredentialsSpec = Record<string, { type: 'text' | 'password' }>;

/** A kind of config node a node can depend on: its type, a name for messages, and how it says it is broken. */
export interface ConfigKind<T extends RuntimeNode> {
  type: string;
  /** what the user picks in the dialog, for status and error texts: "store", "Stripe config" */
  label: string;
  /** why this config node cannot work (missing key, bad URL), or undefined */
  problem?(config: T): string | undefined;
}

export type ConfigsSpec = Record<string, ConfigKind<any>>;
export type Configs<C extends ConfigsSpec> = { [K in keyof C]: C[K] extends ConfigKind<infer T> ? T : never };

type StatusFn = (text: string) => void;

/** What a node's setup works with. */
export interface NodeKit<S extends SettingsSpec, C extends ConfigsSpec, Cr extends CredentialsSpec = CredentialsSpec> {
  RED: RED;
  node: RuntimeNode;
  settings: Settings<S>;
  /** the node's credentials (only those declared), as Node-RED decrypted them */
  credentials: { [K in keyof Cr]?: string };
  /** the config nodes, checked: present and not broken */
  config: Configs<C>;
  log: Logger;
  status: { ok: StatusFn; busy: StatusFn; warn: StatusFn; error: StatusFn; idle: StatusFn; clear(): void };
  /** Handles each input message; a thrown error goes to the error output and/or Catch (per the node's routing). */
  onInput(handler: (msg: Msg, send: Send) => Promise<void> | void): void;
  /** An error that is not the input's outcome (a timer, one failed record): routed and counted the same way. */
  report(msg: Msg, error: unknown, send?: Send): void;
  /** `msg` on output `index`, the others empty, for send(). */
  output(index: number, msg: Msg | Msg[]): (Msg | Msg[] | null)[];
  /** Runs when the node stops (redeploy or removal); the kit waits for a returned promise. */
  onClose(fn: (removed: boolean) => Promise<unknown> | void): void;
}

export interface NodeSpec<S extends SettingsSpec, C extends ConfigsSpec, Cr extends CredentialsSpec> {
  settings: S;
  configs?: C;
  /** number of outputs (default 1) */
  outputs?: number;
  /** index of the error output, if the node has one; its routing is the `errorRouting` setting */
  errorOutput?: number;
  credentials?: Cr;
  /** once per module load, before the type is registered: admin routes (guard them per RED.httpAdmin) */
  init?(RED: RED): void;
  setup(kit: NodeKit<S, C, Cr>): void;
}

/** What a node file exports: Node-RED's module function, with its type and settings for tests. */
export interface NodeModule<S extends SettingsSpec = SettingsSpec> {
  (RED: RED): void;
  type: string;
  settings: S;
  configs: ConfigsSpec;
}

interface Problem {
  code: 'CONFIG_MISSING' | 'CONFIG_INVALID';
  /** short, for the status dot */
  short: string;
  message: string;
}

/** Defines a node type; `export = defineNode(...)` is the whole of a node module's export. */
export function defineNode<S extends SettingsSpec, C extends ConfigsSpec = Record<string, never>, Cr extends CredentialsSpec = Record<string, never>>(
  type: string,
  spec: NodeSpec<S, C, Cr>,
): NodeModule<S> {
  const outputs = spec.outputs ?? 1;
  const register = (RED: RED): void => {
    spec.init?.(RED);
    function construct(this: RuntimeNode, def: NodeDef & Record<string, unknown>) {
      RED.nodes.createNode(this, def);
      start(RED, this, def);
    }
    RED.nodes.registerType(type, construct, spec.credentials ? { credentials: spec.credentials } : undefined);
  };

  const start = (RED: RED, node: RuntimeNode, def: Record<string, unknown>): void => {
    const routing = ERROR_ROUTINGS.includes(def.errorRouting as ErrorRouting) ? (def.errorRouting as ErrorRouting) : 'auto';
    const port: ErrorPort = { output: spec.errorOutput, outputs, routing };
    const problems: Problem[] = [];
    let settings: Settings<S> | undefined;
    try {
      settings = readSettings(spec.settings, def);
    } catch (err) {
      problems.push({ code: 'CONFIG_INVALID', short: shortText((err as Error).message, 60), message: (err as Error).message });
    }
    const config: Record<string, RuntimeNode> = {};
    for (const [property, kind] of Object.entries(spec.configs ?? {})) {
      const id = def[property];
      const found = typeof id === 'string' && id ? (RED.nodes.getNode(id) as RuntimeNode | null) : null;
      if (!found || found.type !== kind.type) {
        const short = `no ${kind.label}`;
        problems.push({ code: 'CONFIG_MISSING', short, message: `${short} selected (or it is not deployed): open the node, pick or add a ${kind.label}, and deploy again` });
        continue;
      }
      const broken = kind.problem?.(found);
      if (broken) problems.push({ code: 'CONFIG_MISSING', short: shortText(`${kind.label}: ${broken}`, 60), message: `${kind.label} cannot be used: ${broken}` });
      config[property] = found;
    }
    const log = createLogger(node);
    if (problems.length) return guard(node, port, problems, log);

    const closers: ((removed: boolean) => Promise<unknown> | void)[] = [];
    node.on('close', (removed: boolean, done: () => void) => {
      // Last registered, first closed: what was set up later may depend on what came before.
      const each = closers.reverse().map((fn) => new Promise((resolve) => resolve(fn(removed))).catch((err) => log.warn(`close: ${(err as Error).message}`)));
      Promise.all(each).then(() => done(), () => done());
    });
    const kit: NodeKit<S, C, Cr> = {
      RED,
      node,
      settings: settings!,
      credentials: (node.credentials ?? {}) as NodeKit<S, C, Cr>['credentials'],
      config: config as Configs<C>,
      log,
      status: {
        ok: (text) => status.ok(node, text),
        busy: (text) => status.busy(node, text),
        warn: (text) => status.warn(node, text),
        error: (text) => status.error(node, shortText(text)),
        idle: (text) => status.idle(node, text),
        clear: () => status.clear(node),
      },
      onInput: (handler) => onInput(node, port, handler),
      report: (msg, error, send) => reportError(node, port, msg, error, send),
      output: (index, msg) => onOutput(index, outputs, msg),
      onClose: (fn) => void closers.push(fn),
    };
    try {
      spec.setup(kit);
    } catch (err) {
      // A setup that throws would leave Node-RED without the node and every message wired to it lost.
      node.removeAllListeners('input');
      guard(node, port, [{ code: 'CONFIG_INVALID', short: shortText((err as Error).message, 60), message: (err as Error).message }], log);
    }
  };

  return Object.assign(register, { type, settings: spec.settings, configs: (spec.configs ?? {}) as ConfigsSpec });
}

/** The node that cannot work: red status, and every message failed with the reason, to Catch / error output. */
function guard(node: RuntimeNode, port: ErrorPort, problems: Problem[], log: Logger): void {
  const message = problems.map((p) => p.message).join('; ');
  const code = problems[0].code;
  // A config node that cannot start says why to the nodes that use it (ConfigKind.problem reads it).
  Object.assign(node, { problem: message });
  status.error(node, problems.map((p) => p.short).join(', '));
  log.error(`not started: ${message}`, { code });
  onInput(node, port, () => {
    throw new FlowGuardError(flowError({ message: `${node.type} not started: ${message}`, code, service: 'flowguard', retryable: false }));
  });
}

/** What a config node's setup works with: no input, no outputs, no config nodes of its own. */
export type ConfigNodeKit<S extends SettingsSpec, Cr extends CredentialsSpec> = Pick<NodeKit<S, Record<string, never>, Cr>, 'RED' | 'node' | 'settings' | 'credentials' | 'log' | 'onClose'>;

export interface ConfigNodeSpec<S extends SettingsSpec, Cr extends CredentialsSpec, F extends object> {
  settings: S;
  /** password-typed ones are registered as secrets (masked in logs, DLQ entries, admin answers) */
  credentials?: Cr;
  /** once per module load: admin routes such as Test connection and pickers (guard them per RED.httpAdmin) */
  init?(RED: RED): void;
  /**
   * Builds what the nodes using this config see (set onto the config node: a client, a session, a pool). A throw
   * says why the config cannot work: the config node shows it in red, its `problem` names it, and each node using
   * it is guarded (CONFIG_MISSING with that text).
   */
  setup(kit: ConfigNodeKit<S, Cr>): F;
}

/** Defines a config node type; `export = defineConfigNode(...)` is the whole of its module's export. */
export function defineConfigNode<S extends SettingsSpec, F extends object, Cr extends CredentialsSpec = Record<string, never>>(
  type: string,
  spec: ConfigNodeSpec<S, Cr, F>,
): NodeModule<S> {
  return defineNode<S, Record<string, never>, Cr>(type, {
    settings: spec.settings,
    credentials: spec.credentials,
    init: spec.init,
    outputs: 0,
    setup(kit) {
      for (const [name, credential] of Object.entries(spec.credentials ?? {})) if (credential.type === 'password') registerSecret(kit.credentials[name]);
      const { RED, node, settings, credentials, log, onClose } = kit;
      Object.assign(node, spec.setup({ RED, node, settings, credentials, log, onClose }));
    },
  });
}
