/**
 * The runtime part of the ops plugin: message hooks that count for every fg- node, the watch on replayed dead
 * letters, the tracker of deployed nodes, the routes, and live updates to the editor over RED.comms (at most once a
 * second, only when something changed).
 */
import { FlowGuardMetrics, metrics as sharedMetrics } from '../../lib/ops/metrics';
import { addMessageHooks } from './hooks';
import { packageInfo } from './package-info';
import { ReplayWatch } from './replay-watch';
import { registerRoutes } from './routes';
import { OpsTracker } from './state';

export const COMMS_TOPIC = 'flowguard/ops';
const PUBLISH_EVERY_MS = 1000;

export interface OpsHandle {
  tracker: OpsTracker;
  replays: ReplayWatch;
  /** removes the hooks, listeners and timer (the routes stay registered and answer 503) */
  stop(): void;
  /** publishes now if something changed (the timer calls it every second) */
  publish(): void;
}

/** The started instance: a second start (tests, a re-registered plugin) stops it first. */
let running: OpsHandle | undefined;

export function startOps(RED: any, metrics: FlowGuardMetrics = sharedMetrics): OpsHandle {
  running?.stop();
  const replays = new ReplayWatch();
  const tracker = new OpsTracker(RED, metrics, { module: packageInfo().name, replays: () => replays.outcomes() });
  const removeHooks = RED.hooks ? addMessageHooks(RED.hooks, metrics) : () => undefined;
  const removeReplayHooks = RED.hooks ? replays.attach(RED.hooks) : () => undefined;
  if (!RED.hooks) RED.log?.warn?.('[flowguard-ops] this runtime has no message hooks: received / sent / errors and replay outcomes are not tracked');
  registerRoutes(RED, metrics, () => running?.tracker);

  let published = '';
  const publish = () => {
    const version = `${metrics.version}:${tracker.version}:${replays.version}`;
    if (version === published) return;
    published = version;
    RED.comms.publish(COMMS_TOPIC, tracker.state(), true);
  };
  const timer = setInterval(publish, PUBLISH_EVERY_MS);
  timer.unref();

  const handle: OpsHandle = {
    tracker,
    replays,
    publish,
    stop() {
      clearInterval(timer);
      removeHooks();
      removeReplayHooks();
      tracker.stop();
      if (running?.tracker === tracker) running = undefined;
    },
  };
  running = handle;
  return handle;
}
