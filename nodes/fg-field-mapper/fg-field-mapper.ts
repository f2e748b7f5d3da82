import { checkSpec, compileMapping, CompiledMapping, MappingSpec, MappingSpecError, PRESETS, SpecProblem, summarizeViolations, testSpec, Violation } from '../../lib/mapping';
import { createLogger } from '../../lib/ops/log';
import { redact, redactValue } from '../../lib/ops/redact';
import { flowError } from '../../lib/reliability/errors';
import { ErrorRouting, Msg, onInput, onOutput, routeError, RuntimeNode, Send, status } from '../shared/node-io';

interface FieldMapperDef {
  id: string;
  name?: string;
  specName?: string;
  property?: string;
  outputProperty?: string;
  direction?: 'forward' | 'reverse';
  rules?: MappingSpec['rules'];
  inputSchema?: string;
  outputSchema?: string;
  diff?: boolean;
  currentProperty?: string;
  dropUnchanged?: boolean;
  errorRouting?: ErrorRouting;
}

const OUTPUTS = 2;
const ERROR_OUTPUT = 1;

function specFromConfig(def: FieldMapperDef): MappingSpec {
  return { version: 1, name: def.specName ?? '', rules: def.rules ?? [], inputSchema: def.inputSchema ?? '', outputSchema: def.outputSchema ?? '' };
}

function describeProblems(problems: SpecProblem[]): string {
  return problems.map((p) => `${p.where}: ${p.message}`).join('; ');
}

export = function (RED: any) {
  function FgFieldMapper(this: RuntimeNode, def: FieldMapperDef) {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: FieldMapperDef) {
    const log = createLogger(node);
    const inputProperty = def.property || 'payload';
    const outputProperty = def.outputProperty || 'payload';
    const currentProperty = def.currentProperty || 'current';
    const reverse = def.direction === 'reverse';

    // Compile once per deploy, so bad JSONata or schemas are reported now and not at the first message.
    let mapping: CompiledMapping | undefined;
    let specProblems: SpecProblem[] = [];
    try {
      mapping = compileMapping(specFromConfig(def));
      status.idle(node, `${mapping.rules.length} rules${reverse ? ', reverse' : ''}`);
    } catch (err) {
      specProblems = err instanceof MappingSpecError ? err.problems : [{ where: 'spec', message: (err as Error).message }];
      log.error(`mapping spec invalid: ${describeProblems(specProblems)}`, { code: 'SPEC_INVALID' });
      status.error(node, 'invalid spec');
    }

    // Status changes only when the outcome changes, to keep the per-message cost low.
    let lastOutcome: string | undefined;
    const outcome = (text: 'mapped' | 'unchanged' | 'invalid') => {
      if (text === lastOutcome) return;
      lastOutcome = text;
      if (text === 'invalid') status.warn(node, text);
      else status.ok(node, text);
    };

    const reject = (msg: Msg, send: Send, code: string, message: string, details: object) => {
      const error = routeError(node, def.errorRouting, msg, send, flowError({ message, code, service: 'mapper', retryable: false, details }), ERROR_OUTPUT, OUTPUTS);
      if (error) throw error;
    };

    onInput(node, async (msg, send) => {
      if (!mapping) {
        reject(msg, send, 'SPEC_INVALID', `mapping spec invalid: ${describeProblems(specProblems)}`, { problems: specProblems });
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
        reject(msg, send, 'MAPPING_INVALID', redact(summarizeViolations(violations)), { violations });
        return;
      }
      outcome('mapped');
      send(onOutput(0, OUTPUTS, msg));
    });
  }

  RED.nodes.registerType('fg-field-mapper', FgFieldMapper);
  registerRoutes(RED);
};

// Editor support: presets, a compile check for the rule table, and the Test button. Once per admin app.
const routesRegistered = new WeakSet<object>();

function registerRoutes(RED: any): void {
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
