// Worker for the SQLite cross-thread claim test: claims one key `claims` times concurrently, posts the wins.
import { parentPort, workerData } from 'worker_threads';
import { SqliteStore } from '../../lib/store/sqlite';

const store = new SqliteStore(workerData.file);
Promise.all(Array.from({ length: workerData.claims }, () => store.claim('threads', 'hot', 1, 60_000))).then(async (results) => {
  await store.close();
  parentPort?.postMessage(results.filter((r) => r.claimed).length);
});
