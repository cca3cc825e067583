/** Size the e2e tests draw video frames at before comparing them. */
export const FRAME_SIZE = { w: 160, h: 90 } as const;

/**
 * Mean |a - b| and mean |a + b - 255| over the RGB values of two RGBA frames of FRAME_SIZE, each
 * the lowest over small shifts of b: the cartoon lags the camera it is compared with by the round
 * trip while the camera pans, so the frames are compared where they line up best. `inverse` near
 * 0 means b is the colour negative of a (the toon-invert test model).
 */
export function compareFrames(a: readonly number[], b: readonly number[]): { diff: number; inverse: number } {
  const { w, h } = FRAME_SIZE;
  let best = { diff: Infinity, inverse: Infinity };
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -8; dx <= 8; dx++) {
      let diff = 0;
      let inverse = 0;
      let n = 0;
      for (let y = 8; y < h - 8; y++) {
        for (let x = 12; x < w - 12; x++) {
          const i = (y * w + x) * 4;
          const j = ((y + dy) * w + (x + dx)) * 4;
          for (let c = 0; c < 3; c++) {
            diff += Math.abs(a[i + c] - b[j + c]);
            inverse += Math.abs(a[i + c] + b[j + c] - 255);
            n++;
          }
        }
      }
      best = { diff: Math.min(best.diff, diff / n), inverse: Math.min(best.inverse, inverse / n) };
    }
  }
  return best;
}
