import { nonstandard, type AudioData } from './wrtc';

type Track = ConstructorParameters<typeof nonstandard.RTCAudioSink>[0];

const TICK_MS = 10;
/** Audio held longer than this is dropped instead of delayed further. */
const MAX_DELAY_MS = 1000;

/**
 * Sends the received audio back unchanged, delayed by about the video's current server
 * latency so lips and sound stay together. The delay follows the video latency slowly, so
 * it does not make audible jumps.
 */
export class AudioRelay {
  readonly track: Track;
  private readonly sink: InstanceType<typeof nonstandard.RTCAudioSink>;
  private readonly source = new nonstandard.RTCAudioSource();
  private readonly queue: Array<{ readonly data: AudioData; readonly at: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private delayMs = 0;
  private stopped = false;

  constructor(input: Track, private readonly targetDelayMs: () => number) {
    this.track = this.source.createTrack();
    this.sink = new nonstandard.RTCAudioSink(input);
    this.sink.ondata = (data: AudioData) => {
      // The native side may reuse its buffer after the callback.
      this.queue.push({ data: { ...data, samples: data.samples.slice() }, at: performance.now() });
    };
    this.timer = setInterval(() => this.flush(), TICK_MS);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.sink.stop();
    this.track.stop();
    this.queue.length = 0;
  }

  private flush(): void {
    const target = Math.min(MAX_DELAY_MS, Math.max(0, this.targetDelayMs()));
    this.delayMs += (target - this.delayMs) * 0.05;
    const now = performance.now();
    while (this.queue.length > 0 && now - this.queue[0].at > MAX_DELAY_MS) this.queue.shift();
    while (this.queue.length > 0 && now - this.queue[0].at >= this.delayMs) {
      this.source.onData(this.queue.shift()!.data);
    }
  }
}
