/**
 * Keys ordered by expiry time (a binary min-heap), so a store can drop what has expired in O(log n) per key instead
 * of scanning every key. Entries are never updated in place: a key whose expiry changed is pushed again, and the
 * caller ignores popped entries whose time no longer matches the key's current expiry.
 */
export class ExpiryHeap {
  private times: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.times.length;
  }

  push(key: string, expiresAt: number): void {
    const { times, keys } = this;
    let i = times.length;
    times.push(expiresAt);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent] <= expiresAt) break;
      times[i] = times[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    times[i] = expiresAt;
    keys[i] = key;
  }

  /** Removes every entry with a time <= now, calling `expired(key, time)` for each, earliest first. */
  popExpired(now: number, expired: (key: string, expiresAt: number) => void): void {
    const { times, keys } = this;
    while (times.length > 0 && times[0] <= now) {
      const key = keys[0];
      const time = times[0];
      const lastTime = times.pop()!;
      const lastKey = keys.pop()!;
      if (times.length > 0) this.siftDown(lastKey, lastTime);
      expired(key, time);
    }
  }

  private siftDown(key: string, time: number): void {
    const { times, keys } = this;
    const n = times.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1] < times[child]) child++;
      if (times[child] >= time) break;
      times[i] = times[child];
      keys[i] = keys[child];
      i = child;
    }
    times[i] = time;
    keys[i] = key;
  }
}
