/** Working (inference) size of a frame whose output is outWidth x outHeight. */
export interface WorkingShape {
  readonly width: number;
  readonly height: number;
}

function roundTo(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}

/**
 * Scales the output size so its short side is `shortSide` (never upscaling), then rounds both
 * sides to `bucket`. Rounding is the bucketing: streams whose aspect ratios differ slightly land
 * on the same working shape and can share a batch; the small stretch this introduces is undone
 * by the guided upsampling, which resamples to the true output size.
 */
export function workingShape(outWidth: number, outHeight: number, shortSide: number, bucket: number): WorkingShape {
  const short = Math.min(outWidth, outHeight);
  const scale = Math.min(1, shortSide / short);
  return { width: roundTo(outWidth * scale, bucket), height: roundTo(outHeight * scale, bucket) };
}

export function shapeKey(shape: WorkingShape): string {
  return `${shape.width}x${shape.height}`;
}
