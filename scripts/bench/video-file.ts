import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { engineThreads, type EngineProfile } from '../../src/cli/runtime';
import { createEngine, type OnnxEngine } from '../../src/engine';
import type { Frame } from '../../src/engine/types';
import { ffmpegBinaries } from '../../src/media/binaries';
import { decodeFrames } from '../../src/media/decoder';
import { probeVideo } from '../../src/media/probe';
import { transcode, type FrameSink } from '../../src/media/transcode';
import { createPipeline } from '../../src/pipeline';
import { workingShape } from '../../src/pipeline/shapes';
import { repoRoot } from '../../src/paths';
import { fixed, pipelineModel } from './pipeline-common';
import { runSampled } from './process-tree-memory';
import type { BenchContext, BenchSection } from './types';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;
const SECONDS = 10;

/** Clip lengths `toonstream process` runs in a process of its own, for its memory: flat with length. */
const MEMORY_CLIP_SECONDS = [SECONDS, 4 * SECONDS];

function makeClip(dir: string, seconds = SECONDS): string {
  const path = join(dir, `bench-640x360-30fps-${seconds}s.mp4`);
  execFileSync(ffmpegBinaries().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', path,
  ]);
  return path;
}

/** The clip's frames at the working size, decoded once (300 frames of 448x256 are ~100 MB). */
async function decodeAll(input: string, width: number, height: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(input, { width, height })) frames.push({ ...frame, data: Uint8Array.from(frame.data) });
  return frames;
}

/**
 * engine.run() time alone over the same frames (decoded beforehand), in batches of `batch`, with
 * up to `inFlight` batches outstanding (as many as the engine has sessions per model, so that a
 * multi-session engine is measured at its own best).
 */
async function pureInference(engine: OnnxEngine, model: string, frames: readonly Frame[], batch: number, inFlight = 1): Promise<number> {
  const { width, height } = frames[0];
  const batches: Uint8Array[] = [];
  for (let i = 0; i < frames.length; i += batch) {
    const group = frames.slice(i, i + batch);
    const data = new Uint8Array(width * height * 3 * group.length);
    group.forEach((f, j) => data.set(f.data, j * f.data.length));
    batches.push(data);
  }
  const running = new Set<Promise<void>>();
  const t0 = performance.now();
  for (const data of batches) {
    const run: Promise<void> = engine.run(model, { data, n: data.length / (width * height * 3), width, height }).then(() => void running.delete(run));
    running.add(run);
    if (running.size >= inFlight) await Promise.race(running);
  }
  await Promise.all(running);
  return performance.now() - t0;
}

