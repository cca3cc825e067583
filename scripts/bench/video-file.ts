import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Frame } from '../../src/engine/types';
import { ffmpegBinaries } from '../../src/media/binaries';
import { decodeFrames } from '../../src/media/decoder';
import { probeVideo } from '../../src/media/probe';
import { transcode, type FrameSink } from '../../src/media/transcode';
import { createPipeline } from '../../src/pipeline';
import { workingShape } from '../../src/pipeline/shapes';
import { fixed, pipelineModel } from './pipeline-common';
import type { BenchContext, BenchSection } from './types';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;
const SECONDS = 10;

function makeClip(dir: string): string {
  const path = join(dir, 'bench-640x360-30fps-10s.mp4');
  execFileSync(ffmpegBinaries().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', path,
  ]);
  return path;
}

/** Peak resident memory while `fn` runs, sampled every 50 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMiB: number; startMiB: number }> {
  const startMiB = process.memoryUsage().rss / 2 ** 20;
  let peak = startMiB;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
  }, 50);
  try {
    const value = await fn();
    return { value, peakMiB: peak, startMiB };
  } finally {
    clearInterval(timer);
  }
}

/** engine.run() time alone over the same frames at the working size, in batches of `batch`. */
async function pureInference(ctx: BenchContext, model: string, input: string, width: number, height: number, batch: number): Promise<number> {
  let ms = 0;
  let group: Frame[] = [];
  const flush = async (): Promise<void> => {
    if (group.length === 0) return;
    const data = new Uint8Array(width * height * 3 * group.length);
    group.forEach((f, i) => data.set(f.data, i * f.data.length));
    const t0 = performance.now();
    await ctx.engine.run(model, { data, n: group.length, width, height });
    ms += performance.now() - t0;
    group = [];
  };
  for await (const frame of decodeFrames(input, { width, height })) {
    group.push(frame);
    if (group.length === batch) await flush();
  }
  await flush();
  return ms;
}

/**
 * Uploaded-video throughput: a 10 s 640x360 30 fps clip with sound, decoded by ffmpeg, run
 * through the shared pipeline (offline mode) and encoded to H.264 + copied AAC, against the
 * pure inference time of the same frames.
 */
export const videoFileSection: BenchSection = {
  name: 'video-file',
  description: 'toonstream process speed on a 10 s 640x360 30 fps clip (x real time) and total / pure inference time',
  async run(ctx) {
    const model = pipelineModel(ctx);
    const card = ctx.engine.models().find((m) => m.name === model);
    if (!card) throw new Error(`model ${model} is not loaded`);
    const dir = mkdtempSync(join(tmpdir(), 'toonstream-bench-video-'));
    try {
      const input = makeClip(dir);
      const info = await probeVideo(input);
      const pipeline = createPipeline(ctx.engine, { metrics: new Registry() });
      await pipeline.warmUp();
      const ws = workingShape(WIDTH, HEIGHT, card.input.workingShortSide, Math.max(pipeline.config.bucketMultiple, card.input.multipleOf));
      // Warm the model at the working shape so the first timed batch is not a cold start.
      await pureInference(ctx, model, input, ws.width, ws.height, 1).catch(() => 0);

      ctx.log(`video-file: ${model}: media only (decode + encode, no model)`);
      const passthrough = (): FrameSink & { close(): void } => ({
        submit: async (frame) => ({ frame, timestampMs: 0 }),
        close() {},
      });
      const media = await transcode({ input, info, output: join(dir, 'media-only.mp4'), format: 'mp4', openStream: passthrough });

      ctx.log(`video-file: ${model}: full processing`);
      const full = await withPeakRss(() =>
        transcode({
          input, info, output: join(dir, 'cartoon.mp4'), format: 'mp4',
          openStream: (w, h) => pipeline.openStream({ model, mode: 'offline', outputWidth: w, outputHeight: h }),
        }),
      );
      await pipeline.close();

      ctx.log(`video-file: ${model}: pure inference of the same frames at ${ws.width}x${ws.height}`);
      const batch = pipeline.config.maxBatchSize;
      const inf1 = await pureInference(ctx, model, input, ws.width, ws.height, 1);
      const infB = batch > 1 ? await pureInference(ctx, model, input, ws.width, ws.height, batch) : inf1;
      const inferenceS = Math.min(inf1, infB) / 1000;
      const totalS = full.value.elapsedS;
      const frames = full.value.frames;
      const data = {
        model,
        usingFixture: ctx.usingFixture,
        clip: `${WIDTH}x${HEIGHT} ${FPS} fps ${SECONDS} s, H.264 + AAC`,
        working: `${ws.width}x${ws.height}`,
        frames,
        totalS,
        fps: frames / totalS,
        realTimeFactor: info.durationS / totalS,
        mediaOnlyS: media.elapsedS,
        pureInferenceS: inferenceS,
        pureInferenceBatch1S: inf1 / 1000,
        pureInferenceBatchNS: infB / 1000,
        batch,
        ratioTotalToInference: totalS / inferenceS,
        rssStartMiB: full.startMiB,
        rssPeakMiB: full.peakMiB,
      };
      return {
        title: `Video file processing (${model}${ctx.usingFixture ? ', the test fixture: no product model installed' : ''})`,
        columns: ['clip', 'working', 'total s', 'fps', 'x real time', 'media only s', 'pure inference s', 'total / inference', 'peak RSS MiB'],
        rows: [[
          data.clip, data.working, fixed(totalS, 2), fixed(data.fps), fixed(data.realTimeFactor, 2), fixed(media.elapsedS, 2),
          fixed(inferenceS, 2), fixed(data.ratioTotalToInference, 2), `${fixed(full.peakMiB, 0)} (start ${fixed(full.startMiB, 0)})`,
        ]],
        notes: [
          'total: probe excluded; ffmpeg decode -> pipeline (offline, 4 frames in flight) -> libx264 veryfast + AAC copy, to a temp file then renamed',
          `pure inference: engine.run() alone on the same frames at the working size (the faster of batch 1 and batch ${batch})`,
          'media only: the same decode + encode with frames passed through untouched (no model, no pipeline)',
        ],
        data,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
