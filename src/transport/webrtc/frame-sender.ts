import type { LiveResult } from '../live-stream';
import { rgbToI420 } from './color';
import { nonstandard, type I420Frame } from './wrtc';

type VideoSource = InstanceType<typeof nonstandard.RTCVideoSource>;

/**
 * Puts a live stream's results on an RTCVideoSource in arrival order: cartoons are converted to
 * I420 first (conversions may finish out of order), passthrough frames go as they came, dropped
 * ones not at all.
 */
export class FrameSender {
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly source: VideoSource,
    private readonly onError: (error: unknown) => void,
  ) {}

  send(result: LiveResult<I420Frame>): void {
    if (result.kind === 'dropped' || this.stopped) return;
    const out = result.kind === 'passthrough' ? Promise.resolve(result.input) : rgbToI420(result.frame);
    this.tail = Promise.all([out, this.tail]).then(([i420]) => {
      if (!this.stopped) this.source.onFrame(i420);
    }, this.onError);
  }

  stop(): void {
    this.stopped = true;
  }
}
