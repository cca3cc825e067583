/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import type { Frame } from '../../src/engine/types';
import { Postprocessor, defaultGraphsDir } from '../../src/pipeline/postprocess';
import {
  PIPELINE_FIXTURES,
  addNoise,
  cropResize,
  edgeCrossings,
  edgeWidth,
  loadRgb,
  meanAbsDiff,
  panClip,
  resizeTo,
  warpingError,
  zoomClip,
} from '../../scripts/bench/pipeline-media';
import type { OnnxEngine } from '../../src/engine';
import { createEngine } from '../../src/engine';
import { FIXTURE_MODEL, fixtureEngine, frames, histogramTotals, metricValue, newPipeline, runAll } from './pipeline-helpers';
import { liveModelsDir } from './transport-helpers';
import { join } from 'node:path';

let engine: OnnxEngine;
let astronaut: Frame;
let chelsea: Frame;

beforeAll(async () => {
  engine = await fixtureEngine();
  astronaut = await loadRgb(join(PIPELINE_FIXTURES, 'astronaut-512.jpg'));
  chelsea = await loadRgb(join(PIPELINE_FIXTURES, 'chelsea-451x300.jpg'));
});

afterAll(async () => {
  await engine.close();
});

const crop = (left: number): Promise<Frame> => cropResize(astronaut, { left, top: 100, width: 320, height: 180 }, 320, 180);

describe('pipeline through the real engine and graphs', () => {
  test('offline: every frame, in submission order, at the output size', async () => {
    const { pipeline } = newPipeline(engine, { maxBatchSize: 4, maxQueueDelayMs: 2 });
    const stream = pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 640, outputHeight: 360, smoothing: 0 });
    const offsets = [0, 60, 120, 180, 0, 120, 60, 180];
    const inputs = await Promise.all(offsets.map(crop));
    const results = await runAll(stream, inputs, 4);
    expect(results.map((r) => r?.timestampMs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const outs = frames(results);
    for (const out of outs) expect([out.width, out.height, out.data.length]).toEqual([640, 360, 640 * 360 * 3]);
    const big = await Promise.all(inputs.map((f) => resizeTo(f, 640, 360)));
    // Each output resembles its own input more than the other inputs (the first four are distinct).
    outs.forEach((out, i) => {
      const own = meanAbsDiff(out, big[i]);
      for (let j = 0; j < 4; j++) if (offsets[j] !== offsets[i]) expect(own).toBeLessThan(meanAbsDiff(out, big[j]));
    });
    expect(stream.stats()).toMatchObject({ received: 8, processed: 8, dropped: 0 });
    await pipeline.close();
  });

  test('live: the newest frame wins; superseded frames resolve null and are counted', async () => {
    const { pipeline, registry } = newPipeline(engine);
    const stream = pipeline.openStream({ id: 'cam', model: FIXTURE_MODEL, mode: 'live', outputWidth: 320, outputHeight: 180 });
    const f = await crop(0);
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => stream.submit(f, i)));
    expect(results[4]?.timestampMs).toBe(4);
    const dropped = results.filter((r) => r === null).length;
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(stream.stats()).toMatchObject({ received: 5, dropped, processed: 5 - dropped });
    expect(await metricValue(registry, 'toonstream_pipeline_dropped_frames_total', { stream: 'cam', reason: 'superseded' })).toBe(dropped);
    await pipeline.close();
  });

  test('live: a frame past its deadline when the batch forms is dropped, never inferred', async () => {
    const { pipeline, registry } = newPipeline(engine, { maxQueueDelayMs: 20, maxBatchSize: 8 });
    const stream = pipeline.openStream({ id: 'late', model: FIXTURE_MODEL, mode: 'live', outputWidth: 320, outputHeight: 180, deadlineMs: 0 });
    const before = (await histogramTotals(registry, 'toonstream_pipeline_batch_size')).count;
    expect(await stream.submit(await crop(0))).toBeNull();
    expect(await metricValue(registry, 'toonstream_pipeline_dropped_frames_total', { stream: 'late', reason: 'deadline' })).toBe(1);
    expect((await histogramTotals(registry, 'toonstream_pipeline_batch_size')).count).toBe(before);
    await pipeline.close();
  });

  test('frames of several streams share batches', async () => {
    const { pipeline, registry } = newPipeline(engine, { maxBatchSize: 4, maxQueueDelayMs: 30 });
    const streams = [0, 1, 2, 3].map((i) =>
      pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320 + (i % 2) * 16, outputHeight: 180 }),
    );
    const f = await crop(0);
    await Promise.all(streams.map((s) => runAll(s, [f, f, f], 2)));
    const { sum, count } = await histogramTotals(registry, 'toonstream_pipeline_batch_size');
    expect(sum).toBe(12);
    expect(count).toBeLessThan(12);
    await pipeline.close();
  });

  test('strength 0 returns the input; update() applies to the next frame', async () => {
    const { pipeline } = newPipeline(engine);
    const stream = pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320, outputHeight: 180, strength: 0 });
    const f = await crop(30);
    const plain = (await stream.submit(f))!.frame;
    expect(meanAbsDiff(plain, f)).toBeLessThan(0.01);
    stream.update({ strength: 1 });
    const toon = (await stream.submit(f))!.frame;
    expect(meanAbsDiff(toon, f)).toBeGreaterThan(3);
    await pipeline.close();
  });

  test('a model switch never blends the old model\'s cartoon into the new one, even from a frame still in flight', async () => {
    const twoModels = await createEngine({ modelsDir: liveModelsDir(), intraOpThreads: 1 });
    try {
      const { pipeline } = newPipeline(twoModels);
      const open = () => pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320, outputHeight: 180, smoothing: 1 });
      const f = await crop(30);
      const fresh = open();
      fresh.update({ model: 'toon-invert' });
      const expected = (await fresh.submit(f))!.frame;
      const stream = open();
      await stream.submit(f);
      // The first frame's post-processing finishes after update(): its state belongs to tiny-test.
      const inFlight = stream.submit(f);
      stream.update({ model: 'toon-invert' });
      const switched = stream.submit(f);
      await inFlight;
      expect(meanAbsDiff((await switched)!.frame, expected)).toBe(0);
      await pipeline.close();
    } finally {
      await twoModels.close();
    }
  });

  test('close() lets frames already running finish and drops the waiting ones', async () => {
    const { pipeline } = newPipeline(engine, { maxBatchSize: 1, maxQueueDelayMs: 0 });
    const stream = pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320, outputHeight: 180 });
    const f = await crop(0);
    const pending = [0, 1, 2, 3].map((i) => stream.submit(f, i));
    await new Promise((r) => setTimeout(r, 5));
    await pipeline.close();
    const results = await Promise.all(pending);
    for (const r of results) if (r) expect(r.frame.width).toBe(320);
    expect(stream.stats().processed + stream.stats().dropped).toBe(4);
  });

  test('rejects bad frames, unknown models and closed streams clearly', async () => {
    const { pipeline } = newPipeline(engine);
    expect(() => pipeline.openStream({ model: 'nope', mode: 'live', outputWidth: 64, outputHeight: 64 })).toThrow(/unknown model/);
    expect(() => pipeline.openStream({ model: FIXTURE_MODEL, mode: 'live', outputWidth: 0, outputHeight: 64 })).toThrow(RangeError);
    const stream = pipeline.openStream({ model: FIXTURE_MODEL, mode: 'live', outputWidth: 64, outputHeight: 64 });
    await expect(stream.submit({ data: new Uint8Array(10), width: 4, height: 4 })).rejects.toThrow(RangeError);
    stream.close();
    await expect(stream.submit({ data: new Uint8Array(48), width: 4, height: 4 })).rejects.toThrow(/closed/);
    await pipeline.close();
  });
});

