import { checkSpec, compileMapping, CompiledMapping, MappingSpec, MappingSpecError, PRESETS, SpecProblem, summarizeViolations, testSpec, Violation } from '../../lib/mapping';
import { redact, redactValue } from '../../lib/ops/redact';
import { flowError, FlowGuardError } from '../../lib/reliability/errors';
import { array, boolean, oneOf, text } from '../../lib/settings';
import { defineNode, RED } from '../shared/kit';
import { ERROR_ROUTINGS } from '../shared/node-io';

function describeProblems(problems: SpecProblem[]): string {
  return problems.map((p) => `${p.where}: ${p.message}`).join('; ');
}

export = defineNode('fg-field-mapper', {
  settings: {
    specName: text(),
    property: text('payload'),
    outputProperty: text('payload'),
    direction: oneOf(['forward', 'reverse'], 'forward'),
    rules: array<MappingSpec['rules'][number]>(),
    inputSchema: text(),
    outputSchema: text(),
    diff: boolean(false),
    currentProperty: text('current'),
    dropUnchanged: boolean(false),
    errorRouting: oneOf(ERROR_ROUTINGS, 'auto'),
  },
  outputs: 2,
  errorOutput: 1,
  init: registerRoutes,
  setup({ RED, settings: def, log, status, onInput, output }) {
    const inputProperty = def.property;
    const outputProperty = def.outputProperty;
    const currentProperty = def.currentProperty;
    const reverse = def.direction === 'reverse';
    const spec: MappingSpec = { version: 1, name: def.specName, rules: def.rules, inputSchema: def.inputSchema, outputSchema: def.outputSchema };

    // Compile once per deploy, so bad JSONata or schemas are reported now and not at the first message.
    let mapping: CompiledMapping | undefined;
    let specProblems: SpecProblem[] = [];
    try {
      mapping = compileMapping(spec);
      status.idle(`${mapping.rules.length} rules${reverse ? ', reverse' : ''}`);
    } catch (err) {
      specProblems = err instanceof MappingSpecError ? err.problems : [{ where: 'spec', message: (err as Error).message }];
      log.error(`mapping spec invalid: ${describeProblems(specProblems)}`, { code: 'SPEC_INVALID' });
      status.error('invalid spec');
    }

    // Status changes only when the outcome changes, to keep the per-message cost low.
    let lastOutcome: string | undefined;
    const outcome = (text: 'mapped' | 'unchanged' | 'invalid') => {
      if (text === lastOutcome) return;
      lastOutcome = text;
      if (text === 'invalid') status.warn(text);
      else status.ok(text);
    };

    const reject = (code: string, message: string, details: object): never => {
      throw new FlowGuardError(flowError({ message, code, service: 'mapper', retryable: false, details }));
    };

    onInput(async (msg, send) => {
      if (!mapping) {
        reject('SPEC_INVALID', `mapping spec invalid: ${describeProblems(specProblems)}`, { problems: specProblems });
        return;
      }
      const input = RED.util.getMessageProperty(msg, inputProperty);
      let violations: Violation[] | undefined;
      if (reverse) {
        const result = mapping.reverse(input);
        if (result.ok) RED.util.setMessageProperty(msg, outputProperty, result.output, true);
        else violations = result.violations;
      } else {
        const current = def.diff ? RED.util.getMessageProperty(msg, currentProperty) : undefined;
        const result = await mapping.map(input, { bindings: { msg }, diff: def.diff === true, current });
        if (result.ok) {
          RED.util.setMessageProperty(msg, outputProperty, result.output, true);
          if (result.changes) {
            msg.changes = result.changes;
            if (def.dropUnchanged && result.changes.length === 0) {
              outcome('unchanged');
              return;
            }
          }
        } else violations = result.violations;
      }
      if (violations) {
        outcome('invalid');
        reject('MAPPING_INVALID', redact(summarizeViolations(violations)), { violations });
        return;
      }
      outcome('mapped');
      send(output(0, msg));
    });
  },
});

// Editor support: presets, a compile check for the rule table, and the Test button. Once per admin app.
const routesRegistered = new WeakSet<object>();

function registerRoutes(RED: RED): void {
  if (routesRegistered.has(RED.httpAdmin)) return;
  routesRegistered.add(RED.httpAdmin);
  const read = RED.auth.needsPermission('flowguard.read');
  const write = RED.auth.needsPermission('flowguard.write');
  RED.httpAdmin.get('/flowguard/mapper/presets', read, (_req: any, res: any) => {
    res.json(PRESETS);
  });
  RED.httpAdmin.post('/flowguard/mapper/check', read, (req: any, res: any) => {
    res.json(redactValue(checkSpec(req.body?.spec)));
  });
  // Runs JSONata on the runtime, hence write permission.
  RED.httpAdmin.post('/flowguard/mapper/test', write, (req: any, res: any) => {
    const body = req.body ?? {};
    testSpec({ spec: body.spec, sample: body.sample, direction: body.direction, diff: body.diff === true, current: body.current ?? undefined }).then(
      (result) => res.json(redactValue(result)),
      (err: Error) => res.status(500).json({ message: redact(err.message) }),
    );
  });
}
