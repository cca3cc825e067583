/**
 * Test media and quality measures for the pipeline's tests and benchmarks. Frames are made from
 * real photos with exactly known motion (integer pans, zooms by known crops), so flicker can be
 * measured against the true motion. The per-pixel loops here are measurement code, never part
 * of the frame path.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import type { Frame } from '../../src/engine/types';
import { repoRoot } from '../../src/paths';

export const PIPELINE_FIXTURES = join(repoRoot, 'test', 'fixtures', 'pipeline');

export async function loadRgb(path: string): Promise<Frame> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

export async function resizeTo(frame: Frame, width: number, height: number): Promise<Frame> {
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

export interface Crop {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Cuts `crop` out of `source` and scales it to width x height. */
export async function cropResize(source: Frame, crop: Crop, width: number, height: number): Promise<Frame> {
  const data = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
    .extract(crop)
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/** Deterministic sensor-like noise (uniform, +-amplitude), as a camera would add per frame. */
export function addNoise(frame: Frame, amplitude: number, seed: number): Frame {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Uint8Array(frame.data.length);
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const n = ((s >>> 0) / 4294967296 - 0.5) * 2 * amplitude;
    out[i] = Math.max(0, Math.min(255, Math.round(frame.data[i] + n)));
  }
  return { ...frame, data: out };
}

/** Maps a pixel of frame t to frame t-1 (known motion), or null when it was not visible. */
export type Motion = (x: number, y: number) => readonly [number, number] | null;

export interface Clip {
  readonly frames: Frame[];
  /** motions[t] maps frame t (t >= 1) to frame t-1. */
  readonly motions: Motion[];
}

/**
 * A pan: the camera moves `step` source px per frame to the right (content moves left), showing a
 * cropWidth x cropHeight window scaled to width x height.
 */
export async function panClip(
  source: Frame, width: number, height: number, count: number, step: number, noise: number,
  cropWidth = width, cropHeight = height,
): Promise<Clip> {
  const frames: Frame[] = [];
  const motions: Motion[] = [];
  const top = Math.floor((source.height - cropHeight) / 2);
  if (count * step + cropWidth > source.width || cropHeight > source.height) throw new RangeError('pan leaves the source image');
  const shift = (step * width) / cropWidth;
  for (let t = 0; t < count; t++) {
    const crop = { left: t * step, top, width: cropWidth, height: cropHeight };
    frames.push(addNoise(await cropResize(source, crop, width, height), noise, t + 1));
    motions.push((x, y) => (x + shift <= width - 1 ? [x + shift, y] : null));
  }
  return { frames, motions };
}

/** A zoom in about the centre by `rate` per frame, cropping the source and scaling to the output size. */
export async function zoomClip(source: Frame, width: number, height: number, count: number, rate: number, noise: number): Promise<Clip> {
  const frames: Frame[] = [];
  const crops: Crop[] = [];
  const aspect = width / height;
  const h0 = Math.min(source.height, Math.floor(source.width / aspect));
  for (let t = 0; t < count; t++) {
    const h = Math.round(h0 / Math.pow(1 + rate, t));
    const w = Math.round(h * aspect);
    const crop = { left: Math.floor((source.width - w) / 2), top: Math.floor((source.height - h) / 2), width: w, height: h };
    crops.push(crop);
    frames.push(addNoise(await cropResize(source, crop, width, height), noise, t + 1));
  }
  const motions: Motion[] = crops.map((c, t) => {
    const p = crops[Math.max(0, t - 1)];
    return (x, y) => {
      const sx = c.left + ((x + 0.5) * c.width) / width;
      const sy = c.top + ((y + 0.5) * c.height) / height;
      const px = ((sx - p.left) * width) / p.width - 0.5;
      const py = ((sy - p.top) * height) / p.height - 0.5;
      return px >= 0 && py >= 0 && px <= width - 1 && py <= height - 1 ? [px, py] : null;
    };
  });
  return { frames, motions };
}

