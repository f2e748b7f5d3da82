/**
 * Node-RED plugin "flowguard-ops": the runtime side of the FlowGuard sidebar tab, the ops page and the optional
 * Prometheus endpoint (see docs/ops-dashboard.md). The editor side is flowguard-ops.html beside this file.
 */
import { startOps } from './runtime';

export = function (RED: any) {
  RED.plugins.registerPlugin('flowguard-ops', {
    type: 'flowguard-ops',
    onadd: () => {
      startOps(RED);
    },
  });
};
