/**
 * When has the flow finished a message a node sent? Node-RED copies a msg (same `_msgid`) to every wire, and each
 * node that receives a copy calls done() when it has handled it. Messaging hooks count the copies on their way
 * (preDeliver), held (onReceive) and finished (onComplete; for a node whose input handlers take no done(), as
 * nodes written before Node-RED 1.0, once it was handed the msg: postReceive). When none is on its way or held,
 * the flow has finished the msg. A msg sent on no wire is finished at once.
 *
 * A node sending a new msg (a new `_msgid`) ends the journey of the one it received: what the flow does with the new
 * msg is not waited for. A msg a node keeps without done() (a delay or join node) holds its journey open.
 * fg-salesforce-events' Pub/Sub mode stores a replay id only when the flow has finished the event's messages
 * (at least once) and asks Salesforce for more events only as they finish (flow control).
 *
 * One tracker per runtime (the hooks see every message); the hooks return at once for untracked msgs and never
 * return false (that would stop the message).
 */
import type { Hooks } from '../../plugins/flowguard-ops/hooks';

const LABEL = 'flowguard-completion';

interface Journey {
  pending: number;
  active: number;
  started: boolean;
  error?: unknown;
  resolve: (outcome: FlowOutcome) => void;
}

export interface FlowOutcome {
  /** the last error a node reported for the msg (done(err)); the msg is finished all the same */
  error?: unknown;
}

export class CompletionTracker {
  private readonly journeys = new Map<string, Journey>();

  attach(hooks: Hooks): void {
    hooks.remove(`*.${LABEL}`);
    hooks.add(`preDeliver.${LABEL}`, (e: any) => {
      const j = this.journeys.get(e?.msg?._msgid);
      if (j) j.pending++;
    });
    hooks.add(`onReceive.${LABEL}`, (e: any) => {
      const j = this.journeys.get(e?.msg?._msgid);
      if (!j) return;
      if (j.pending > 0) j.pending--; // else it came without a wire (a link call, a Catch node)
      j.active++;
    });
    hooks.add(`postReceive.${LABEL}`, (e: any) => {
      // A node none of whose input handlers takes done() (written before Node-RED 1.0, or with no input handler)
      // never completes a msg: handing it the msg is all it can tell, so that copy counts as finished.
      const node = e?.destination?.node;
      if (!node || node._expectedDoneCount !== 0) return;
      const id = e?.msg?._msgid;
      const j = this.journeys.get(id);
      if (!j) return;
      j.active = Math.max(0, j.active - 1);
      this.settle(id, j);
    });
    hooks.add(`onComplete.${LABEL}`, (e: any) => {
      const id = e?.msg?._msgid;
      const j = this.journeys.get(id);
      if (!j) return;
      j.active = Math.max(0, j.active - 1);
      if (e?.error) j.error = e.error;
      this.settle(id, j);
    });
  }

  /** In flight: messages sent and not yet finished. */
  get size(): number {
    return this.journeys.size;
  }

  /**
   * Sends `msg` through `send` under a new `_msgid` and resolves when the flow has finished it (every copy done).
   * `newId` makes the id (RED.util.generateId).
   */
  send(msg: Record<string, any>, send: (msg: Record<string, any>) => void, newId: () => string): Promise<FlowOutcome> {
    const id = newId();
    msg._msgid = id;
    return new Promise<FlowOutcome>((resolve) => {
      const j: Journey = { pending: 0, active: 0, started: false, resolve };
      this.journeys.set(id, j);
      try {
        send(msg);
      } finally {
        // Deliveries are counted (preDeliver) while send runs; settle once the first ones have run.
        setImmediate(() => {
          j.started = true;
          this.settle(id, j);
        });
      }
    });
  }

  /** Forgets every journey (the node closing): their promises never settle. */
  forget(ids?: Iterable<string>): void {
    if (!ids) return this.journeys.clear();
    for (const id of ids) this.journeys.delete(id);
  }

  private settle(id: string, j: Journey): void {
    if (!j.started || j.pending > 0 || j.active > 0) return;
    this.journeys.delete(id);
    j.resolve({ error: j.error });
  }
}

const trackers = new WeakMap<object, CompletionTracker>();

/** The runtime's tracker, its hooks added on first use. Undefined when the runtime has no messaging hooks. */
export function completionTracker(RED: { hooks?: Hooks }): CompletionTracker | undefined {
  if (!RED.hooks) return undefined;
  let tracker = trackers.get(RED.hooks);
  if (!tracker) {
    tracker = new CompletionTracker();
    tracker.attach(RED.hooks);
    trackers.set(RED.hooks, tracker);
  }
  return tracker;
}
