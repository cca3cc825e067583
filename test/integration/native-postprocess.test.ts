/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import { nativeAddon, nativeAddonError } from '../../src/pipeline/native';
import { Postprocessor, defaultGraphsDir, defaultPostprocessRuntime, type PostprocessInput, type PostprocessOutput } from '../../src/pipeline/postprocess';
import { PIPELINE_FIXTURES, addNoise, frameDifference, cropResize, loadRgb, resizeTo } from '../../scripts/bench/pipeline-media';

// The native post-processing (native/, the CPU's) must produce what postprocess.onnx (which GPUs
// run) produces: the same maths, float rounding aside.

let photo: Frame;
let graph: Postprocessor;
let native: Postprocessor;
let generic: Postprocessor;

beforeAll(async () => {
  photo = await loadRgb(join(PIPELINE_FIXTURES, 'astronaut-512.jpg'));
  graph = new Postprocessor(defaultGraphsDir, 'cpu', 1, 'onnx');
  native = new Postprocessor(defaultGraphsDir, 'cpu', 1, 'native');
  generic = new Postprocessor(defaultGraphsDir, 'cpu', 1, 'native', true);
});

afterAll(async () => {
  await Promise.all([graph.close(), native.close(), generic.close()]);
});

const settings = { smoothing: 0.8, strength: 1, cutThreshold: 0.12, motionTau: 16, guidedEps: 1e-3, guidedDetail: 0.5, fullResSmoothing: 1 };

/** Runs both stages on the same frame and previous state (the graph's), checks they agree. */
async function agree(input: PostprocessInput): Promise<PostprocessOutput> {
  const [g, ...natives] = await Promise.all([graph.run(input), native.run(input), generic.run(input)]);
  for (const n of natives) agreeWith(g, n);
  return g;
}

function agreeWith(g: PostprocessOutput, n: PostprocessOutput): void {
  let stateDiff = 0;
  g.state.smoothed.forEach((v, i) => (stateDiff = Math.max(stateDiff, Math.abs(v - n.state.smoothed[i]))));
  const { max, differing } = frameDifference(n.frame, g.frame);
  // Motion sums run in another order (and in double): the same estimate to within a hundredth of a pixel.
  n.motion.forEach((v, i) => expect(Math.abs(v - g.motion[i])).toBeLessThan(i < 2 ? 0.01 : 1e-5));
  expect(n.motion.map((v) => v === 0)).toEqual(g.motion.map((v) => v === 0));
  expect(Math.abs(n.change - g.change)).toBeLessThan(1e-6);
  expect(stateDiff).toBeLessThan(0.05);
  expect(max).toBeLessThanOrEqual(1);
  expect(differing).toBeLessThan(0.001);
}

/** A 16:9 window of the photo, (scale x) 384x216 px at (left, top), resized to width x height. */
async function frameAt(left: number, top: number, width: number, height: number, scale = 1): Promise<Frame> {
  const crop = { left, top, width: Math.round(384 * scale), height: Math.round(216 * scale) };
  return cropResize(photo, crop, width, height);
}

