/**
 * Follows each replayed dead letter through the flow, so the dashboard can say what became of it: delivered, parked
 * again (by which dead-letter node, so the new entry can be found), waiting for a retry, still in flight, or failed.
 *
 * A replayed msg carries `msg.replay.id` (the DLQ entry id) from the moment the dead-letter node sends it; Node-RED
 * copies it with the msg, so messaging hooks can count the msg's deliveries in and completions out. When none is
 * left in flight the journey has ended, and how it ended decides the outcome. The hooks return at once for any msg
 * without `replay.id`; they never return false (that would stop the message).
 */
import { errorCode, Hooks } from './hooks';

export type ReplayState = 'in-flight' | 'delivered' | 'parked' | 'waiting-retry' | 'failed';

export interface ReplayOutcome {
  /** the dead-letter entry that was replayed */
  id: string;
  /** the dead-letter node that replayed it */
  dlq: string;
  /** when it left the queue (epoch ms, runtime clock) */
  at: number;
  state: ReplayState;
  /** where it is or where it ended: the last node that received it */
  node?: string;
  /** parked again: the dead-letter node that parked it, and the time it arrived there (its new entry was parked at or after) */
  parkedBy?: string;
  parkedSince?: number;
  /** the last error a node reported for it */
  error?: { code: string; message: string; node: string };
  updatedAt: number;
}

/** Control topics of fg-dead-letter: a msg with one of these is a command, not a dead letter to park. */
const DLQ_CONTROL_TOPICS = new Set(['replay', 'purge', 'stats']);
const MAX_TRACKED = 200;
const KEEP_MS = 60 * 60_000;
const LABEL = 'flowguard-replay';

interface Journey extends ReplayOutcome {
  /** deliveries on their way (preDeliver seen, onReceive not yet) */
  pending: number;
  /** nodes holding it (received, not completed) */
  active: number;
  /** per node holding it: did it send the msg on before completing? */
  forwarded: Map<string, boolean>;
  waitingAt?: string;
  parkedAt?: string;
}

const replayIdOf = (msg: any): string | undefined => {
  const id = msg?.replay?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
};

export class ReplayWatch {
  private readonly journeys = new Map<string, Journey>();
  /** bumps when an outcome changes, so the plugin publishes */
  version = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds the hooks; returns a function that removes them. */
  attach(hooks: Hooks): () => void {
    hooks.remove(`*.${LABEL}`);
    hooks.add(`onSend.${LABEL}`, (events: any[]) => {
      for (const e of events) this.sent(e?.source?.node, e?.msg);
    });
    hooks.add(`preDeliver.${LABEL}`, (e: any) => this.delivering(e?.msg));
    hooks.add(`onReceive.${LABEL}`, (e: any) => this.received(e?.destination?.node, e?.msg));
    hooks.add(`onComplete.${LABEL}`, (e: any) => this.completed(e?.node?.node, e?.msg, e?.error));
    return () => hooks.remove(`*.${LABEL}`);
  }

  /** The most recent replays first. */
  outcomes(limit = 50): ReplayOutcome[] {
    this.expire();
    return [...this.journeys.values()]
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map(({ id, dlq, at, state, node, parkedBy, parkedSince, error, updatedAt }) => ({ id, dlq, at, state, node, parkedBy, parkedSince, error, updatedAt }));
  }

  sent(node: any, msg: any): void {
    const id = replayIdOf(msg);
    if (id === undefined || !node) return;
    const j = this.journeys.get(id);
    if (node.type === 'fg-dead-letter' && (!j || (j.dlq === node.id && j.state !== 'in-flight'))) {
      // The dead-letter node sending a msg with replay.id is the replay itself: the journey starts here (again, if
      // the same entry is replayed once more). Its deliveries are counted synchronously after this hook; the
      // outcome is first judged once they are.
      const started: Journey = { id, dlq: node.id, at: this.now(), state: 'in-flight', updatedAt: this.now(), pending: 0, active: 0, forwarded: new Map() };
      this.journeys.delete(id);
      this.journeys.set(id, started);
      this.cap();
      this.version++;
      setImmediate(() => this.settle(started));
      return;
    }
    if (!j) return;
    if (j.forwarded.has(node.id)) j.forwarded.set(node.id, true);
    if (j.waitingAt === node.id) {
      // A retry node sending it again: the retry is due. Its deliveries are counted right after this hook.
      j.waitingAt = undefined;
      this.mark(j, 'in-flight');
      setImmediate(() => this.settle(j));
    }
  }

  delivering(msg: any): void {
    const j = this.journeyOf(msg);
    if (j) j.pending++;
  }

  received(node: any, msg: any): void {
    const j = this.journeyOf(msg);
    if (!j || !node) return;
    if (j.pending > 0) j.pending--; // else it came without a wire (a Catch node, node.receive)
    j.active++;
    j.forwarded.set(node.id, false);
    j.node = node.id;
    if (node.type === 'fg-dead-letter' && !DLQ_CONTROL_TOPICS.has(msg?.topic)) {
      j.parkedAt = node.id;
      j.parkedSince = this.now();
    }
    this.settle(j);
  }

  completed(node: any, msg: any, error: any): void {
    const j = this.journeyOf(msg);
    if (!j || !node) return;
    j.active = Math.max(0, j.active - 1);
    const forwarded = j.forwarded.get(node.id);
    j.forwarded.delete(node.id);
    if (error) {
      j.error = { code: errorCode(error), message: String(error?.message ?? error), node: node.id };
      if (j.parkedAt === node.id) j.parkedAt = undefined; // the park itself failed
    } else if (node.type === 'fg-dead-letter' && j.parkedAt === node.id) {
      j.parkedBy = node.id;
    } else if (node.type === 'fg-retry' && forwarded === false) {
      j.waitingAt = node.id; // scheduled: the retry node holds it in its store
    }
    this.settle(j);
  }

  private journeyOf(msg: any): Journey | undefined {
    const id = replayIdOf(msg);
    return id === undefined ? undefined : this.journeys.get(id);
  }

  /** Recomputes the outcome: the journey has ended when nothing is on its way or held. */
  private settle(j: Journey): void {
    let state: ReplayState;
    if (j.active > 0 || j.pending > 0) state = 'in-flight';
    else if (j.parkedBy) state = 'parked';
    else if (j.waitingAt) state = 'waiting-retry';
    else if (j.error) state = 'failed';
    else state = 'delivered';
    this.mark(j, state);
  }

  private mark(j: Journey, state: ReplayState): void {
    if (state === j.state) return;
    j.state = state;
    j.updatedAt = this.now();
    this.version++;
  }

  private cap(): void {
    while (this.journeys.size > MAX_TRACKED) this.journeys.delete(this.journeys.keys().next().value as string);
  }

  private expire(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [id, j] of this.journeys) if (j.updatedAt < cutoff && j.state !== 'in-flight') this.journeys.delete(id);
  }
}
