import { MediaError } from './errors';
import type { MediaInfo, Rational } from './types';

export const DEFAULT_MAX_OUTPUT_HEIGHT = 1080;
export const MIN_OUTPUT_HEIGHT = 16;
export const MAX_OUTPUT_HEIGHT = 2160;
/** The frame pipeline's largest output side. */
export const MAX_OUTPUT_SIDE = 4096;

export interface OutputGeometry {
  readonly width: number;
  readonly height: number;
  /** Pixel aspect ratio written to the output; the input's, swapped when it was rotated. */
  readonly sar: Rational;
}

const even = (x: number): number => Math.max(2, 2 * Math.round(x / 2));

/**
 * Output size: the upright (autorotated) input size, scaled to `height` when given, else kept
 * up to "1080p" (the short side at most 1080, so a 1080x1920 phone video stays as it is),
 * keeping the aspect ratio. yuv420p needs even sizes, so both sides are rounded to the nearest
 * even number (641x359 becomes 642x360).
 */
export function outputGeometry(info: MediaInfo, height?: number): OutputGeometry {
  const v = info.video;
  const short = Math.min(v.displayWidth, v.displayHeight);
  const target = height ?? (v.displayHeight * Math.min(short, DEFAULT_MAX_OUTPUT_HEIGHT)) / short;
  const h = even(target);
  const w = even((v.displayWidth * h) / v.displayHeight);
  const swapped = v.rotation === 90 || v.rotation === 270;
  return { width: w, height: h, sar: swapped ? { num: v.sar.den, den: v.sar.num } : v.sar };
}

/** Throws a MediaError when the output would be wider or taller than the pipeline handles. */
export function checkOutputSize(geo: OutputGeometry): void {
  if (geo.width > MAX_OUTPUT_SIDE || geo.height > MAX_OUTPUT_SIDE) {
    throw new MediaError('too_large', `the output would be ${geo.width}x${geo.height}; sides above ${MAX_OUTPUT_SIDE} px are not supported (choose a smaller height)`);
  }
}
