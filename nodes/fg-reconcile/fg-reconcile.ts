import { Fix, ReconcileOptions, Reconciler, FieldRule } from '../../lib/reconcile';
import { flowError, FlowGuardError } from '../../lib/reliability/errors';
import { array, boolean, oneOf, text, wholeNumber } from '../../lib/settings';
import { defineNode, Msg } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';

const FIX_OUTPUT = 1;

export = defineNode('fg-reconcile', {
  settings: {
    propertyA: text('payload.a'),
    propertyB: text('payload.b'),
    keyA: text('id'),
    keyB: text(),
    keyIgnoreCase: boolean(false),
    fields: array<FieldRule>(),
    maxListed: wholeNumber(1000),
    fixes: boolean(false),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  outputs: 3,
  errorOutput: 2,
  setup({ RED, settings: s, log, status, onInput, output }) {
    const { propertyA, propertyB } = s;
    const options: ReconcileOptions = { keyA: s.keyA, keyB: s.keyB || undefined, keyIgnoreCase: s.keyIgnoreCase, fields: s.fields, maxListed: s.maxListed };
    // Checked at deploy, so a bad path or currency shows on the node before the first run.
    let configProblem: string | undefined;
    try {
      new Reconciler(options);
      status.idle(`${options.fields.length} fields`);
    } catch (err) {
      configProblem = (err as Error).message;
      log.error(`reconcile configuration invalid: ${configProblem}`, { code: 'CONFIG_INVALID' });
      status.error('invalid configuration');
    }

    const reject = (code: string, message: string): never => {
      throw new FlowGuardError(flowError({ message, code, service: 'reconcile', retryable: false }));
    };

    onInput(async (msg, send) => {
      if (configProblem) return reject('CONFIG_INVALID', `reconcile configuration invalid: ${configProblem}`);
      const setA = RED.util.getMessageProperty(msg, propertyA);
      const setB = RED.util.getMessageProperty(msg, propertyB);
      const notArray = !Array.isArray(setA) ? `msg.${propertyA}` : !Array.isArray(setB) ? `msg.${propertyB}` : undefined;
      if (notArray) return reject('INPUT_INVALID', `${notArray} must be an array of records`);

      const fixes: Msg[] = [];
      const collect = s.fixes
        ? (fix: Fix) => fixes.push({ _msgid: RED.util.generateId(), topic: fix.action, payload: fix, correlationId: msg.correlationId })
        : undefined;
      const reconciler = new Reconciler(options, collect);
      for (const record of setB) reconciler.addB(record);
      for (const record of setA) reconciler.checkA(record);
      const report = reconciler.finish();

      if (report.ok) status.ok(`${report.matchedCount} matched`);
      else {
        const t = report.totals;
        status.warn(`${t.onlyInA} only in A, ${t.onlyInB} only in B, ${t.mismatched} mismatched`);
      }
      // The sets are replaced by the report, so a 100,000-record payload is not carried further.
      msg.payload = report;
      if (propertyA !== 'payload' && !propertyA.startsWith('payload.')) RED.util.setMessageProperty(msg, propertyA, undefined);
      if (propertyB !== 'payload' && !propertyB.startsWith('payload.')) RED.util.setMessageProperty(msg, propertyB, undefined);
      send(output(0, msg));
      if (fixes.length > 0) send(output(FIX_OUTPUT, fixes));
    });
  },
});
