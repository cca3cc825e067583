/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import { nativeAddon, type NativeAddon } from '../../src/pipeline/native';
import { resizeRgb, resizeWithSharp } from '../../src/pipeline/resize';
import { PIPELINE_FIXTURES, frameDifference, loadRgb, resizeTo } from '../../scripts/bench/pipeline-media';

// The pipeline resizes every incoming frame in native/ (to the model's working size, and to the
// output size when that differs); without the addon libvips (sharp) does it. Both must give the
// model the same picture.

let addon: NativeAddon;
let photo: Frame;

beforeAll(async () => {
  const loaded = nativeAddon();
  if (!loaded) throw new Error('the native addon is not built (npm run install)');
  addon = loaded;
  photo = await resizeTo(await loadRgb(join(PIPELINE_FIXTURES, 'astronaut-512.jpg')), 640, 360);
});

async function nativeResize(frame: Frame, width: number, height: number, genericKernels = false): Promise<Frame> {
  const output = new Uint8Array(width * height * 3);
  await addon.resize({ src: frame.data, width: frame.width, height: frame.height, output, outputWidth: width, outputHeight: height, genericKernels });
  return { data: output, width, height };
}

/** Plain bilinear upsampling with half-pixel centres (OpenCV's INTER_LINEAR, ONNX's half_pixel). */
function bilinearReference(frame: Frame, width: number, height: number): Frame {
  const out = new Uint8Array(width * height * 3);
  const axis = (x: number, out: number, inp: number): [number, number, number] => {
    const src = Math.min(Math.max(((x + 0.5) * inp) / out - 0.5, 0), inp - 1);
    const i0 = Math.floor(src);
    return [i0, Math.min(i0 + 1, inp - 1), src - i0];
  };
  for (let y = 0; y < height; y++) {
    const [y0, y1, ty] = axis(y, height, frame.height);
    for (let x = 0; x < width; x++) {
      const [x0, x1, tx] = axis(x, width, frame.width);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number): number => frame.data[(yy * frame.width + xx) * 3 + c];
        const top = at(y0, x0) + tx * (at(y0, x1) - at(y0, x0));
        const bottom = at(y1, x0) + tx * (at(y1, x1) - at(y1, x0));
        out[(y * width + x) * 3 + c] = Math.round(top + ty * (bottom - top));
      }
    }
  }
  return { data: out, width, height };
}

describe('native resize', () => {
  it.each([
    [448, 256],
    [447, 255],
    [320, 180],
    [211, 97],
  ])('shrinks 640x360 to %ix%i as libvips does (within 3 levels, 0.3 on average)', async (width, height) => {
    const [native, vips] = await Promise.all([nativeResize(photo, width, height), resizeWithSharp(photo, width, height)]);
    const diff = frameDifference(native, vips);
    expect(diff.max).toBeLessThanOrEqual(3);
    expect(diff.mean).toBeLessThan(0.3);
  });

  it('enlarges as plain bilinear interpolation does (within 1 level)', async () => {
    const small = await nativeResize(photo, 160, 90);
    const diff = frameDifference(await nativeResize(small, 333, 187), bilinearReference(small, 333, 187));
    expect(diff.max).toBeLessThanOrEqual(1);
  });

  it('keeps a flat colour flat at any size, the edges included', async () => {
    const flat: Frame = { data: new Uint8Array(641 * 359 * 3).fill(0).map((_, i) => [200, 17, 94][i % 3]), width: 641, height: 359 };
    for (const [w, h] of [[448, 256], [1, 1], [3, 2], [1283, 719]]) {
      const out = await nativeResize(flat, w, h);
      expect(out.data.every((v, i) => v === [200, 17, 94][i % 3])).toBe(true);
    }
    const tiny: Frame = { data: new Uint8Array([10, 20, 30]), width: 1, height: 1 };
    expect(Array.from((await nativeResize(tiny, 2, 3)).data)).toEqual([10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30]);
  });

  it('gives the same result with the kernels built for any CPU (within 1 level)', async () => {
    for (const [w, h] of [[448, 256], [1280, 720]]) {
      const [a, b] = await Promise.all([nativeResize(photo, w, h), nativeResize(photo, w, h, true)]);
      expect(frameDifference(a, b).max).toBeLessThanOrEqual(1);
    }
  });

  it('is what the pipeline uses, and returns a frame of the right size untouched', async () => {
    const resized = await resizeRgb(photo, 448, 256);
    expect(frameDifference(resized, await nativeResize(photo, 448, 256)).max).toBe(0);
    expect(await resizeRgb(photo, 640, 360)).toBe(photo);
  });

  it('rejects bad arguments with a TypeError naming the field, and keeps working', () => {
    const output = new Uint8Array(448 * 256 * 3);
    const args = { src: photo.data, width: 640, height: 360, output, outputWidth: 448, outputHeight: 256 };
    expect(() => addon.resize({ ...args, output: new Uint8Array(10) })).toThrow(/resize: output must be a Uint8Array of 344064 elements/);
    expect(() => addon.resize({ ...args, width: 0 })).toThrow(/resize: width must be a positive integer/);
    expect(() => addon.resize({ ...args, src: new Float32Array(640 * 360 * 3) as unknown as Uint8Array })).toThrow(/resize: src must be a Uint8Array/);
    expect(() => (addon.resize as unknown as (x: unknown) => unknown)(undefined)).toThrow(/resize takes one object argument/);
    return expect(addon.resize(args)).resolves.toBeUndefined();
  });
});
