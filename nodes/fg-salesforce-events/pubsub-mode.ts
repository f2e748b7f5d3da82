// fg-salesforce-events in Pub/Sub mode: a Subscribe stream of the Pub/Sub API (change events or Platform Events)
// with flow control and a durable replay id. Each event's messages go out and are tracked through the flow
// (nodes/shared/completion.ts): more events are asked for only as the flow finishes them, and the replay id is stored
// only when the flow has finished the event and every one before it (at least once). Change events become one
// message per record id (gap events' records read again by id, an overflow event re-syncs the object from the
// polling watermark), as in CDC mode. One instance among those sharing the store subscribes (leader lease).
import type { Logger } from '../../lib/ops/log';
import { metrics } from '../../lib/ops/metrics';
import { backoffDelay } from '../../lib/reliability/backoff';
import { FlowGuardError, type FlowError } from '../../lib/reliability/errors';
import { CdcEvent, advanceWatermark, cdcChannel, cdcMessages, eventKind, reReadQuery, recordsOf, resync } from '../../lib/salesforce/cdc';
import { ChangeFeedOptions, WatermarkStore, storeWatermark } from '../../lib/salesforce/change-feed';
import { durableValue } from '../../lib/salesforce/durable';
import { normaliseSalesforceError } from '../../lib/salesforce/errors';
import type { PubSubEvent, ReplayStart, Subscription } from '../../lib/salesforce/pubsub/client';
import { RateMeter, replayIdText } from '../../lib/salesforce/pubsub/flow';
import type { SettingsSpec } from '../../lib/settings';
import { completionTracker } from '../shared/completion';
import type { ConfigsSpec, NodeKit, RED } from '../shared/kit';
import { RuntimeNode, status } from '../shared/node-io';
import { startPoller } from '../shared/poller';
import type { StoreConfigNode } from '../shared/store-node';
import type { SalesforceConfigNode } from '../fg-salesforce-config/config-node';

/** How often the leader checks that its subscription is up. */
const CHECK_MS = 2000;
/** How long a close waits for events in the flow to finish (and their replay id to be stored). */
const CLOSE_WAIT_MS = 2000;

export type ReplayPresetSetting = 'stored' | 'latest' | 'earliest';
export type ReplayFallback = 'earliest' | 'latest' | 'stop';

export interface PubSubModeSettings {
  object: string;
  fields: string[];
  topic: string;
  startFrom: string;
  replayPreset: ReplayPresetSetting;
  replayFallback: ReplayFallback;
  maxInFlight: number;
  skipOwnChanges: boolean;
  output: 'record' | 'batch';
}

/** The topic the node subscribes to: the one set, else the object's change event channel. */
export function pubsubTopic(s: Pick<PubSubModeSettings, 'topic' | 'object'>): string {
  return s.topic.trim() || cdcChannel(s.object);
}

/**
 * A change event's body as CDC mode has it (CometD's form): Pub/Sub sends every field, unchanged ones as null, so
 * only the values present and the fields set to null (nulledFields) are kept.
 */
export function changeBody(payload: Record<string, any>, nulledFields: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) if (k !== 'ChangeEventHeader' && v !== null && v !== undefined) body[k] = v;
  for (const f of nulledFields) if (!f.includes('.')) body[f] = null;
  return body;
}

