import { Change, ChangeFeedOptions, Watermark, changeMessage, pollChanges, storeWatermark } from '../../lib/salesforce/change-feed';
import { normaliseSalesforceError } from '../../lib/salesforce/errors';
import { boolean, duration, list, oneOf, positiveInt, text } from '../../lib/settings';
import { defineNode } from '../shared/kit';
import { startPoller } from '../shared/poller';
import { STORE } from '../shared/store-node';
import { SALESFORCE } from '../fg-salesforce-config/config-node';
import { MAX_FETCH } from '../../lib/salesforce/pubsub/flow';
import { startCdc } from './cdc-mode';
import { pubsubTopic, startPubSub } from './pubsub-mode';

export = defineNode('fg-salesforce-events', {
  settings: {
    object: text('Account'),
    fields: list(['Name']),
    intervalMs: duration(60, 's', { property: 'interval' }),
    pageSize: positiveInt(200, 2000),
    includeDeleted: boolean(true),
    skipOwnChanges: boolean(true),
    startFrom: oneOf(['now', 'beginning'], 'now'),
    lagMs: duration(0, 's', { property: 'lagSeconds', allowZero: true }),
    output: oneOf(['record', 'batch'], 'record'),
    mode: oneOf(['poll', 'cdc', 'pubsub'], 'poll'),
    /** Pub/Sub mode: the topic (blank: the object's change event channel) */
    topic: text(''),
    replayPreset: oneOf(['stored', 'latest', 'earliest'] as const, 'stored'),
    replayFallback: oneOf(['earliest', 'latest', 'stop'] as const, 'earliest'),
    /** Pub/Sub mode: events asked for and not yet finished by the flow, at most */
    maxInFlight: positiveInt(1, MAX_FETCH),
    /** leader lease TTL: how soon a standby instance takes over when the leader dies */
    leaseMs: duration(15, 's', { property: 'leaseSeconds' }),
  },
  configs: { salesforce: SALESFORCE, store: STORE },
  setup({ RED, node, settings: s, config, log, status, onInput, report }) {
    const { salesforce, store: storeNode } = config;
    // One instance among those sharing the store runs the feed (polls or subscribes); the others stand by.
    const lease = { key: `fg-salesforce-events:${node.id}:${s.object}`, ttlMs: s.leaseMs };
    const opts: ChangeFeedOptions = { object: s.object, fields: s.fields, pageSize: s.pageSize, includeDeleted: s.includeDeleted, lagMs: s.lagMs };
    if (s.mode === 'pubsub') {
      // The lease names the topic: another topic is another job.
      return startPubSub(RED, node, s, opts, salesforce, storeNode, log, { ...lease, key: `fg-salesforce-events:${node.id}:${pubsubTopic(s)}` }, { onInput, report });
    }
    if (s.mode === 'cdc') return startCdc(node, s, opts, salesforce, storeNode, log, lease, { onInput, report });
    // The watermark key names the object, so pointing the node at another object starts a fresh feed.
    const key = `${node.id}:${s.object}`;
    const emit = (changes: Change[]): void => {
      const toMsg = (c: Change) => changeMessage(s.object, c);
      if (s.output === 'batch') node.send({ payload: changes.map((c) => c.record), changes: changes.map(toMsg), topic: s.object });
      else for (const c of changes) node.send(toMsg(c));
    };

    const pollOnce = async (): Promise<void> => {
      const store = await storeNode.getStore();
      const wmStore = storeWatermark(store, key);
      if (!(await wmStore.load())) {
        // Persist the starting point at once: restarting before the first change must not move it forward.
        const start: Watermark = { stamp: s.startFrom === 'beginning' ? '1970-01-01T00:00:00.000Z' : new Date().toISOString(), lastId: '' };
        await wmStore.save(start);
      }
      await salesforce.session.connection();
      const feed = { ...opts, skipUserId: s.skipOwnChanges ? salesforce.session.userId : undefined };
      status.busy('polling');
      const res = await pollChanges(feed, wmStore, { stamp: new Date().toISOString(), lastId: '' },
        async (soql, all) => ((await salesforce.session.call((c: any) => c.query(soql, { scanAll: all }))) as any).records, emit);
      status.ok(`${res.emitted} change(s)${res.skipped ? `, ${res.skipped} own skipped` : ''} · up to ${res.watermark.stamp}`);
    };

    const poller = startPoller(node, {
      everyMs: s.intervalMs,
      round: pollOnce,
      onError: (err) => {
        const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { object: s.object });
        status.error(fe.code);
        report({ error: fe, topic: s.object }, fe);
      },
      // One instance polls among those sharing the store (the watermark is shared too); the others stand by.
      storeNode,
      single: { store: () => storeNode.getStore(), ...lease, onLead: () => status.idle(`every ${s.intervalMs / 1000}s`) },
    });

    // Any input message triggers a poll now (the watermark makes an extra poll harmless); a standby ignores it.
    onInput(() => poller.trigger());
  },
});
