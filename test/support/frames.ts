import type { Frame } from '../../src/engine/types';

export interface FrameDifference {
  /** The largest per-channel difference. */
  readonly max: number;
  /** Mean per-channel absolute difference. */
  readonly mean: number;
  /** Share of channel values that differ at all. */
  readonly differing: number;
}

/** How far two frames of the same size are apart, channel by channel. */
export function frameDifference(a: Frame, b: Frame): FrameDifference {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`frames differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  let max = 0;
  let sum = 0;
  let differing = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.data.length, differing: differing / a.data.length };
}
