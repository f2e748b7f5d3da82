// fg-salesforce-events in CDC mode: a streaming subscription to <Object>ChangeEvent with a durable replay id.
// Each record an event names comes out (gap events' records read again by id); an overflow event, or any input
// message, re-syncs the object from the polling watermark.
import type { Logger } from '../../lib/ops/log';
import { FlowGuardError } from '../../lib/reliability/errors';
import { CdcEvent, advanceWatermark, cdcMessages, eventKind, reReadQuery, recordsOf, resync, subscribeCdc } from '../../lib/salesforce/cdc';
import { ChangeFeedOptions, storeWatermark } from '../../lib/salesforce/change-feed';
import { durableValue } from '../../lib/salesforce/durable';
import { normaliseSalesforceError } from '../../lib/salesforce/errors';
import type { SettingsSpec } from '../../lib/settings';
import type { ConfigsSpec, NodeKit } from '../shared/kit';
import { RuntimeNode, status } from '../shared/node-io';
import { startPoller } from '../shared/poller';
import type { StoreConfigNode } from '../shared/store-node';
import type { SalesforceConfigNode } from '../fg-salesforce-config/config-node';

const RESUBSCRIBE_MS = 5000;

export function startCdc(node: RuntimeNode, def: { object: string; startFrom?: string; skipOwnChanges?: boolean; output?: 'record' | 'batch' },
  feed: ChangeFeedOptions, config: SalesforceConfigNode, storeNode: StoreConfigNode, log: Logger, lease: { key: string; ttlMs: number },
  kit: Pick<NodeKit<SettingsSpec, ConfigsSpec>, 'onInput' | 'report'>): void {
  const getStore = () => storeNode.getStore();
  let sub: { close(): void } | undefined;
  const stop = (): void => {
    sub?.close();
    sub = undefined;
  };
  // Events and re-syncs run one at a time, so a re-sync never interleaves with an event's messages.
  let serial: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = serial.then(fn, fn);
    serial = run.catch(() => undefined);
    return run;
  };

  const fail = (err: unknown): void => {
    const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { object: def.object, mode: 'cdc' });
    status.error(node, fe.code);
    kit.report({ error: fe, topic: def.object }, fe);
  };

  const query = async (soql: string, all: boolean): Promise<any[]> => ((await config.session.call((c: any) => c.query(soql, { scanAll: all }))) as any).records;
  const watermark = async () => {
    // The same watermark as poll mode: where a poll (and so a re-sync) would continue from.
    const wm = storeWatermark(await getStore(), `${node.id}:${def.object}`);
    if (!(await wm.load())) await wm.save({ stamp: def.startFrom === 'beginning' ? '1970-01-01T00:00:00.000Z' : new Date().toISOString(), lastId: '' });
    return wm;
  };
  const resyncNow = (why: string): Promise<number> => exclusive(async () => {
    status.busy(node, `re-sync (${why})`);
    const skipUserId = def.skipOwnChanges === false ? undefined : config.session.userId;
    const n = await resync({ ...feed, skipUserId }, await watermark(), { stamp: new Date().toISOString(), lastId: '' }, query,
      (msgs) => { for (const m of msgs) node.send(m); });
    log.info(`re-synced ${def.object} from the polling watermark (${why}): ${n} change(s)`, { code: 'CDC_RESYNC' });
    status.ok(node, `re-synced ${n} change(s)`);
    return n;
  });

  const onEvent = async (e: CdcEvent): Promise<void> => {
    if (eventKind(e) === 'overflow') {
      await resyncNow(`${e.changeType} event ${e.replayId}`);
      return;
    }
    await exclusive(async () => {
      const records = await recordsOf(e, (ids) => query(reReadQuery(def.object, feed.fields, ids), true));
      for (const m of cdcMessages(def.object, e, records, def.output)) node.send(m);
      await advanceWatermark(await watermark(), e.header.commitTimestamp as number | undefined);
      status.ok(node, `replay id ${e.replayId}`);
    });
  };

  const subscribe = async (): Promise<void> => {
    const replay = durableValue<number>(await getStore(), 'fg-salesforce-events', `${node.id}:${def.object}:cdc`);
    const conn = await config.session.connection();
    await watermark();
    if (!poller.leading) return;
    status.busy(node, 'subscribing');
    const opened = await subscribeCdc(conn, {
      object: def.object,
      replay,
      startFrom: def.startFrom === 'beginning' ? -2 : -1,
      skipUserId: def.skipOwnChanges === false ? undefined : config.session.userId,
      onEvent,
      onError: (err) => log.warn(`change event stream: ${err.message}`, { code: 'CDC_ERROR' }),
      onEventFailed: (err) => {
        // The next round resubscribes from the stored replay id.
        fail(err);
        stop();
      },
      onConnectionLost: (err) => {
        // Resubscribed now from the stored replay id: the events of an answer lost on the way come again.
        log.warn(`${err.message}; resubscribing from the stored replay id`, { code: 'CDC_RECONNECT' });
        status.busy(node, 'reconnecting');
        stop();
        poller.trigger();
      },
      onAuthFailure: () => {
        // The streaming session was refused: log in again and resubscribe from the stored replay id.
        log.warn('streaming session refused; logging in again', { code: 'INVALID_SESSION_ID' });
        config.session.invalidate();
        stop();
      },
    });
    // Lost the lease or closed while subscribing: the next leader subscribes, not this one.
    if (!poller.leading) return void opened.close();
    sub = opened;
    status.ok(node, 'subscribed');
  };

  // Each round makes sure the subscription is up (a refused session, a failed event or subscribe: resubscribed,
  // backing off). Only the leader among instances sharing the store subscribes: the others would emit every event again.
  const poller = startPoller(node, {
    everyMs: RESUBSCRIBE_MS,
    round: async () => { if (!sub) await subscribe(); },
    onError: fail,
    storeNode,
    single: { store: getStore, key: lease.key, ttlMs: lease.ttlMs, onStandby: stop },
  });

  // An input message re-syncs from the polling watermark now (on the leader; a standby has nothing to do);
  // done() when that re-sync has been sent.
  kit.onInput(async () => {
    if (!poller.leading) return;
    await resyncNow('requested').catch((err) => {
      const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { object: def.object, mode: 'cdc' });
      status.error(node, fe.code);
      throw new FlowGuardError(fe);
    });
  });

  // The poller closes the subscription; an event or re-sync in progress finishes first, on an open store.
  node.on('close', (_removed: boolean, done: () => void) => {
    storeNode.holdOpen(serial);
    serial.then(() => done(), () => done());
  });
}