export function startPubSub(RED: RED, node: RuntimeNode, s: PubSubModeSettings, feed: ChangeFeedOptions, config: SalesforceConfigNode,
  storeNode: StoreConfigNode, log: Logger, lease: { key: string; ttlMs: number },
  kit: Pick<NodeKit<SettingsSpec, ConfigsSpec>, 'onInput' | 'report'>): void {
  const topic = pubsubTopic(s);
  const tracker = completionTracker(RED as any);
  if (!tracker) {
    // Node-RED has had messaging hooks since 2.0; without them no event could be known finished.
    const problem = 'this Node-RED has no message hooks, which Pub/Sub mode needs';
    status.error(node, problem);
    kit.onInput(() => { throw new FlowGuardError({ message: problem, code: 'CONFIG_INVALID', service: 'salesforce', retryable: false }); });
    return;
  }
  const getStore = () => storeNode.getStore();
  const replayKey = `${node.id}:${topic}:pubsub`;
  const rate = new RateMeter();

  let sub: Subscription | undefined;
  /** the previous subscription's events still in the flow: no new one until they finished (no needless duplicates) */
  let draining: Promise<void> | undefined;
  let subscribedOnce = false;
  /** after a refused replay id: where the next subscription starts */
  let forceStart: ReplayStart | undefined;
  /** set when a refused replay id stopped the node (fallback "stop") */
  let stopped: string | undefined;
  let failures = 0;
  let retryAt = 0;
  let lastReplay = '';
  let statusTimer: NodeJS.Timeout | undefined;

  const showStatus = (): void => {
    if (statusTimer) return;
    // At most one status update a second: a busy stream must not flood the editor.
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      if (!sub || !poller.leading) return;
      const perMinute = rate.perMinute();
      const inFlight = sub.window.inFlight;
      metrics.gauge(node, 'events_per_minute', perMinute);
      metrics.gauge(node, 'events_in_flight', inFlight);
      status.ok(node, `${topic} · ${lastReplay ? `replay ${lastReplay}` : 'no event yet'} · ${perMinute}/min${inFlight ? ` · ${inFlight} in flow` : ''}`);
    }, 1000);
  };

  const report = (fe: FlowError): void => {
    status.error(node, fe.code);
    kit.report({ error: fe, topic }, new FlowGuardError(fe));
  };

  const sendTracked = (msg: Record<string, any>): Promise<unknown> => tracker.send(msg, (m) => node.send(m), () => RED.util.generateId());

  const query = async (soql: string, all: boolean): Promise<any[]> => ((await config.session.call((c: any) => c.query(soql, { scanAll: all }))) as any).records;
  // The polling watermark per object (where a re-sync continues from): one store handle each, and its moves made one
  // at a time, since events finishing side by side would otherwise race on its compare-and-set.
  const watermarks = new Map<string, Promise<WatermarkStore>>();
  const watermark = (object: string): Promise<WatermarkStore> => {
    let wm = watermarks.get(object);
    if (!wm) {
      wm = (async () => {
        const store = storeWatermark(await getStore(), `${node.id}:${object}`);
        if (!(await store.load())) await store.save({ stamp: s.startFrom === 'beginning' ? '1970-01-01T00:00:00.000Z' : new Date().toISOString(), lastId: '' });
        return store;
      })();
      watermarks.set(object, wm);
      wm.catch(() => watermarks.delete(object));
    }
    return wm;
  };
  let watermarkWork: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = watermarkWork.then(fn, fn);
    watermarkWork = run.catch(() => undefined);
    return run;
  };
  const fieldsOf = (object: string): string[] => (object === s.object ? s.fields : []);

  const onChangeEvent = async (event: PubSubEvent): Promise<void> => {
    const header = event.payload.ChangeEventHeader as Record<string, any>;
    if (s.skipOwnChanges && config.session.userId && header.commitUser === config.session.userId) return;
    const entity = String(header.entityName);
    const cdc: CdcEvent = {
      replayId: replayIdText(event.replayId), entity, changeType: String(header.changeType), recordIds: header.recordIds ?? [],
      commitUser: header.commitUser, fields: changeBody(event.payload, header.nulledFields ?? []), header,
    };
    if (eventKind(cdc) === 'overflow') {
      // The records are not named: read the object again from the polling watermark (deletions included).
      const sent: Array<Promise<unknown>> = [];
      const skipUserId = s.skipOwnChanges ? config.session.userId : undefined;
      const n = await serially(async () => resync({ ...feed, object: entity, fields: fieldsOf(entity), skipUserId }, await watermark(entity),
        { stamp: new Date().toISOString(), lastId: '' }, query, (msgs) => { for (const m of msgs) sent.push(sendTracked(m)); }));
      log.info(`re-synced ${entity} from the polling watermark (${cdc.changeType} event ${cdc.replayId}): ${n} change(s)`, { code: 'CDC_RESYNC' });
      await Promise.all(sent);
      return;
    }
    const records = await recordsOf(cdc, (ids) => query(reReadQuery(entity, fieldsOf(entity), ids), true));
    const msgs = cdcMessages(entity, cdc, records, s.output).map((m) => {
      // The event's own id (EventUuid) keys it: replay ids are not guaranteed unique across org migrations.
      const key = s.output === 'record' ? `${entity}:pubsub:${event.id}:${(m.recordIds as string[])[0]}` : `${entity}:pubsub:${event.id}`;
      return { ...m, idempotencyKey: key, correlationId: key, salesforce: { ...(m.salesforce as object), topic, eventId: event.id } };
    });
    await Promise.all(msgs.map(sendTracked));
    await serially(async () => advanceWatermark(await watermark(entity), header.commitTimestamp));
  };

  const onEvent = async (event: PubSubEvent): Promise<void> => {
    if (event.payload?.ChangeEventHeader) await onChangeEvent(event);
    else {
      const key = `${topic}:${event.id}`;
      await sendTracked({
        payload: event.payload, topic, idempotencyKey: key, correlationId: key,
        salesforce: { topic, replayId: replayIdText(event.replayId), eventId: event.id, schemaId: event.schemaId },
      });
    }
    rate.tick();
    showStatus();
  };

  const startOf = (stored: string | undefined): ReplayStart => {
    if (forceStart) return forceStart;
    // The preset applies when the node starts; a reconnect continues from the stored replay id.
    if (stored && (s.replayPreset === 'stored' || subscribedOnce)) return { preset: 'CUSTOM', replayId: Buffer.from(stored, 'base64') };
    const preset = s.replayPreset === 'stored' ? (s.startFrom === 'beginning' ? 'earliest' : 'latest') : s.replayPreset;
    return { preset: preset === 'earliest' ? 'EARLIEST' : 'LATEST' };
  };

  const subscribe = async (): Promise<void> => {
    const replay = durableValue<string>(await getStore(), 'fg-salesforce-events', replayKey);
    const stored = await replay.load();
    const client = config.pubsub();
    await config.session.connection();
    if (!poller.leading || sub) return;
    const start = startOf(stored);
    status.busy(node, `subscribing to ${topic}`);
    const opened: Subscription = client.subscribe({
      topic, start, windowSize: s.maxInFlight, onEvent,
      onCommit: async (id) => {
        await replay.save(id.toString('base64'));
        lastReplay = replayIdText(id);
      },
      onResponse: () => {
        failures = 0;
        showStatus();
      },
      onEnd: (err) => ended(opened, start, err),
    });
    sub = opened;
    subscribedOnce = true;
    forceStart = undefined;
    status.ok(node, `${topic} · subscribed${start.preset === 'CUSTOM' ? ` after replay ${replayIdText(start.replayId)}` : ` (${start.preset.toLowerCase()})`}`);
  };

  const ended = (opened: Subscription, start: ReplayStart, err?: FlowGuardError): void => {
    if (sub !== opened) return;
    sub = undefined;
    draining = opened.drained().then(() => {
      draining = undefined;
      poller.trigger();
    });
    if (!err) {
      poller.trigger();
      return;
    }
    const fe = err.flowError;
    if (fe.code === 'REPLAY_ID_INVALID' && start.preset === 'CUSTOM') {
      const refused = replayIdText(start.replayId);
      if (s.replayFallback === 'stop') {
        stopped = `replay id ${refused} refused`;
        log.warn(`stored replay id ${refused} refused (${fe.message}); stopped as set: send a message to resume from the earliest retained event`, { code: fe.code });
        report({ ...fe, message: `stored replay id ${refused} refused; the node stopped (Replay fallback: stop). Send it a message to resume from the earliest retained event, or msg.replayPreset "latest".` });
        status.error(node, `${topic} · replay id ${refused} refused: stopped`);
        return;
      }
      forceStart = { preset: s.replayFallback === 'latest' ? 'LATEST' : 'EARLIEST' };
      log.warn(`stored replay id ${refused} refused (${fe.message}): subscribing from the ${s.replayFallback} event as set`, { code: fe.code });
      status.warn(node, `${topic} · replay id ${refused} refused: from ${s.replayFallback}`);
      poller.trigger();
      return;
    }
    failures++;
    retryAt = Date.now() + backoffDelay({ baseMs: 1000, factor: 2, capMs: 60_000, jitter: 'equal' }, failures);
    if (fe.code === 'INVALID_SESSION_ID') {
      // The token expired or was revoked: log in again (through the config node) before the next subscription.
      log.warn('Pub/Sub refused the session; logging in again', { code: fe.code });
      config.session.invalidate();
      status.warn(node, `${topic} · session refused: logging in again`);
      return;
    }
    report(fe);
  };

  // Each round makes sure the subscription is up, once the previous one's events finished and its back-off passed.
  const poller = startPoller(node, {
    everyMs: CHECK_MS,
    round: async () => {
      if (sub || stopped || draining || Date.now() < retryAt) return;
      await subscribe();
    },
    onError: (err) => {
      const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { topic, mode: 'pubsub' });
      failures++;
      retryAt = Date.now() + backoffDelay({ baseMs: 1000, factor: 2, capMs: 60_000, jitter: 'equal' }, failures);
      if (fe.code === 'INVALID_SESSION_ID') config.session.invalidate();
      report(fe);
    },
    storeNode,
    single: {
      store: getStore, key: lease.key, ttlMs: lease.ttlMs,
      onStandby: () => {
        sub?.close();
        sub = undefined;
      },
    },
  });

  // An input message resumes a node stopped by a refused replay id (from the earliest retained event, or
  // msg.replayPreset "latest"), else checks the subscription now.
  kit.onInput((msg) => {
    if (stopped) {
      stopped = undefined;
      forceStart = { preset: (msg as any).replayPreset === 'latest' ? 'LATEST' : 'EARLIEST' };
    }
    poller.trigger();
  });

  // Events in the flow finish (and their replay id is stored) before the store closes, for a while.
  node.on('close', (_removed: boolean, done: () => void) => {
    if (statusTimer) clearTimeout(statusTimer);
    // The poller's own close may have ended the subscription already (stand-by): its events are `draining` then.
    const current = sub;
    sub = undefined;
    current?.close();
    const inFlow = Promise.all([current?.drained(), draining]);
    const wait = Promise.race([inFlow, new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
    storeNode.holdOpen(wait);
    wait.then(() => done(), () => done());
  });
}