describe('temporal smoothing', () => {
  test('halves the warping error on a noisy pan and resets on a cut', async () => {
    const clip = await panClip(astronaut, 320, 180, 12, 1, 6);
    const { pipeline, registry } = newPipeline(engine, { workingShortSide: 128 });
    const run = async (smoothing: number, id: string): Promise<Frame[]> => {
      const stream = pipeline.openStream({ id, model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320, outputHeight: 180, smoothing });
      return frames(await runAll(stream, [...clip.frames, cutFrame], 3));
    };
    const cutFrame = await cropResize(chelsea, { left: 0, top: 0, width: 451, height: 254 }, 320, 180);
    const raw = await run(0, 'raw');
    const smooth = await run(0.8, 'smooth');
    const n = clip.frames.length;
    const eRaw = warpingError(raw.slice(0, n), clip.motions, 3);
    const eSmooth = warpingError(smooth.slice(0, n), clip.motions, 3);
    expect(eSmooth).toBeLessThan(0.5 * eRaw);
    // After the cut the smoothed output is the plain per-frame output: nothing of the old scene.
    expect(meanAbsDiff(smooth[n], raw[n])).toBeLessThan(0.5);
    expect(await metricValue(registry, 'toonstream_pipeline_scene_cuts_total', { stream: 'smooth' })).toBe(1);
    await pipeline.close();
  });
});

