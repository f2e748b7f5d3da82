/**
 * Gathers items that arrive one by one into batches written by one call each, and answers every item on its own.
 * A batch is sent when it holds `maxSize` items, when `windowMs` has passed since its first item, or when an item
 * arrives whose key is already in it (one batch never holds a key twice: services refuse duplicate ids in one call,
 * and the later write must land after the earlier one). Batches are written one at a time, in order, so writes of one
 * key keep their arrival order. While a batch is being written the next one keeps filling, up to `maxSize`.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface MicroBatcherOptions<I, R> {
  /** How long the first item of a batch waits for others (ms). */
  windowMs: number;
  /** Most items per batch (the service's limit per call). */
  maxSize: number;
  /** Writes one batch; returns one outcome per item, in order. A throw fails every item of the batch with it. */
  write(items: I[]): Promise<Outcome<R>[]>;
  /** Items with the same key are never in one batch; undefined: no key. */
  keyOf?(item: I): string | undefined;
  /** Called as each batch starts, with its size and the running totals. */
  onBatch?(size: number, totals: BatchTotals): void;
}

export interface BatchTotals { batches: number; items: number; largest: number }

interface Entry<I, R> { item: I; resolve(value: R): void; reject(err: unknown): void }

export class MicroBatcher<I, R> {
  readonly totals: BatchTotals = { batches: 0, items: 0, largest: 0 };
  private open: Entry<I, R>[] = [];
  private openKeys = new Set<string>();
  private full: Entry<I, R>[][] = [];
  private timer?: NodeJS.Timeout;
  /** the open batch's window has passed: send it as soon as the writer is free */
  private due = false;
  private writing?: Promise<void>;

  constructor(private readonly opts: MicroBatcherOptions<I, R>) {
    if (!(opts.maxSize >= 1)) throw new Error(`maxSize must be 1 or more, not ${opts.maxSize}`);
    if (!(opts.windowMs >= 0)) throw new Error(`windowMs must be 0 or more, not ${opts.windowMs}`);
  }

  /** Queues one item; resolves with its own result or rejects with its own error. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const key = this.opts.keyOf?.(item);
      if (key !== undefined && this.openKeys.has(key)) this.closeOpen();
      this.open.push({ item, resolve, reject });
      if (key !== undefined) this.openKeys.add(key);
      if (this.open.length >= this.opts.maxSize) this.closeOpen();
      else if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.drain();
        }, this.opts.windowMs);
      }
    });
  }

  /** Sends everything queued now, without waiting for windows; resolves when all of it has been answered. */
  async flush(): Promise<void> {
    this.due = true;
    this.drain();
    while (this.writing) await this.writing;
  }

  /** Moves the open batch to the queue of full ones and writes it when its turn comes. */
  private closeOpen(): void {
    if (this.open.length === 0) return;
    this.full.push(this.open);
    this.resetOpen();
    this.drain();
  }

  private resetOpen(): void {
    this.open = [];
    this.openKeys = new Set();
    this.due = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    if (this.writing) return;
    const next = this.full.shift() ?? (this.due && this.open.length ? this.takeOpen() : undefined);
    if (!next) return;
    this.writing = this.write(next).finally(() => {
      this.writing = undefined;
      this.drain();
    });
  }

  private takeOpen(): Entry<I, R>[] {
    const batch = this.open;
    this.resetOpen();
    return batch;
  }

  private async write(batch: Entry<I, R>[]): Promise<void> {
    this.totals.batches++;
    this.totals.items += batch.length;
    this.totals.largest = Math.max(this.totals.largest, batch.length);
    this.opts.onBatch?.(batch.length, { ...this.totals });
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.opts.write(batch.map((e) => e.item));
      if (outcomes.length !== batch.length) throw new Error(`the batch writer answered ${outcomes.length} outcomes for ${batch.length} items`);
    } catch (err) {
      for (const entry of batch) entry.reject(err);
      return;
    }
    batch.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}
