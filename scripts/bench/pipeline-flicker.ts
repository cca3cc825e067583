import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import { benchPipeline, fixed, pipelineModel, processClip } from './pipeline-common';
import { BENCH_PHOTO } from './photo';
import { PIPELINE_FIXTURES, addNoise, loadRgb, panClip, resizeTo, warpingError, zoomClip, type Clip } from './pipeline-media';
import type { BenchSection } from './types';

const OUT_W = 640;
const OUT_H = 360;
const FRAMES = 24;
const NOISE = 4;

/**
 * A bright textured square moving `step` px per frame across a flat noisy background, and the
 * same clip without the square (same noise) as the reference for ghosting.
 */
function movingSquare(count: number, step: number): { frames: Frame[]; background: Frame[]; boxes: Array<[number, number]> } {
  const frames: Frame[] = [];
  const background: Frame[] = [];
  const boxes: Array<[number, number]> = [];
  const size = 96;
  const top = (OUT_H - size) >> 1;
  for (let t = 0; t < count; t++) {
    const left = 40 + t * step;
    const data = new Uint8Array(OUT_W * OUT_H * 3);
    data.fill(70);
    background.push(addNoise({ data: data.slice(), width: OUT_W, height: OUT_H }, NOISE, t + 101));
    for (let y = top; y < top + size; y++) {
      for (let x = left; x < left + size; x++) {
        const k = (y * OUT_W + x) * 3;
        const v = ((x - left) >> 4) % 2 === ((y - top) >> 4) % 2 ? 230 : 180;
        data[k] = v;
        data[k + 1] = v - 20;
        data[k + 2] = 60;
      }
    }
    frames.push(addNoise({ data, width: OUT_W, height: OUT_H }, NOISE, t + 101));
    boxes.push([left, top]);
  }
  return { frames, background, boxes };
}

/** Mean and p99 of |a - b| (all channels) over pixels the square covered `lag` frames ago but not now. */
function trail(a: Frame, b: Frame, boxes: Array<[number, number]>, t: number, lag: number): { mean: number; p99: number } {
  const [pl, pt] = boxes[t - lag];
  const [cl] = boxes[t];
  const diffs: number[] = [];
  for (let y = pt; y < pt + 96; y++) {
    for (let x = pl; x < Math.min(cl, pl + 96); x++) {
      const k = (y * OUT_W + x) * 3;
      for (let c = 0; c < 3; c++) diffs.push(Math.abs(a.data[k + c] - b.data[k + c]));
    }
  }
  diffs.sort((u, v) => u - v);
  return { mean: diffs.reduce((s, d) => s + d, 0) / diffs.length, p99: diffs[Math.floor(diffs.length * 0.99)] };
}

/**
 * Warping error (Lai et al. 2018) of smoothed vs unsmoothed output on pans and zooms over real
 * photos with known motion and camera-like noise, and the trail smoothing leaves behind a moving
 * edge.
 */