describe('motion compensation', () => {
  test('a still camera gives motion exactly 0 (no warps); a pan gives its shift', async () => {
    const post = new Postprocessor(defaultGraphsDir, 'cpu', 1);
    // Sensor noise: a still camera's frames are never identical.
    let seed = 0;
    const step = async (previous: Awaited<ReturnType<Postprocessor['run']>> | null, left: number) => {
      const guide = addNoise(await crop(left), 3, ++seed);
      const low = await resizeTo(guide, 160, 90);
      return post.run({
        guide, low, cartoon: low.data, previous: previous?.state ?? null,
        smoothing: 0.8, strength: 1, cutThreshold: 0.12, motionTau: 16, guidedEps: 1e-3, guidedDetail: 0, fullResSmoothing: 1,
      });
    };
    const first = await step(null, 100);
    expect(first.motion).toEqual([0, 0, 0]);
    const still = await step(first, 100);
    expect(still.motion).toEqual([0, 0, 0]);
    // The still frame is blended with the previous output: less noise from frame to frame than the input has.
    expect(meanAbsDiff(still.frame, first.frame)).toBeLessThan(1.5);
    // The view moves 4 output px right = 2 working px: content moves 2 px left.
    const panned = await step(still, 104);
    expect(panned.motion[0]).toBeCloseTo(-2, 0);
    expect(Math.abs(panned.motion[1])).toBeLessThan(0.3);
    await post.close();
  });
});

describe('temporal smoothing, zoom and moving edges', () => {
  test('reduces the warping error on a zoom (global zoom compensation)', async () => {
    const clip = await zoomClip(astronaut, 320, 180, 10, 0.01, 6);
    const { pipeline } = newPipeline(engine, { workingShortSide: 128 });
    const run = async (smoothing: number): Promise<Frame[]> =>
      frames(await runAll(pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: 320, outputHeight: 180, smoothing }), clip.frames));
    const eRaw = warpingError(await run(0), clip.motions, 3);
    const eSmooth = warpingError(await run(0.8), clip.motions, 3);
    expect(eSmooth).toBeLessThan(0.5 * eRaw);
    await pipeline.close();
  });

  test('leaves no trail behind a moving edge, and reset() forgets the past', async () => {
    const W = 320;
    const H = 180;
    const square = (left: number): Frame => {
      const data = new Uint8Array(W * H * 3).fill(60);
      for (let y = 50; y < 130; y++) data.fill(220, (y * W + left) * 3, (y * W + left + 60) * 3);
      return { data, width: W, height: H };
    };
    const clip = Array.from({ length: 10 }, (_, t) => square(20 + 10 * t));
    const { pipeline } = newPipeline(engine, { workingShortSide: 128 });
    const run = async (smoothing: number): Promise<Frame[]> =>
      frames(await runAll(pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: W, outputHeight: H, smoothing }), clip));
    const plain = await run(0);
    const smooth = await run(0.9);
    // Pixels the square covered two frames ago and no longer covers: smoothing adds nothing there.
    for (let t = 3; t < clip.length; t++) {
      let excess = 0;
      let n = 0;
      const gone = 20 + 10 * (t - 2);
      for (let y = 50; y < 130; y++) {
        for (let x = gone; x < gone + 20; x++) {
          const k = (y * W + x) * 3;
          excess += Math.abs(smooth[t].data[k] - plain[t].data[k]);
          n++;
        }
      }
      expect(excess / n).toBeLessThan(2);
    }
    const stream = pipeline.openStream({ model: FIXTURE_MODEL, mode: 'offline', outputWidth: W, outputHeight: H, smoothing: 0.9 });
    await runAll(stream, clip.slice(0, 5));
    stream.reset();
    const after = (await stream.submit(clip[5]))!.frame;
    expect(meanAbsDiff(after, plain[5])).toBeLessThan(0.01);
    await pipeline.close();
  });
});

describe('guided upsampling', () => {
  test('keeps edges where the full-resolution frame has them (within 1 px at 2x)', async () => {
    // A vertical step edge at an odd x so it falls inside a low-resolution pixel, plus a slant.
    const W = 256;
    const H = 128;
    const dark = 40;
    const bright = 210;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) {
      const edge = 101 + Math.floor(y / 8);
      for (let x = 0; x < W; x++) data.fill(x < edge ? dark : bright, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
    const full: Frame = { data, width: W, height: H };
    const low = await resizeTo(full, W / 2, H / 2);
    const post = new Postprocessor(defaultGraphsDir, 'cpu', 1);
    const truth = edgeCrossings(full, 80, 140, dark, bright);
    const bilinear = await resizeTo(low, W, H);
    for (const guidedDetail of [0, 1]) {
      // The "cartoon" is the low-res frame itself: what matters is how it is brought back to full size.
      const out = await post.run({
        guide: full, low, cartoon: low.data, previous: null,
        smoothing: 0, strength: 1, cutThreshold: 0.1, motionTau: 16, guidedEps: 1e-3, guidedDetail, fullResSmoothing: 1,
      });
      const guided = edgeCrossings(out.frame, 80, 140, dark, bright);
      const errors = guided.map((x, y) => Math.abs(x - truth[y]));
      expect(Math.max(...errors)).toBeLessThanOrEqual(1);
      expect(edgeWidth(out.frame, 80, 140, dark, bright)).toBeLessThan(edgeWidth(bilinear, 80, 140, dark, bright));
      expect(edgeWidth(out.frame, 80, 140, dark, bright)).toBeLessThanOrEqual(1);
    }
    await post.close();
  });
});
