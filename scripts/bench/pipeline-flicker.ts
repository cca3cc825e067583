import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import { benchPipeline, fixed, pipelineModel, processClip } from './pipeline-common';
import { BENCH_PHOTO } from './photo';
import { PIPELINE_FIXTURES, addNoise, loadRgb, panClip, warpingError, zoomClip, type Clip } from './pipeline-media';
import type { BenchSection } from './types';

const OUT_W = 640;
const OUT_H = 360;
const FRAMES = 24;
const NOISE = 4;

/** A bright textured square moving `step` px per frame across a flat noisy background. */
function movingSquare(count: number, step: number): { frames: Frame[]; boxes: Array<[number, number]> } {
  const frames: Frame[] = [];
  const boxes: Array<[number, number]> = [];
  const size = 96;
  const top = (OUT_H - size) >> 1;
  for (let t = 0; t < count; t++) {
    const left = 40 + t * step;
    const data = new Uint8Array(OUT_W * OUT_H * 3);
    data.fill(70);
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
  return { frames, boxes };
}

/** Mean and max |a - b| (luma-free, all channels) over pixels the square covered `lag` frames ago but not now. */
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
    const clips: Array<[string, Clip]> = [
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
      const raw = warpingError(await run(0), clip.motions, 4);
      const smooth = warpingError(await run(strength), clip.motions, 4);
      data.push({ clip: name, unsmoothed: raw, smoothed: smooth, ratio: smooth / raw });
      rows.push([name, fixed(raw * 1e3, 3), fixed(smooth * 1e3, 3), fixed(smooth / raw, 2)]);
    }

    ctx.log(`pipeline-flicker: ${model} moving edge`);
    const square = movingSquare(16, 8);
    const runSquare = async (smoothing: number): Promise<Frame[]> => {
      const s = pipeline.openStream({ model, mode: 'offline', outputWidth: OUT_W, outputHeight: OUT_H, smoothing });
      const out = await processClip(s, square.frames);
      s.close();
      return out;
    };
    const plain = await runSquare(0);
    const smoothed = await runSquare(strength);
    const ghost: Array<Record<string, number>> = [];
    for (const lag of [1, 2]) {
      const per = [];
      for (let t = 4; t < square.frames.length; t++) per.push(trail(smoothed[t], plain[t], square.boxes, t, lag));
      ghost.push({ lag, mean: per.reduce((s, p) => s + p.mean, 0) / per.length, p99: Math.max(...per.map((p) => p.p99)) });
    }
    await pipeline.close();
    return {
      title: `Temporal smoothing (${model}, ${OUT_W}x${OUT_H}, smoothing ${strength}, noise +-${NOISE})`,
      columns: ['clip', 'warping error x1e3, unsmoothed', 'smoothed', 'ratio'],
      rows,
      notes: [
        'warping error: mean squared difference of consecutive outputs after warping by the true motion, 0..1 intensities, visible pixels, frames 4..23',
        'ghosting behind a square moving 8 px/frame: |smoothed - unsmoothed| on pixels the square left',
        ...ghost.map((g) => `  ${g.lag} frame(s) after: mean ${fixed(g.mean, 2)} levels, worst-frame p99 ${fixed(g.p99, 0)} levels (of 255)`),
      ],
      data: { clips: data, ghost },
    };
  },
};
