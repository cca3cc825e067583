import { Registry } from 'prom-client';
import type { Frame } from '../../src/engine/types';
import { Postprocessor, defaultGraphsDir, defaultPostprocessRuntime, type PostprocessInput, type PostprocessRuntime } from '../../src/pipeline/postprocess';
import { resizeRgb } from '../../src/pipeline/resize';
import { workingShape } from '../../src/pipeline/shapes';
import { benchPipeline, drive, fixed, photo, pipelineModel } from './pipeline-common';
import { cropResize } from './pipeline-media';
import { summarize, timeRuns } from './stats';
import type { BenchSection } from './types';

const SIZES = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;
const ROUND_MS = 1200;
const PAN_PX = 4;

/**
 * Pipeline time per frame over pure inference time at the working size, measured in one run:
 * sequential (1 frame in flight: latency) and pipelined (3 in flight: throughput).
 */
export const pipelineOverheadSection: BenchSection = {
  name: 'pipeline-overhead',
  description: 'pipeline time per frame / pure inference time (640x360, 1280x720, 1920x1080 output)',
  async run(ctx) {
    const model = pipelineModel(ctx);
    const card = ctx.engine.models().find((m) => m.name === model)!;
    const rows: string[][] = [];
    const data: Array<Record<string, number | string>> = [];
    for (const size of SIZES) {
      ctx.log(`pipeline-overhead: ${model} ${size.width}x${size.height}`);
      const frame = await photo(size.width, size.height);
      const pipeline = benchPipeline(ctx, { metrics: new Registry() });
      await pipeline.warmUp();
      const ws = workingShape(size.width, size.height, card.input.workingShortSide, Math.max(pipeline.config.bucketMultiple, card.input.multipleOf));
      const low = await photo(ws.width, ws.height);
      const inferOnce = (): Promise<unknown> => ctx.engine.run(model, { data: low.data, n: 1, width: ws.width, height: ws.height });
      const stream = pipeline.openStream({ model, mode: 'offline', outputWidth: size.width, outputHeight: size.height });
      const submitOnce = (): Promise<unknown> => stream.submit(frame);
      // Short interleaved rounds, each giving its own ratios, so both sides of every ratio see
      // the same machine load (this host's load swings by 2x within a minute).
      const inf: number[] = [];
      const seq: number[] = [];
      const seqRatios: number[] = [];
      const thrRatios: number[] = [];
      const perFrames: number[] = [];
      const rounds = Math.max(3, Math.ceil(ctx.runs / 4));
      await timeRuns(inferOnce, 0, 3);
      await timeRuns(submitOnce, 0, 3);
      for (let round = 0; round < rounds; round++) {
        const i = summarize(await timeRuns(inferOnce, 4, 0)).median;
        const q = await timeRuns(submitOnce, 4, 0);
        const t = await drive([stream], frame, ROUND_MS, 3);
        inf.push(i);
        seq.push(...q);
        perFrames.push(t.ms / t.frames);
        seqRatios.push(summarize(q).median / i);
        thrRatios.push(t.ms / t.frames / i);
      }
      const infMedian = summarize(inf).median;
      const s = summarize(seq);
      const perFrame = summarize(perFrames).median;
      const seqRatio = summarize(seqRatios).median;
      const thrRatio = summarize(thrRatios).median;
      const cartoon = (await ctx.engine.run(model, { data: low.data, n: 1, width: ws.width, height: ws.height })).data;
      const settings = { smoothing: 0.8, strength: 1, cutThreshold: 0.12, motionTau: 16, guidedEps: 1e-3, guidedDetail: 0, fullResSmoothing: 1 };
      const wide = await photo(size.width + PAN_PX, size.height);
      const window = (left: number): Promise<Frame> => cropResize(wide, { left, top: 0, width: size.width, height: size.height }, size.width, size.height);
      const [before, after] = await Promise.all([window(0), window(PAN_PX)]);
      const [beforeLow, afterLow] = await Promise.all([resizeRgb(before, ws.width, ws.height), resizeRgb(after, ws.width, ws.height)]);
      // The post-processing alone, in the runtime the pipeline uses and (on a CPU) in the other.
      const postTimes = async (runtime: PostprocessRuntime): Promise<{ still: number; pan: number }> => {
        const post = new Postprocessor(defaultGraphsDir, ctx.engine.device, pipeline.config.postprocessThreads, runtime);
        const postRun = (input: Pick<PostprocessInput, 'guide' | 'low' | 'cartoon' | 'previous'>) => post.run({ ...input, ...settings });
        // Still: the previous frame is this one (no motion compensation). Panning: the previous
        // frame is this one moved PAN_PX px, so every warp runs.
        const still = await postRun({ guide: frame, low, cartoon, previous: null });
        const panPrevious = await postRun({ guide: before, low: beforeLow, cartoon, previous: null });
        const pan = await postRun({ guide: after, low: afterLow, cartoon, previous: panPrevious.state });
        if (pan.motion[0] === 0) throw new Error('the panning case estimated no motion');
        const times = {
          still: summarize(await timeRuns(() => postRun({ guide: frame, low, cartoon, previous: still.state }), Math.ceil(ctx.runs / 2), 2)).median,
          pan: summarize(await timeRuns(() => postRun({ guide: after, low: afterLow, cartoon, previous: panPrevious.state }), Math.ceil(ctx.runs / 2), 2)).median,
        };
        await post.close();
        return times;
      };
      const runtime = defaultPostprocessRuntime(ctx.engine.device);
      const used = await postTimes(runtime);
      const graph = runtime === 'native' ? await postTimes('onnx') : null;
      const postMs = used.still;
      const postPanMs = used.pan;
      data.push({
        model, output: `${size.width}x${size.height}`, working: `${ws.width}x${ws.height}`,
        inferenceMedianMs: infMedian, sequentialMedianMs: s.median, sequentialP95Ms: s.p95, pipelinedMsPerFrame: perFrame,
        sequentialRatio: seqRatio, pipelinedRatio: thrRatio, postprocessRuntime: runtime, postprocessMedianMs: postMs, postprocessPanningMedianMs: postPanMs,
        ...(graph ? { postprocessGraphMedianMs: graph.still, postprocessGraphPanningMedianMs: graph.pan } : {}), rounds,
      });
      rows.push([
        `${size.width}x${size.height}`, `${ws.width}x${ws.height}`, fixed(infMedian), fixed(s.median), fixed(s.p95),
        fixed(perFrame), fixed(seqRatio, 2), fixed(thrRatio, 2), `${fixed(postMs)} / ${fixed(postPanMs)} (${runtime})`,
        graph ? `${fixed(graph.still)} / ${fixed(graph.pan)}` : '-',
      ]);
      await pipeline.close();
    }
    return {
      title: `Pipeline overhead (${model}; smoothing and guided upsampling on)`,
      columns: ['output', 'working', 'inference median ms', 'pipeline 1-in-flight median ms', 'p95 ms', 'pipeline 3-in-flight ms/frame', 'ratio 1-in-flight', 'ratio 3-in-flight', 'post-processing alone: still / panning ms', 'postprocess.onnx alone: still / panning ms'],
      rows,
      notes: [
        'ratio = pipeline time per frame / engine.run() median at the working size, per interleaved round (4 inferences, 4 sequential frames, 1.2 s at 3 in flight); medians over the rounds',
        `the pipeline columns repeat one frame (a still camera: no motion compensation); post-processing alone, panning: the previous frame moved ${PAN_PX} px, so every warp runs`,
        'post-processing alone: in the runtime the pipeline uses (native/ on a CPU); the last column is the same work as the ONNX graph, which GPUs run',
      ],
      data,
    };
  },
};
