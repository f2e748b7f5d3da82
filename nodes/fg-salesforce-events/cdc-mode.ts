// fg-salesforce-events in CDC mode: a streaming subscription to <Object>ChangeEvent with a durable replay id.
import type { Logger } from '../../lib/ops/log';
import { FlowGuardError } from '../../lib/reliability/errors';
import { subscribeCdc } from '../../lib/salesforce/cdc';
import { durableValue } from '../../lib/salesforce/durable';
import { normaliseSalesforceError } from '../../lib/salesforce/errors';
import { RuntimeNode, status } from '../shared/node-io';
import type { SalesforceConfigNode } from '../fg-salesforce-config/config-node';

const CHANGE_TYPES: Record<string, string> = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' };
const RESUBSCRIBE_MS = 5000;

export function startCdc(node: RuntimeNode, def: { object: string; startFrom?: string; skipOwnChanges?: boolean },
  config: SalesforceConfigNode, getStore: () => Promise<any>, log: Logger): void {
  let sub: { close(): void } | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const fail = (err: unknown): void => {
    const fe = (err as any)?.flowError ?? normaliseSalesforceError(err, { object: def.object, mode: 'cdc' });
    status.error(node, fe.code);
    node.error(new FlowGuardError(fe), { error: fe, topic: def.object });
  };
  const restart = (): void => {
    sub?.close();
    sub = undefined;
    if (closed || retry) return;
    retry = setTimeout(() => { retry = undefined; start().catch(fail); }, RESUBSCRIBE_MS);
  };

  const start = async (): Promise<void> => {
    const replay = durableValue<number>(await getStore(), 'fg-salesforce-events', `${node.id}:${def.object}:cdc`);
    const conn = await config.session.connection();
    if (closed) return;
    sub = await subscribeCdc(conn, {
      object: def.object,
      replay,
      startFrom: def.startFrom === 'beginning' ? -2 : -1,
      skipUserId: def.skipOwnChanges === false ? undefined : config.session.userId,
      onEvent: (e) => {
        const type = CHANGE_TYPES[e.changeType] ?? e.changeType.toLowerCase();
        node.send({
          payload: { Id: e.recordIds[0], ...e.fields },
          topic: `${def.object}/${type}`,
          changeType: type,
          recordIds: e.recordIds,
          idempotencyKey: `${def.object}:cdc:${e.replayId}`,
          correlationId: `${def.object}:cdc:${e.replayId}`,
          salesforce: { replayId: e.replayId, header: e.header },
        });
        status.ok(node, `replay id ${e.replayId}`);
      },
      onError: (err) => log.warn(`change event stream: ${err.message}`, { code: 'CDC_ERROR' }),
      onAuthFailure: () => {
        // The streaming session was refused: log in again and resubscribe from the stored replay id.
        log.warn('streaming session refused; logging in again', { code: 'INVALID_SESSION_ID' });
        config.session.invalidate();
        restart();
      },
    });
    if (closed) sub.close();
    else status.ok(node, 'subscribed');
  };

  status.busy(node, 'subscribing');
  start().catch((err) => { fail(err); restart(); });

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    if (retry) clearTimeout(retry);
    sub?.close();
    done();
  });
}
