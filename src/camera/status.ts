/** Events per second over a sliding window. */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs = 2000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(): void {
    this.times.push(this.now());
    this.trim();
  }

  rate(): number {
    this.trim();
    if (this.times.length < 2) return this.times.length;
    const span = Math.max(this.now() - this.times[0], 1);
    return (this.times.length * 1000) / Math.max(span, this.windowMs / 2);
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.times.length > 0 && this.times[0] < cutoff) this.times.shift();
  }
}

export interface StatusSample {
  readonly inFps: number;
  readonly outFps: number;
  /** Fresh cartoons per second (the rest of the output is repeats). */
  readonly cartoonFps: number;
  /** Median latency the route adds; "server" in remote mode (as the server reports it). */
  readonly latencyMedianMs: number | undefined;
  readonly latencyLabel: 'latency' | 'server latency';
  readonly dropped: number;
}

export function formatStatus(s: StatusSample): string {
  const latency = s.latencyMedianMs === undefined || !Number.isFinite(s.latencyMedianMs) ? '--' : `${Math.round(s.latencyMedianMs)} ms`;
  return (
    `in ${s.inFps.toFixed(1)} fps | out ${s.outFps.toFixed(1)} fps (${s.cartoonFps.toFixed(1)} new) | ` +
    `${s.latencyLabel} ${latency} median | dropped ${s.dropped}`
  );
}

/** The live status line on stderr: redrawn in place on a terminal, a plain line every few seconds otherwise. */
export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private ticks = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly sample: () => StatusSample,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private draw(): void {
    const line = formatStatus(this.sample());
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (++this.ticks % 5 === 0) {
      this.out.write(`${line}\n`);
    }
  }
}
