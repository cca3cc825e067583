import type { Clock } from './clock';

export type DropReason = 'superseded' | 'deadline' | 'closed';

export type Outcome<R> =
  | { readonly status: 'done'; readonly result: R }
  | { readonly status: 'dropped'; readonly reason: DropReason };

/** A frame waiting in (or taken from) the batcher. */
export interface BatchItem<P> {
  readonly streamId: string;
  /** Items batch together only with items of the same key (the working shape). */
  readonly shapeKey: string;
  readonly payload: P;
  readonly enqueuedAt: number;
  /** Absolute clock time; an item still waiting at or after it is dropped, never run. */
  readonly deadlineAt?: number;
}

export interface Ticket<R> {
  readonly outcome: Promise<Outcome<R>>;
  /** Withdraws the item if it is still waiting (resolves it as 'superseded'); false if already taken. */
  cancel(): boolean;
}

export interface BatchInfo {
  readonly shapeKey: string;
  readonly size: number;
  /** How long each item waited, ms. */
  readonly queueDelaysMs: readonly number[];
}

export interface BatcherOptions<P, R> {
  readonly maxBatchSize: number;
  /** The oldest waiting item is dispatched at the latest this long after it arrived. */
  readonly maxQueueDelayMs: number;
  /** Batches allowed to run at once (1 on a CPU, 2 on a GPU to overlap copies with compute). */
  readonly maxInflight: number;
  readonly clock: Clock;
  /** Runs one batch; must resolve with one result per item, in order. */
  run(items: readonly BatchItem<P>[]): Promise<readonly R[]>;
  onBatch?(info: BatchInfo): void;
  onDrop?(item: BatchItem<P>, reason: DropReason): void;
}

/** A stream that sent nothing for this long no longer counts as one that may join a batch. */
const ACTIVE_WINDOW_MS = 1000;

interface Entry<P, R> {
  readonly item: BatchItem<P>;
  readonly seq: number;
  resolve(outcome: Outcome<R>): void;
  reject(error: unknown): void;
}

/**
 * Dynamic batcher shared by every stream of one model (in the manner of Triton's dynamic
 * batcher): a batch is formed when some shape group holds maxBatchSize items, when the oldest
 * item has waited maxQueueDelayMs, or at once when every recently active stream of that shape
 * already has a frame waiting. Within a group, streams are served round-robin, least recently
 * served first, so one busy offline stream cannot starve live ones.
 */
