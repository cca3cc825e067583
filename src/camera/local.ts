import type { Frame } from '../engine/types';
import type { Pipeline } from '../pipeline';
import { LiveStream } from '../transport/live-stream';
import { LIVE_DEFAULTS } from '../transport/config';
import { sleep, type CartoonFrame, type Processor, type ProcessorStats } from './processor';
import type { RawFrame, Size } from './types';

export interface LocalProcessorOptions {
  readonly pipeline: Pipeline;
  readonly model: string;
  readonly strength?: number;
  readonly workingSize?: number;
  readonly size: Size;
  readonly onCartoon: (cartoon: CartoonFrame) => void;
  readonly onError?: (error: unknown) => void;
}

const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The shared pipeline in live mode, behind the same one-in-flight + one-slot mailbox as the
 * server's WebRTC sessions (LiveStream): when the model is slower than the camera, the frame
 * waiting is replaced by the newest one and latency stays at about one model time.
 */
export class LocalProcessor implements Processor {
  readonly pixelFormat = 'rgb24' as const;
  private readonly live: LiveStream<RawFrame>;
  private pushed = 0;
  private results = 0;
  private dropped = 0;

  constructor(private readonly options: LocalProcessorOptions) {
    this.live = new LiveStream<RawFrame>({
      id: 'camera',
      pipeline: options.pipeline,
      settings: { model: options.model, strength: options.strength ?? 1, passthrough: false },
      deadlineMs: LIVE_DEFAULTS.deadlineMs,
      workingShortSide: options.workingSize,
      maxInFlight: 1,
      toRgb: async (f): Promise<Frame> => ({ data: f.data, width: f.width, height: f.height }),
      onResult: (r) => {
        this.results++;
        if (r.kind === 'cartoon') options.onCartoon({ frame: r.frame, readAt: r.input.readAt });
        else this.dropped++;
      },
      onError: options.onError,
    });
  }

  /** Runs one grey frame through a throwaway stream, so the first camera frame does not pay for session start-up. */
  async warmUp(): Promise<void> {
    const { width, height } = this.options.size;
    const stream = this.options.pipeline.openStream({
      id: 'camera-warmup',
      model: this.options.model,
      mode: 'offline',
      outputWidth: width,
      outputHeight: height,
      workingShortSide: this.options.workingSize,
    });
    try {
      await stream.submit({ data: new Uint8Array(width * height * 3).fill(128), width, height });
    } finally {
      stream.close();
    }
  }

  push(frame: RawFrame): void {
    this.pushed++;
    this.live.push(frame);
  }

  async drain(): Promise<void> {
    const until = performance.now() + DRAIN_TIMEOUT_MS;
    while (this.results < this.pushed && performance.now() < until) await sleep(5);
  }

  stats(): ProcessorStats {
    return { dropped: this.dropped };
  }

  async close(): Promise<void> {
    this.live.close();
  }
}
