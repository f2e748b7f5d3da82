import { IdempotencyGate } from '../../lib/reliability/idempotency';
import { RuntimeNode } from '../shared/node-io';

/** What fg-idempotency-complete sees of the gate it names. */
export interface GateNode extends RuntimeNode {
  namespace: string;
  getGate(): Promise<IdempotencyGate>;
}
