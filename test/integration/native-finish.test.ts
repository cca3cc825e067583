/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import { nativeFinish, nativeFinishError } from '../../src/pipeline/native-finish';
import { Postprocessor, defaultGraphsDir, defaultOutputStage, type PostprocessInput, type PostprocessOutput } from '../../src/pipeline/postprocess';
import { PIPELINE_FIXTURES, addNoise, cropResize, loadRgb, resizeTo } from '../../scripts/bench/pipeline-media';

// The native output stage (native/finish.cc after postprocess-coefficients.onnx) must produce what
// the whole graph (postprocess.onnx, which GPUs run) produces: same maths, float rounding aside.

let photo: Frame;
let graph: Postprocessor;
let native: Postprocessor;

beforeAll(async () => {
  photo = await loadRgb(join(PIPELINE_FIXTURES, 'astronaut-512.jpg'));
  graph = new Postprocessor(defaultGraphsDir, 'cpu', 1, 'graph');
  native = new Postprocessor(defaultGraphsDir, 'cpu', 1, 'native');
});

afterAll(async () => {
  await Promise.all([graph.close(), native.close()]);
});

const settings = { smoothing: 0.8, strength: 1, cutThreshold: 0.12, motionTau: 16, guidedEps: 1e-3, guidedDetail: 0.5, fullResSmoothing: 1 };

/** The largest per-channel difference and the share of channels that differ at all. */
function compare(a: Frame, b: Frame): { max: number; differing: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { max, differing: differing / a.data.length };
}

/** Runs both stages on the same frame and previous state (the graph's), checks they agree. */
async function agree(input: PostprocessInput): Promise<PostprocessOutput> {
  const [g, n] = await Promise.all([graph.run(input), native.run(input)]);
  expect(n.motion).toEqual(g.motion);
  expect(n.change).toBe(g.change);
  expect(Buffer.from(n.state.smoothed.buffer).equals(Buffer.from(g.state.smoothed.buffer))).toBe(true);
  const { max, differing } = compare(n.frame, g.frame);
  expect(max).toBeLessThanOrEqual(1);
  expect(differing).toBeLessThan(0.01);
  return g;
}

/** A 16:9 window of the photo, (scale x) 384x216 px at (left, top), resized to width x height. */
async function frameAt(left: number, top: number, width: number, height: number, scale = 1): Promise<Frame> {
  const crop = { left, top, width: Math.round(384 * scale), height: Math.round(216 * scale) };
  return cropResize(photo, crop, width, height);
}

describe('native output stage', () => {
  test('is built by npm ci and chosen on the CPU', () => {
    expect(nativeFinishError()).toBeNull();
    expect(nativeFinish()).not.toBeNull();
    expect(defaultOutputStage('cpu')).toBe('native');
    expect(defaultOutputStage('cuda')).toBe('graph');
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

  test('rejects arguments of the wrong size with a TypeError, and keeps working', async () => {
    const addon = nativeFinish();
    if (!addon) throw new Error(nativeFinishError() ?? 'no addon');
    const W = 8;
    const H = 4;
    const w = 4;
    const h = 2;
    const coef = (n: number, v: number) => new Float32Array(n).fill(v);
    const motion = new Float32Array(3);
    const guide = new Uint8Array(W * H * 3).fill(100);
    const out = new Uint8Array(W * H * 3);
    expect(() => addon.finishFrame(guide, W, H, coef(3 * w * h, 1), coef(3 * w * h, 0), coef(w * h + 1, 0), w, h, null, motion, out)).toThrow(/blend/);
    expect(() => addon.finishFrame(guide.subarray(1), W, H, coef(3 * w * h, 1), coef(3 * w * h, 0), coef(w * h, 0), w, h, null, motion, out)).toThrow(/guide/);
    expect(() => addon.finishFrame(guide, 0, H, coef(3 * w * h, 1), coef(3 * w * h, 0), coef(w * h, 0), w, h, null, motion, out)).toThrow(/width/);
    // out = 0.5 * guide + 10.5 -> 60 (truncated, as the graph's cast)
    await addon.finishFrame(guide, W, H, coef(3 * w * h, 0.5), coef(3 * w * h, 10.5), coef(w * h, 0), w, h, null, motion, out);
    expect(new Set(out)).toEqual(new Set([60]));
  });
});