export class DynamicBatcher<P, R> {
  private waiting: Entry<P, R>[] = [];
  private inflight = 0;
  private seq = 0;
  private serveSeq = 0;
  private readonly lastServed = new Map<string, number>();
  /** When each stream last submitted, and with which shape: who could still join a batch. */
  private readonly lastSeen = new Map<string, { at: number; shapeKey: string }>();
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: BatcherOptions<P, R>) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    if (!(options.maxQueueDelayMs >= 0)) throw new RangeError('maxQueueDelayMs must be >= 0');
    if (!Number.isInteger(options.maxInflight) || options.maxInflight < 1) {
      throw new RangeError('maxInflight must be a positive integer');
    }
  }

  /** Items waiting to be batched. */
  get depth(): number {
    return this.waiting.length;
  }

  submit(streamId: string, shapeKey: string, payload: P, deadlineAt?: number): Ticket<R> {
    let entry!: Entry<P, R>;
    const outcome = new Promise<Outcome<R>>((resolve, reject) => {
      entry = {
        item: { streamId, shapeKey, payload, enqueuedAt: this.options.clock.now(), deadlineAt },
        seq: this.seq++,
        resolve,
        reject,
      };
    });
    if (this.closed) {
      entry.resolve({ status: 'dropped', reason: 'closed' });
      return { outcome, cancel: () => false };
    }
    this.waiting.push(entry);
    this.lastSeen.set(streamId, { at: entry.item.enqueuedAt, shapeKey });
    this.schedule();
    return { outcome, cancel: () => this.withdraw(entry, 'superseded') };
  }

  /** Records that a stream is active with this shape (as a submit would) without queuing anything. */
  touch(streamId: string, shapeKey: string): void {
    this.lastSeen.set(streamId, { at: this.options.clock.now(), shapeKey });
  }

  /** Forgets a closed stream's history (its waiting items stay). */
  forget(streamId: string): void {
    this.lastServed.delete(streamId);
    this.lastSeen.delete(streamId);
  }

  /** Drops everything still waiting and resolves once running batches have finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    for (const entry of this.waiting.splice(0)) this.drop(entry, 'closed');
    if (this.inflight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private withdraw(entry: Entry<P, R>, reason: DropReason): boolean {
    const index = this.waiting.indexOf(entry);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    this.drop(entry, reason);
    this.schedule();
    return true;
  }

  private drop(entry: Entry<P, R>, reason: DropReason): void {
    this.options.onDrop?.(entry.item, reason);
    entry.resolve({ status: 'dropped', reason });
  }

  private dropExpired(now: number): void {
    const expired = this.waiting.filter((e) => e.item.deadlineAt !== undefined && e.item.deadlineAt <= now);
    if (expired.length === 0) return;
    this.waiting = this.waiting.filter((e) => !expired.includes(e));
    for (const entry of expired) this.drop(entry, 'deadline');
  }

  private schedule(): void {
    if (this.closed) return;
    const { clock, maxBatchSize, maxQueueDelayMs, maxInflight } = this.options;
    while (this.inflight < maxInflight) {
      const now = clock.now();
      this.dropExpired(now);
      if (this.waiting.length === 0) break;
      const groups = new Map<string, Entry<P, R>[]>();
      for (const entry of this.waiting) {
        const group = groups.get(entry.item.shapeKey);
        if (group) group.push(entry);
        else groups.set(entry.item.shapeKey, [entry]);
      }
      // `waiting` is in arrival order, so each group's first entry is its oldest and the first
      // group is the one holding the oldest item overall.
      let chosen: Entry<P, R>[] | undefined;
      for (const group of groups.values()) {
        if (group.length >= maxBatchSize) {
          chosen = group;
          break;
        }
      }
      const oldest = this.waiting[0];
      const oldestGroup = groups.get(oldest.item.shapeKey)!;
      if (!chosen && (now - oldest.item.enqueuedAt >= maxQueueDelayMs || this.nobodyElseComing(oldestGroup, now))) {
        chosen = oldestGroup;
      }
      if (!chosen) {
        this.armTimer(oldest.item.enqueuedAt + maxQueueDelayMs, now);
        return;
      }
      this.dispatch(this.pickFairly(chosen), now);
    }
    if (this.waiting.length === 0) this.clearTimer();
  }

  /**
   * True when every stream that recently sent frames of this shape already has one waiting:
   * waiting longer could not grow the batch, only delay it (a lone camera never waits).
   */
  private nobodyElseComing(group: Entry<P, R>[], now: number): boolean {
    const present = new Set(group.map((e) => e.item.streamId));
    const shapeKey = group[0].item.shapeKey;
    for (const [stream, seen] of this.lastSeen) {
      if (now - seen.at > ACTIVE_WINDOW_MS) this.lastSeen.delete(stream);
      else if (seen.shapeKey === shapeKey && !present.has(stream)) return false;
    }
    return true;
  }

  /** Takes up to maxBatchSize entries: one per stream per round, least recently served stream first. */
  private pickFairly(group: Entry<P, R>[]): Entry<P, R>[] {
    const byStream = new Map<string, Entry<P, R>[]>();
    for (const entry of group) {
      const queue = byStream.get(entry.item.streamId);
      if (queue) queue.push(entry);
      else byStream.set(entry.item.streamId, [entry]);
    }
    const streams = [...byStream.keys()].sort((a, b) => {
      const d = (this.lastServed.get(a) ?? -1) - (this.lastServed.get(b) ?? -1);
      return d !== 0 ? d : byStream.get(a)![0].seq - byStream.get(b)![0].seq;
    });
    const picked: Entry<P, R>[] = [];
    for (let round = 0; picked.length < this.options.maxBatchSize; round++) {
      let tookAny = false;
      for (const stream of streams) {
        const entry = byStream.get(stream)![round];
        if (!entry) continue;
        tookAny = true;
        picked.push(entry);
        this.lastServed.set(stream, this.serveSeq++);
        if (picked.length === this.options.maxBatchSize) break;
      }
      if (!tookAny) break;
    }
    const taken = new Set(picked);
    this.waiting = this.waiting.filter((e) => !taken.has(e));
    // Keep each stream's frames in its submission order inside the batch.
    return picked.sort((a, b) => a.seq - b.seq);
  }

  private dispatch(entries: Entry<P, R>[], now: number): void {
    const items = entries.map((e) => e.item);
    this.options.onBatch?.({
      shapeKey: items[0].shapeKey,
      size: items.length,
      queueDelaysMs: items.map((i) => now - i.enqueuedAt),
    });
    this.inflight++;
    let running: Promise<readonly R[]>;
    try {
      running = this.options.run(items);
    } catch (error) {
      running = Promise.reject(error);
    }
    running
      .then((results) => {
        if (results.length !== entries.length) {
          throw new Error(`batch of ${entries.length} returned ${results.length} results`);
        }
        entries.forEach((e, i) => e.resolve({ status: 'done', result: results[i] }));
      })
      .catch((error: unknown) => entries.forEach((e) => e.reject(error)))
      .finally(() => {
        this.inflight--;
        if (this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.schedule();
      });
  }

  private armTimer(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.schedule();
    }, Math.max(0, at - now));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
