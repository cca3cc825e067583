/** Frames per second over a sliding time window, and the time left at that rate. */
export class RateMeter {
  private readonly samples: Array<{ t: number; frames: number }> = [];

  constructor(private readonly windowMs = 3000) {}

  add(frames: number, t = performance.now()): void {
    this.samples.push({ t, frames });
    while (this.samples.length > 2 && t - (this.samples[1]?.t ?? t) > this.windowMs) this.samples.shift();
  }

  fps(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 250) return undefined;
    return ((last.frames - first.frames) * 1000) / (last.t - first.t);
  }

  etaS(framesDone: number, framesTotal: number): number | undefined {
    const fps = this.fps();
    if (!fps || fps <= 0) return undefined;
    return Math.max(0, framesTotal - framesDone) / fps;
  }
}
