// Preloaded (`node -r`) into a real Node-RED process by the start-up checks (scripts/node-red-boot.js). Asked 'report'
// over IPC, it answers what the process has loaded (module files, built-in modules), its RSS after a full GC and the
// process warnings seen so far. It changes nothing in the process: Node still prints its warnings as usual.
'use strict';
const warnings = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));
process.on('message', (message) => {
  if (message !== 'report') return;
  if (global.gc) {
    global.gc();
    global.gc();
  }
  process.send({
    rss: process.memoryUsage().rss,
    files: Object.keys(require.cache),
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
    warnings,
  });
});
