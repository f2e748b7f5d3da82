import { createLogger } from '../../lib/ops/log';
import { Change, ChangeFeedOptions, Watermark, changeMessage, pollChanges, storeWatermark } from '../../lib/salesforce/change-feed';
import { normaliseSalesforceError } from '../../lib/salesforce/errors';
import { FlowGuardError } from '../../lib/reliability/errors';
import { RuntimeNode, status } from '../shared/node-io';
import { StoreConfigNode, useStore } from '../shared/store-node';
import { startPoller } from '../shared/poller';
import { startCdc } from './cdc-mode';
import type { SalesforceConfigNode } from '../fg-salesforce-config/config-node';

interface NodeDef {
  id: string;
  name?: string;
  salesforce: string;
  store: string;
  object: string;
  fields?: string;
  interval?: number | string;
  pageSize?: number | string;
  includeDeleted?: boolean;
  skipOwnChanges?: boolean;
  startFrom?: 'now' | 'beginning';
  lagSeconds?: number | string;
  output?: 'record' | 'batch';
  mode?: 'poll' | 'cdc';
  /** leader lease TTL: how soon a standby instance takes over when the leader dies */
  leaseSeconds?: number | string;
}

const num = (v: unknown, fallback: number): number => (v === '' || v === undefined || Number.isNaN(Number(v)) ? fallback : Number(v));

/** The leader lease TTL; the default 15 s, at least 1 s. */
const leaseMs = (def: NodeDef): number => Math.max(1, num(def.leaseSeconds, 15)) * 1000;

export = function (RED: any) {
  function FgSalesforceEvents(this: RuntimeNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: RuntimeNode, def: NodeDef): void {
    const log = createLogger(node);
    const config = RED.nodes.getNode(def.salesforce) as SalesforceConfigNode | null;
    if (!config || !def.object) {
      status.error(node, !config ? 'no Salesforce config' : 'no object');
      node.error(`fg-salesforce-events: ${!config ? 'select a Salesforce config node' : 'set the object to watch'}, then deploy again`);
      return;
    }
    let storeNode: StoreConfigNode;
    try {
      storeNode = useStore(RED, node, def.store);
    } catch (err) {
      node.error((err as Error).message);
      return;
    }
    // One instance among those sharing the store runs the feed (polls or subscribes); the others stand by.
    const lease = { key: `fg-salesforce-events:${node.id}:${def.object}`, ttlMs: leaseMs(def) };
    const intervalMs = Math.max(1, num(def.interval, 60)) * 1000;
    const opts: ChangeFeedOptions = {
      object: def.object,
      fields: (def.fields || 'Name').split(',').map((f) => f.trim()).filter(Boolean),
      pageSize: Math.min(2000, Math.max(1, num(def.pageSize, 200))),
      includeDeleted: def.includeDeleted === true,
      lagMs: num(def.lagSeconds, 0) * 1000,
    };
    if (def.mode === 'cdc') return startCdc(node, def, opts, config, storeNode, log, lease);
    // The watermark key names the object, so pointing the node at another object starts a fresh feed.
    const key = `${node.id}:${def.object}`;
    const emit = (changes: Change[]): void => {
      const toMsg = (c: Change) => changeMessage(def.object, c);
      if (def.output === 'batch') node.send({ payload: changes.map((c) => c.record), changes: changes.map(toMsg), topic: def.object });
      else for (const c of changes) node.send(toMsg(c));
    };

    const pollOnce = async (): Promise<void> => {
      const store = await storeNode.getStore();
      const wmStore = storeWatermark(store, key);
      if (!(await wmStore.load())) {
        // Persist the starting point at once: restarting before the first change must not move it forward.
        const start: Watermark = { stamp: def.startFrom === 'beginning' ? '1970-01-01T00:00:00.000Z' : new Date().toISOString(), lastId: '' };
        await wmStore.save(start);
      }
      await config.session.connection();
      const feed = { ...opts, skipUserId: def.skipOwnChanges === false ? undefined : config.session.userId };
      status.busy(node, 'polling');
      const res = await pollChanges(feed, wmStore, { stamp: new Date().toISOString(), lastId: '' },
        async (soql, all) => ((await config.session.call((c: any) => c.query(soql, { scanAll: all }))) as any).records, emit);
      status.ok(node, `${res.emitted} change(s)${res.skipped ? `, ${res.skipped} own skipped` : ''} · up to ${res.watermark.stamp}`);
    };

    const poller = startPoller(node, {
      everyMs: intervalMs,
      round: pollOnce,
      onError: (err) => {
        const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { object: def.object });
        status.error(node, fe.code);
        node.error(new FlowGuardError(fe), { error: fe, topic: def.object });
      },
      // One instance polls among those sharing the store (the watermark is shared too); the others stand by.
      storeNode,
      single: { store: () => storeNode.getStore(), ...lease, onLead: () => status.idle(node, `every ${intervalMs / 1000}s`) },
    });

    // Any input message triggers a poll now (the watermark makes an extra poll harmless); a standby ignores it.
    node.on('input', (_msg, _send, done) => {
      poller.trigger();
      done();
    });
  }

  RED.nodes.registerType('fg-salesforce-events', FgSalesforceEvents);
};