export const pipelineFlickerSection: BenchSection = {
  name: 'pipeline-flicker',
  description: 'warping error smoothed vs unsmoothed on pans/zooms; ghosting behind a moving edge',
  async run(ctx) {
    const model = pipelineModel(ctx);
    const coffee = await loadRgb(BENCH_PHOTO);
    const astronaut = await loadRgb(join(PIPELINE_FIXTURES, 'astronaut-512.jpg'));
    // Whole-pixel pans of an enlarged photo: frame t is exactly frame t-1 moved, so the measure
    // has no resampling floor; the others are resampled per frame, as a real camera's would be.
    const coffeeLarge = await resizeTo(coffee, 1000, 667);
    const astronautLarge = await resizeTo(astronaut, 800, 800);
    const clips: Array<[string, Clip]> = [
      ['pan 1 px/frame exact, coffee', await panClip(coffeeLarge, OUT_W, OUT_H, FRAMES, 1, NOISE)],
      ['pan 2 px/frame exact, coffee', await panClip(coffeeLarge, OUT_W, OUT_H, FRAMES, 2, NOISE)],
      ['pan 1 px/frame exact, astronaut', await panClip(astronautLarge, OUT_W, OUT_H, FRAMES, 1, NOISE)],
      ['pan 1.1 px/frame, coffee', await panClip(coffee, OUT_W, OUT_H, FRAMES, 1, NOISE, 576, 324)],
      ['pan 2.2 px/frame, coffee', await panClip(coffee, OUT_W, OUT_H, FRAMES, 2, NOISE, 576, 324)],
      ['pan 1.3 px/frame, astronaut', await panClip(astronaut, OUT_W, OUT_H, FRAMES, 1, NOISE, 480, 270)],
      ['zoom 0.5%/frame, coffee', await zoomClip(coffee, OUT_W, OUT_H, FRAMES, 0.005, NOISE)],
      ['zoom 0.5%/frame, astronaut', await zoomClip(astronaut, OUT_W, OUT_H, FRAMES, 0.005, NOISE)],
    ];
    const pipeline = benchPipeline(ctx);
    await pipeline.warmUp();
    const strength = pipeline.config.smoothing;
    const rows: string[][] = [];
    const data: Array<Record<string, number | string>> = [];
    for (const [name, clip] of clips) {
      ctx.log(`pipeline-flicker: ${model} ${name}`);
      const run = async (smoothing: number): Promise<Frame[]> => {
        const s = pipeline.openStream({ model, mode: 'offline', outputWidth: OUT_W, outputHeight: OUT_H, smoothing });
        const out = await processClip(s, clip.frames);
        s.close();
        return out;
      };
      const input = warpingError(clip.frames, clip.motions, 4);
      const raw = warpingError(await run(0), clip.motions, 4);
      const smooth = warpingError(await run(strength), clip.motions, 4);
      data.push({ clip: name, input, unsmoothed: raw, smoothed: smooth, ratio: smooth / raw });
      rows.push([name, fixed(input * 1e3, 3), fixed(raw * 1e3, 3), fixed(smooth * 1e3, 3), fixed(smooth / raw, 2)]);
    }

    ctx.log(`pipeline-flicker: ${model} moving edge`);
    const square = movingSquare(16, 8);
    const runSquare = async (frames: Frame[], smoothing: number): Promise<Frame[]> => {
      const s = pipeline.openStream({ model, mode: 'offline', outputWidth: OUT_W, outputHeight: OUT_H, smoothing });
      const out = await processClip(s, frames);
      s.close();
      return out;
    };
    // Ghosting = smoothed output with the square vs smoothed output of the background alone, on
    // the pixels the square has left: any difference there is a trail.
    // The same measure without smoothing gives the spatial part (the ink line and the guided
    // filter's footprint next to the square's trailing edge), which smoothing must not add to.
    const smoothed = await runSquare(square.frames, strength);
    const reference = await runSquare(square.background, strength);
    const plain = await runSquare(square.frames, 0);
    const plainReference = await runSquare(square.background, 0);
    const ghost: Array<Record<string, number>> = [];
    for (const lag of [1, 2]) {
      const per = [];
      const base = [];
      for (let t = 4; t < square.frames.length; t++) {
        per.push(trail(smoothed[t], reference[t], square.boxes, t, lag));
        base.push(trail(plain[t], plainReference[t], square.boxes, t, lag));
      }
      const mean = (xs: Array<{ mean: number }>): number => xs.reduce((s, p) => s + p.mean, 0) / xs.length;
      ghost.push({ lag, mean: mean(per), p99: Math.max(...per.map((p) => p.p99)), unsmoothedMean: mean(base), unsmoothedP99: Math.max(...base.map((p) => p.p99)) });
    }
    await pipeline.close();
    return {
      title: `Temporal smoothing (${model}, ${OUT_W}x${OUT_H}, smoothing ${strength}, noise +-${NOISE})`,
      columns: ['clip', 'warping error x1e3, noisy input', 'output unsmoothed', 'output smoothed', 'smoothed / unsmoothed'],
      rows,
      notes: [
        'warping error: mean squared difference of consecutive outputs after warping by the true motion, 0..1 intensities, visible pixels, frames 4..23',
        'ghosting behind a square moving 8 px/frame: |output - output of the background alone| (both smoothed) on pixels the square left',
        ...ghost.map((g) => `  ${g.lag} frame(s) after: smoothed mean ${fixed(g.mean, 2)}, worst-frame p99 ${fixed(g.p99, 0)}; unsmoothed mean ${fixed(g.unsmoothedMean, 2)}, p99 ${fixed(g.unsmoothedP99, 0)} (levels of 255)`),
      ],
      data: { clips: data, ghost },
    };
  },
};
