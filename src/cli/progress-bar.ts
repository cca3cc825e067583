/** Terminal progress for long jobs: a redrawn bar on a TTY, plain lines otherwise (logs, pipes). */
export interface ProgressSample {
  readonly done: number;
  readonly total: number;
  readonly fps?: number;
  readonly etaS?: number;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function describe(p: ProgressSample): string {
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  const fps = p.fps === undefined ? '-- fps' : `${p.fps.toFixed(1)} fps`;
  const eta = p.etaS === undefined ? 'ETA --:--' : `ETA ${formatDuration(p.etaS)}`;
  return `${pct.toFixed(0).padStart(3)}%  ${p.done}/${p.total} frames  ${fps}  ${eta}`;
}

export class ProgressBar {
  private last = 0;
  private lastPct = -1;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly width = 30,
  ) {}

  update(p: ProgressSample, now = Date.now()): void {
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
    if (this.tty) {
      if (now - this.last < 100 && p.done < p.total) return;
      const filled = Math.round((this.width * Math.min(pct, 100)) / 100);
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${describe(p)}\x1b[K`);
      this.drawn = true;
    } else {
      // A line per second at most, and at every 10% step, so logs stay short.
      if (now - this.last < 1000 && Math.floor(pct / 10) === Math.floor(this.lastPct / 10)) return;
      this.out.write(`progress ${describe(p)}\n`);
    }
    this.last = now;
    this.lastPct = pct;
  }

  /** Ends the bar's line so the next output starts on a fresh one. */
  finish(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