/** An engine with only `model`, set up as `toonstream process` (throughput) or the server (latency) sets it up. */
async function engineFor(ctx: BenchContext, model: string, profile: EngineProfile, dir: string): Promise<OnnxEngine> {
  const only = join(dir, `models-${profile}`);
  mkdirSync(only);
  const path = ctx.engine.modelPath(model);
  if (!path) throw new Error(`model ${model} has no file`);
  copyFileSync(join(ctx.config.modelsDir, `${model}.json`), join(only, `${model}.json`));
  copyFileSync(path, join(only, path.split('/').pop()!));
  return createEngine({ modelsDir: only, device: ctx.config.device, ...engineThreads(ctx.config, profile), registry: new Registry() });
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
      ctx.log(`video-file: ${model}: media only (decode + encode, no model)`);
      const passthrough = (): FrameSink & { close(): void } => ({
        submit: async (frame) => ({ frame, timestampMs: 0 }),
        close() {},
      });
      const media = await transcode({ input, info, output: join(dir, 'media-only.mp4'), format: 'mp4', openStream: passthrough });

      const rows = [];
      for (const [profile, label] of [['latency', 'server job'], ['throughput', 'toonstream process']] as const) {
        const engine = profile === 'latency' && ctx.config.sessionsPerModel <= 1 ? ctx.engine : await engineFor(ctx, model, profile, dir);
        try {
          const pipeline = createPipeline(engine, { metrics: new Registry() });
          await pipeline.warmUp();
          const ws = workingShape(WIDTH, HEIGHT, card.input.workingShortSide, Math.max(pipeline.config.bucketMultiple, card.input.multipleOf));
          const sessions = engine.sessionsPerModel ?? 1;
          const lowFrames = await decodeAll(input, ws.width, ws.height);
          // Warm the model at the working shape so the first timed batch is not a cold start.
          await pureInference(engine, model, lowFrames.slice(0, 2 * sessions), 1, sessions);
          ctx.log(`video-file: ${model}: ${label}: full processing`);
          const full = await transcode({
            input, info, output: join(dir, `cartoon-${profile}.mp4`), format: 'mp4',
            openStream: (w, h) => pipeline.openStream({ model, mode: 'offline', outputWidth: w, outputHeight: h }),
          });
          await pipeline.close();
          ctx.log(`video-file: ${model}: ${label}: pure inference of the same frames at ${ws.width}x${ws.height}`);
          const batch = pipeline.config.maxBatchSize;
          const inf1 = await pureInference(engine, model, lowFrames, 1, sessions);
          const infB = batch > 1 ? await pureInference(engine, model, lowFrames, batch, sessions) : inf1;
          const inferenceS = Math.min(inf1, infB) / 1000;
          const totalS = full.elapsedS;
          const threads = engineThreads(ctx.config, profile).intraOpThreads;
          rows.push({
            engine: `${label}: ${sessions} session${sessions > 1 ? 's' : ''} x ${threads || 'auto'} thread${threads === 1 ? '' : 's'}`,
            working: `${ws.width}x${ws.height}`,
            frames: full.frames,
            totalS,
            fps: full.frames / totalS,
            realTimeFactor: info.durationS / totalS,
            pureInferenceS: inferenceS,
            pureInferenceBatch1S: inf1 / 1000,
            pureInferenceBatchNS: infB / 1000,
            batch,
            ratioTotalToInference: totalS / inferenceS,
          });
        } finally {
          if (engine !== ctx.engine) await engine.close();
        }
      }
      // The real CLI in a process of its own: what a user waits for (model loading included) and
      // the memory of the job alone (node and its two ffmpeg), for clips of different lengths.
      const cli = [];
      for (const seconds of MEMORY_CLIP_SECONDS) {
        ctx.log(`video-file: ${model}: toonstream process, a ${seconds} s clip, in a process of its own`);
        const clip = seconds === SECONDS ? input : makeClip(dir, seconds);
        const run = await runSampled(process.execPath, [
          join(repoRoot, 'bin', 'toonstream.js'), 'process', clip, join(dir, `cli-${seconds}s.mp4`), '--model', model,
          '--models', ctx.config.modelsDir,
        ]);
        cli.push({ seconds, wallS: run.wallS, realTimeFactor: seconds / run.wallS, peakTreeRssMiB: run.peakTreeRssMiB });
      }
      const data = {
        model,
        usingFixture: ctx.usingFixture,
        clip: `${WIDTH}x${HEIGHT} ${FPS} fps ${SECONDS} s, H.264 + AAC`,
        mediaOnlyS: media.elapsedS,
        rows,
        cli,
      };
      return {
        title: `Video file processing (${model}${ctx.usingFixture ? ', the test fixture: no product model installed' : ''}), ${data.clip}`,
        columns: ['engine', 'working', 'total s', 'fps', 'x real time', 'media only s', 'pure inference s', 'total / inference'],
        rows: rows.map((r) => [
          r.engine, r.working, fixed(r.totalS, 2), fixed(r.fps), fixed(r.realTimeFactor, 2), fixed(media.elapsedS, 2),
          fixed(r.pureInferenceS, 2), fixed(r.ratioTotalToInference, 2),
        ]),
        notes: [
          'total: probe excluded; ffmpeg decode -> pipeline (offline, 4 frames in flight) -> libx264 veryfast + AAC copy, to a temp file then renamed',
          'server job: the engine as `toonstream serve` sets it up (one session per model, all cores: shortest time per frame for live streams)',
          'toonstream process: the engine as the CLI sets it up on a CPU (one single-thread session per core, up to 4)',
          `pure inference: engine.run() alone on the same frames at the working size, as many runs in flight as sessions (the faster of batch 1 and batch ${rows[0]?.batch ?? 1})`,
          'media only: the same decode + encode with frames passed through untouched (no model, no pipeline)',
          ...cli.map((c) =>
            `\`toonstream process\` as its own process, ${c.seconds} s clip: ${fixed(c.wallS, 2)} s from start to exit (model loading included, ` +
            `${fixed(c.realTimeFactor, 2)}x real time), peak resident memory of it and its ffmpeg processes ${fixed(c.peakTreeRssMiB, 0)} MiB`),
        ],
        data,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