describe('native post-processing', () => {
  test('is built by npm ci and chosen on the CPU', () => {
    expect(nativeAddonError()).toBeNull();
    expect(nativeAddon()).not.toBeNull();
    // The AVX2 build wherever the CPU has it (every x86-64 CPU of the last decade).
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const cpuHasAvx2 = /\bavx2\b/.test(cpuinfo) && /\bfma\b/.test(cpuinfo);
    if (process.arch === 'x64' && cpuHasAvx2) expect(nativeAddon()?.instructionSet).toBe('avx2');
    expect(defaultPostprocessRuntime('cpu')).toBe('native');
    expect(defaultPostprocessRuntime('cuda')).toBe('onnx');
  });

  test.each([
    ['640x360 from 448x256', 640, 360, 448, 256],
    ['odd 641x359 from 448x256', 641, 359, 448, 256],
    ['the same size (no upsampling)', 320, 180, 320, 180],
  ])('agrees with the graph: %s, first frame, still camera, pan, zoom, strength', async (_name, W, H, w, h) => {
    let seed = 0;
    const step = async (guideFrame: Frame, previous: PostprocessOutput | null, extra: Partial<PostprocessInput> = {}) => {
      const guide = addNoise(guideFrame, 3, ++seed);
      const low = await resizeTo(guide, w, h);
      // A stand-in cartoon: darker and flatter than the frame, so A and b are far from identity.
      const cartoon = low.data.map((v) => (v >> 1) + 40);
      return agree({ guide, low, cartoon, previous: previous?.state ?? null, ...settings, ...extra });
    };
    const first = await step(await frameAt(60, 80, W, H), null);
    const still = await step(await frameAt(60, 80, W, H), first);
    expect(still.motion).toEqual([0, 0, 0]);
    const pan = await step(await frameAt(64, 81, W, H), still);
    expect(Math.abs(pan.motion[0])).toBeGreaterThan(1);
    const zoom = await step(await frameAt(62, 83, W, H, 0.97), pan);
    expect(zoom.motion[2]).not.toBe(0);
    await step(await frameAt(62, 83, W, H, 0.97), zoom, { strength: 0.4, fullResSmoothing: 0.5 });
  });

  test('writes the state into a spare buffer that fits (never the previous state), with the same result', async () => {
    const guide = await frameAt(60, 80, 640, 360);
    const low = await resizeTo(guide, 448, 256);
    const cartoon = low.data.map((v) => (v >> 1) + 40);
    const run = (previous: PostprocessOutput | null, spareState: Float32Array | null) =>
      native.run({ guide, low, cartoon, previous: previous?.state ?? null, ...settings, spareState });
    const first = await run(null, null);
    const second = await run(first, null);
    const fresh = await run(second, null);
    const spare = first.state.smoothed;
    const reused = await run(second, spare);
    expect(reused.state.smoothed).toBe(spare);
    expect(reused.state.smoothed.every((v, i) => v === fresh.state.smoothed[i])).toBe(true);
    expect(frameDifference(reused.frame, fresh.frame).max).toBe(0);
    // The previous state is read while the new one is written: never the same memory.
    expect((await run(second, second.state.smoothed)).state.smoothed).not.toBe(second.state.smoothed);
    expect((await run(second, new Float32Array(7))).state.smoothed).toHaveLength(3 * 448 * 256);
  });

  test('takes any frame size, down to 1x1, with and without a previous frame (a flat frame stays flat)', async () => {
    const addon = nativeAddon();
    if (!addon) throw new Error(nativeAddonError() ?? 'no addon');
    // Output 1..40 x 1..30 from working 1..24 x 1..20: up- and downsampling, the motion estimate's
    // margins larger than the frame, odd sizes.
    const sizes = [[1, 1, 1, 1], [2, 1, 1, 2], [40, 30, 24, 20], [7, 3, 16, 9], [31, 17, 30, 16], [1, 29, 3, 20]];
    for (const [W, H, w, h] of sizes) {
      const flat = (n: number, v: number) => new Uint8Array(n * 3).fill(v);
      const args = {
        guide: flat(W * H, 100), width: W, height: H, low: flat(w * h, 100), cartoon: flat(w * h, 40), lowWidth: w, lowHeight: h,
        // smoothing, strength 0.5, cut, valid, tau, eps, detail, full_res
        params: new Float32Array([0.8, 0.5, 0.12, 1, 16, 1e-3, 0, 1]),
        output: new Uint8Array(W * H * 3), state: new Float32Array(3 * w * h), result: new Float32Array(4),
      };
      for (const genericKernels of [false, true]) {
        await addon.postprocess({ ...args, prevLow: null, prevState: null, prevOutput: null, genericKernels });
        expect(new Set(args.output)).toEqual(new Set([70]));
        const prevState = new Float32Array(3 * w * h).fill(40);
        await addon.postprocess({ ...args, prevLow: flat(w * h, 100), prevState, prevOutput: flat(W * H, 70), genericKernels });
        expect(new Set(args.output)).toEqual(new Set([70]));
        expect(Array.from(args.result)).toEqual([0, 0, 0, 0]);
      }
    }
  });

  test('rejects bad arguments with a TypeError naming the field, and keeps working', async () => {
    const addon = nativeAddon();
    if (!addon) throw new Error(nativeAddonError() ?? 'no addon');
    const W = 8;
    const H = 4;
    const w = 4;
    const h = 2;
    const args = {
      guide: new Uint8Array(W * H * 3).fill(100), width: W, height: H,
      low: new Uint8Array(w * h * 3).fill(100), cartoon: new Uint8Array(w * h * 3).fill(40), lowWidth: w, lowHeight: h,
      prevLow: null, prevState: null, prevOutput: null,
      // smoothing, strength 0.5, cut, valid, tau, eps, detail, full_res
      params: new Float32Array([0.8, 0.5, 0.12, 0, 16, 1e-3, 0, 1]),
      output: new Uint8Array(W * H * 3), state: new Float32Array(3 * w * h), result: new Float32Array(4),
    };
    expect(() => addon.postprocess({ ...args, guide: args.guide.subarray(1) })).toThrow(/guide must be a Uint8Array of 96 elements/);
    expect(() => addon.postprocess({ ...args, state: new Float32Array(5) })).toThrow(/state must be a Float32Array of 24 elements/);
    expect(() => addon.postprocess({ ...args, width: 0 })).toThrow(/width must be a positive integer/);
    expect(() => addon.postprocess({ ...args, prevLow: args.low })).toThrow(/all null or all set/);
    expect(() => (addon.postprocess as (a: unknown) => Promise<void>)(null)).toThrow(/one object argument/);
    // A flat frame: the guided filter maps 100 to the flat cartoon's 40; strength 0.5 -> 70.
    await addon.postprocess(args);
    expect(new Set(args.output)).toEqual(new Set([70]));
    expect(Array.from(args.result)).toEqual([0, 0, 0, 0]);
  });
});
