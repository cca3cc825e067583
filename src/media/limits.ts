import { MediaError } from './errors';
import type { MediaInfo } from './types';
import { rationalValue } from './rational';

export interface MediaLimits {
  /** Longest accepted video, seconds. */
  readonly maxDurationS: number;
  /** Largest accepted picture, width x height pixels. */
  readonly maxPixels: number;
  /** Highest accepted frame rate. */
  readonly maxFps: number;
}

/** Throws a MediaError naming the limit when the probed video exceeds one. */
export function checkLimits(info: MediaInfo, limits: MediaLimits): void {
  const v = info.video;
  const duration = Math.max(info.durationS, v.durationS);
  if (duration > limits.maxDurationS) {
    throw new MediaError('too_long', `the video is ${duration.toFixed(1)} s long; the limit is ${limits.maxDurationS} s`);
  }
  const pixels = v.width * v.height;
  if (pixels > limits.maxPixels) {
    throw new MediaError(
      'too_large',
      `the video is ${v.width}x${v.height} (${pixels} pixels); the limit is ${limits.maxPixels} pixels per frame`,
    );
  }
  const fps = rationalValue(v.frameRate);
  if (fps > limits.maxFps) {
    throw new MediaError('too_fast', `the video runs at ${fps.toFixed(2)} fps; the limit is ${limits.maxFps} fps`);
  }
}