function sample(frame: Frame, x: number, y: number, c: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(frame.width - 1, x0 + 1);
  const y1 = Math.min(frame.height - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const d = frame.data;
  const w = frame.width;
  const a = d[(y0 * w + x0) * 3 + c] * (1 - fx) + d[(y0 * w + x1) * 3 + c] * fx;
  const b = d[(y1 * w + x0) * 3 + c] * (1 - fx) + d[(y1 * w + x1) * 3 + c] * fx;
  return a * (1 - fy) + b * fy;
}

/**
 * Warping error (Lai et al., ECCV 2018): mean over t of the mean squared difference between
 * output t and output t-1 warped by the true motion, over pixels visible in both, on 0..1
 * intensities. The first `skip` frames are left out (smoothing warms up).
 */
export function warpingError(outputs: readonly Frame[], motions: readonly Motion[], skip = 1): number {
  let total = 0;
  let frames = 0;
  for (let t = Math.max(1, skip); t < outputs.length; t++) {
    const cur = outputs[t];
    const prev = outputs[t - 1];
    let sum = 0;
    let n = 0;
    for (let y = 0; y < cur.height; y++) {
      for (let x = 0; x < cur.width; x++) {
        const m = motions[t](x, y);
        if (!m) continue;
        for (let c = 0; c < 3; c++) {
          const d = (cur.data[(y * cur.width + x) * 3 + c] - sample(prev, m[0], m[1], c)) / 255;
          sum += d * d;
        }
        n += 3;
      }
    }
    total += sum / n;
    frames++;
  }
  return total / frames;
}

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

export function meanAbsDiff(a: Frame, b: Frame): number {
  return frameDifference(a, b).mean;
}

export function psnr(a: Frame, b: Frame): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    s += d * d;
  }
  const mse = s / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function luma(f: Frame): Float64Array {
  const out = new Float64Array(f.width * f.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * f.data[i * 3] + 0.587 * f.data[i * 3 + 1] + 0.114 * f.data[i * 3 + 2];
  return out;
}

/** SSIM on luma with 8x8 windows at stride 4 (Wang et al. 2004 constants). */
export function ssim(a: Frame, b: Frame): number {
  const x = luma(a);
  const y = luma(b);
  const w = a.width;
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let count = 0;
  for (let top = 0; top + 8 <= a.height; top += 4) {
    for (let left = 0; left + 8 <= w; left += 4) {
      let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
      for (let j = 0; j < 8; j++) {
        for (let i = 0; i < 8; i++) {
          const k = (top + j) * w + left + i;
          mx += x[k];
          my += y[k];
          xx += x[k] * x[k];
          yy += y[k] * y[k];
          xy += x[k] * y[k];
        }
      }
      mx /= 64; my /= 64;
      const vx = xx / 64 - mx * mx;
      const vy = yy / 64 - my * my;
      const cxy = xy / 64 - mx * my;
      total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

/**
 * Per row, the sub-pixel x where luma crosses the midpoint between `dark` and `bright` going left
 * to right inside [from, to); NaN when it doesn't cross.
 */
export function edgeCrossings(f: Frame, from: number, to: number, dark: number, bright: number): number[] {
  const mid = (dark + bright) / 2;
  const rows: number[] = [];
  for (let y = 0; y < f.height; y++) {
    let found = NaN;
    for (let x = from; x + 1 < to; x++) {
      const k = (y * f.width + x) * 3;
      const a = 0.299 * f.data[k] + 0.587 * f.data[k + 1] + 0.114 * f.data[k + 2];
      const b = 0.299 * f.data[k + 3] + 0.587 * f.data[k + 4] + 0.114 * f.data[k + 5];
      if (a < mid && b >= mid) {
        found = x + (mid - a) / (b - a);
        break;
      }
    }
    rows.push(found);
  }
  return rows;
}

/** Pixels per row where luma lies strictly between 10% and 90% of the dark..bright step (edge width). */
export function edgeWidth(f: Frame, from: number, to: number, dark: number, bright: number): number {
  const lo = dark + 0.1 * (bright - dark);
  const hi = dark + 0.9 * (bright - dark);
  let n = 0;
  for (let y = 0; y < f.height; y++) {
    for (let x = from; x < to; x++) {
      const k = (y * f.width + x) * 3;
      const l = 0.299 * f.data[k] + 0.587 * f.data[k + 1] + 0.114 * f.data[k + 2];
      if (l > lo && l < hi) n++;
    }
  }
  return n / f.height;
}

/** Mean absolute luma difference between neighbouring pixels (right and down): a sharpness measure. */
export function gradientEnergy(f: Frame): number {
  const y = luma(f);
  const w = f.width;
  let s = 0;
  let n = 0;
  for (let r = 0; r + 1 < f.height; r++) {
    for (let c = 0; c + 1 < w; c++) {
      const k = r * w + c;
      s += Math.abs(y[k + 1] - y[k]) + Math.abs(y[k + w] - y[k]);
      n += 2;
    }
  }
  return s / n;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
