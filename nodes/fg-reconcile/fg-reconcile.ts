import { createLogger } from '../../lib/ops/log';
import { Fix, ReconcileOptions, Reconciler, FieldRule } from '../../lib/reconcile';
import { flowError } from '../../lib/reliability/errors';
import { ErrorRouting, Msg, onInput, onOutput, routeError, RuntimeNode, Send, status } from '../shared/node-io';

interface ReconcileDef {
  id: string;
  name?: string;
  propertyA?: string;
  propertyB?: string;
  keyA?: string;
  keyB?: string;
  keyIgnoreCase?: boolean;
  fields?: FieldRule[];
  maxListed?: number | string;
  fixes?: boolean;
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 3;
const FIX_OUTPUT = 1;
const ERROR_OUTPUT = 2;

export = function (RED: any) {
  function FgReconcile(this: RuntimeNode, def: ReconcileDef) {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: ReconcileDef) {
    const log = createLogger(node);
    const propertyA = def.propertyA || 'payload.a';
    const propertyB = def.propertyB || 'payload.b';
    const options: ReconcileOptions = {
      keyA: def.keyA || 'id',
      keyB: def.keyB || undefined,
      keyIgnoreCase: def.keyIgnoreCase === true,
      fields: Array.isArray(def.fields) ? def.fields : [],
      maxListed: def.maxListed === undefined || def.maxListed === '' ? 1000 : Number(def.maxListed),
    };
    // Checked at deploy, so a bad path or currency shows on the node before the first run.
    let configProblem: string | undefined;
    try {
      new Reconciler(options);
      status.idle(node, `${options.fields.length} fields`);
    } catch (err) {
      configProblem = (err as Error).message;
      log.error(`reconcile configuration invalid: ${configProblem}`, { code: 'CONFIG_INVALID' });
      status.error(node, 'invalid configuration');
    }

    const reject = (msg: Msg, send: Send, code: string, message: string) => {
      const error = routeError(node, def.errorRouting, msg, send, flowError({ message, code, service: 'reconcile', retryable: false }), ERROR_OUTPUT, OUTPUTS);
      if (error) throw error;
    };

    onInput(node, async (msg, send) => {
      if (configProblem) return reject(msg, send, 'CONFIG_INVALID', `reconcile configuration invalid: ${configProblem}`);
      const setA = RED.util.getMessageProperty(msg, propertyA);
      const setB = RED.util.getMessageProperty(msg, propertyB);
      const notArray = !Array.isArray(setA) ? `msg.${propertyA}` : !Array.isArray(setB) ? `msg.${propertyB}` : undefined;
      if (notArray) return reject(msg, send, 'INPUT_INVALID', `${notArray} must be an array of records`);

      const fixes: Msg[] = [];
      const collect = def.fixes
        ? (fix: Fix) => fixes.push({ _msgid: RED.util.generateId(), topic: fix.action, payload: fix, correlationId: msg.correlationId })
        : undefined;
      const reconciler = new Reconciler(options, collect);
      for (const record of setB) reconciler.addB(record);
      for (const record of setA) reconciler.checkA(record);
      const report = reconciler.finish();

      if (report.ok) status.ok(node, `${report.matchedCount} matched`);
      else {
        const t = report.totals;
        status.warn(node, `${t.onlyInA} only in A, ${t.onlyInB} only in B, ${t.mismatched} mismatched`);
      }
      // The sets are replaced by the report, so a 100,000-record payload is not carried further.
      msg.payload = report;
      if (propertyA !== 'payload' && !propertyA.startsWith('payload.')) RED.util.setMessageProperty(msg, propertyA, undefined);
      if (propertyB !== 'payload' && !propertyB.startsWith('payload.')) RED.util.setMessageProperty(msg, propertyB, undefined);
      send(onOutput(0, OUTPUTS, msg));
      if (fixes.length > 0) send(onOutput(FIX_OUTPUT, OUTPUTS, fixes));
    });
  }

  RED.nodes.registerType('fg-reconcile', FgReconcile);
};
