/**
 * Decides when output frames are written so that the output runs at the source's frame rate
 * whatever the model's speed.
 *
 * Output frames are "slots". A slot opens for every frame the source delivers, and also when
 * the wall clock says a frame is due (half an interval late) and the source has not delivered
 * it: slots opened = max(source frames, wall-clock frames since the first frame). A slot is
 * filled with the next cartoon that comes out of the model, at once; when another slot opens
 * first, the overdue one is filled with the latest cartoon again (a repeat). So:
 *
 * - model faster than the source: one fresh cartoon per source frame, written as soon as ready;
 * - model slower: repeats of the latest cartoon keep the rate, nothing waits for the model;
 * - source stalls or runs slow (a dim webcam halving its rate, a network hiccup): the wall
 *   clock keeps the output going at the nominal rate;
 * - source runs fast for a while (ffmpeg catching up after a stall, -re's initial burst):
 *   no extra slots until it is ahead of the wall clock, so the frame count stays right.
 *
 * For file inputs the wall clock is off (see wallClock). Before the first cartoon exists, slots
 * wait (up to maxOpen); the first cartoon fills them.
 */
export interface PacerOptions<F> {
  readonly intervalMs: number;
  /**
   * Open slots on the wall clock too (default true): for cameras and streams, which can stall or
   * slow down. Off for files read with -re: their frames are the clock, and a late frame is
   * ffmpeg short of CPU, not a missing frame.
   */
  readonly wallClock?: boolean;
  /** Writes one output frame; `fresh` is false for a repeat of a frame already written. */
  readonly write: (frame: F, fresh: boolean) => void;
  /** Slots that may wait for the first cartoon; older ones are skipped. Default: 10 s worth. */
  readonly maxOpen?: number;
  readonly now?: () => number;
  /** Calls fn after ms; returns a cancel function. */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
}

export interface PacerStats {
  readonly sourceFrames: number;
  readonly written: number;
  readonly fresh: number;
  readonly repeated: number;
  /** Slots given up because no cartoon came for too long at the start. */
  readonly skipped: number;
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

export class Pacer<F> {
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  private readonly maxOpen: number;
  private startedAt: number | undefined;
  private sourceFrames = 0;
  private opened = 0;
  private open = 0;
  private latest: F | undefined;
  private latestWritten = false;
  private cancelTimer: (() => void) | undefined;
  private finished = false;
  private sourceDone = false;
  private written = 0;
  private fresh = 0;
  private repeated = 0;
  private skipped = 0;

  constructor(private readonly options: PacerOptions<F>) {
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${options.intervalMs}`);
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? defaultSchedule;
    this.maxOpen = options.maxOpen ?? Math.ceil(10_000 / options.intervalMs);
  }

  /** The source delivered a frame. */
  sourceFrame(): void {
    if (this.finished || this.sourceDone) return;
    this.startedAt ??= this.now();
    this.sourceFrames++;
    this.catchUp();
  }

  /** A new cartoon is ready: it fills the open slots at once. */
  deliver(frame: F): void {
    if (this.finished) return;
    this.latest = frame;
    this.latestWritten = false;
    this.fillOpen();
  }

  /** The source has ended: no more slots open (the ones open still get the cartoons to come). */
  sourceEnded(): void {
    this.sourceDone = true;
    this.cancelTimer?.();
  }

  /** The model is drained too: fills what is still open with the latest cartoon. */
  finish(): void {
    if (this.finished) return;
    this.fillOpen();
    this.finished = true;
    this.cancelTimer?.();
  }

  stats(): PacerStats {
    return { sourceFrames: this.sourceFrames, written: this.written, fresh: this.fresh, repeated: this.repeated, skipped: this.skipped };
  }

  /** Slots the wall clock says are due: frame k (0-based) is due at start + k intervals, with half an interval of grace. */
  private wallSlots(): number {
    if (this.startedAt === undefined || this.options.wallClock === false) return 0;
    return Math.max(0, Math.floor((this.now() - this.startedAt) / this.options.intervalMs - 0.5) + 1);
  }

  private catchUp(): void {
    const target = Math.max(this.sourceFrames, this.wallSlots());
    while (this.opened < target) this.openSlot();
    this.arm();
  }

  private openSlot(): void {
    // A new slot makes the open ones overdue: they get the latest cartoon again.
    if (this.latest !== undefined) this.fillOpen();
    this.open++;
    this.opened++;
    if (this.open > this.maxOpen) {
      this.open--;
      this.skipped++;
    }
  }

  private fillOpen(): void {
    const frame = this.latest;
    if (frame === undefined) return;
    while (this.open > 0) {
      this.open--;
      this.written++;
      if (this.latestWritten) this.repeated++;
      else this.fresh++;
      this.options.write(frame, !this.latestWritten);
      this.latestWritten = true;
    }
  }

  private arm(): void {
    this.cancelTimer?.();
    if (this.finished || this.sourceDone || this.startedAt === undefined || this.options.wallClock === false) return;
    const due = this.startedAt + (this.opened + 0.5) * this.options.intervalMs;
    this.cancelTimer = this.schedule(() => this.catchUp(), Math.max(0, due - this.now()));
  }
}
