// Checks a GPU host: the CUDA execution provider loads, the model and the pipeline's
// post-processing graph run on it, and how fast.
//   node dist/scripts/gpu-check.js [--device cuda|tensorrt|cpu] [--models DIR] [--model NAME]
//                                  [--seconds N] [--streams 1,2,4,8,16,32] [--json FILE]
// Prints throughput of engine.run() for batch 1, 4, 16, 32 at 256x256 and 1280x720, the
// post-processing graph at 720p, how many 720p live streams at 30 fps the pipeline holds with
// p99 added latency <= 100 ms, and batched vs unbatched pipeline throughput (8 streams).
// Exit code 1 when the provider does not load.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createEngine, providerInstalled, type OnnxEngine } from '../src/engine';
import type { Device, Frame } from '../src/engine/types';
import { repoRoot } from '../src/paths';
import { createPipeline } from '../src/pipeline';
import { Postprocessor, defaultGraphsDir } from '../src/pipeline/postprocess';
import type { FrameStream } from '../src/pipeline/types';
import { drive } from './bench/pipeline-common';
import { quantile, summarize } from './bench/stats';

const BATCHES = [1, 4, 16, 32];
const SIZES = [
  { width: 256, height: 256 },
  { width: 1280, height: 720 },
];

function frame(width: number, height: number, n = 1): Uint8Array {
  const data = new Uint8Array(n * width * height * 3);
  // A smooth gradient, not zeros: some kernels take shortcuts on constant data.
  for (let i = 0; i < data.length; i += 997) data.fill((i / 997) % 251, i, Math.min(data.length, i + 997));
  return data;
}

async function timeFor(seconds: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || samples.length < 5) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

async function liveStreams(engine: OnnxEngine, model: string, count: number, seconds: number): Promise<{ fps: number; p99: number; dropped: number; received: number }> {
  const pipeline = createPipeline(engine, { metrics: new Registry() });
  await pipeline.warmUp();
  const input: Frame = { data: frame(1280, 720), width: 1280, height: 720 };
  const streams: FrameStream[] = Array.from({ length: count }, () =>
    pipeline.openStream({ model, mode: 'live', outputWidth: 1280, outputHeight: 720, deadlineMs: 100 }),
  );
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    streams.map(async (s, k) => {
      const pending: Array<Promise<unknown>> = [];
      // Stagger the cameras over one frame interval, as independent sources would be.
      await new Promise((r) => setTimeout(r, (k * 33) / count));
      for (let i = 0; performance.now() - start < seconds * 1000; i++) {
        const sent = performance.now();
        pending.push(s.submit(input).then((r) => r && latencies.push(performance.now() - sent)));
        await new Promise((r) => setTimeout(r, Math.max(0, start + ((i + 1) * 1000) / 30 - performance.now())));
      }
      await Promise.all(pending);
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const stats = streams.map((s) => s.stats());
  await pipeline.close();
  latencies.sort((a, b) => a - b);
  return {
    fps: stats.reduce((t, s) => t + s.processed, 0) / elapsed / count,
    p99: quantile(latencies, 0.99),
    dropped: stats.reduce((t, s) => t + s.dropped, 0),
    received: stats.reduce((t, s) => t + s.received, 0),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string', default: process.env.TOONSTREAM_DEVICE ?? 'cuda' },
      models: { type: 'string', default: process.env.TOONSTREAM_MODELS_DIR ?? join(repoRoot, 'models') },
      model: { type: 'string' },
      seconds: { type: 'string', default: '3' },
      streams: { type: 'string', default: '1,2,4,8,16,32' },
      json: { type: 'string' },
    },
  });
  const device = values.device as Device;
  if (!['cpu', 'cuda', 'tensorrt'].includes(device)) throw new Error(`--device must be cpu, cuda or tensorrt, got ${device}`);
  const seconds = Number(values.seconds);
  const report: Record<string, unknown> = { date: new Date().toISOString(), device };

  console.log(`provider library for ${device} installed: ${providerInstalled(device)}`);
  let engine: OnnxEngine;
  try {
    engine = await createEngine({ modelsDir: values.models, device, registry: new Registry() });
  } catch (error) {
    console.error(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  const model = values.model ?? engine.models().find((m) => m.name.startsWith('toon-fast'))?.name ?? engine.defaultModel();
  if (!model) {
    console.error(`FAIL: no model loaded from ${values.models} (${engine.skipped().map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
    process.exitCode = 1;
    await engine.close();
    return;
  }
  console.log(`OK: ${engine.device} engine, model ${model} from ${engine.modelPath(model)}`);
  report.model = model;
  report.modelFile = engine.modelPath(model);

  const inference: Array<Record<string, number | string>> = [];
  console.log('\nengine.run() throughput');
  console.log('size       batch  median ms  p95 ms  frames/s');
  for (const { width, height } of SIZES) {
    for (const n of BATCHES) {
      const data = frame(width, height, n);
      let samples: number[];
      try {
        samples = await timeFor(seconds, () => engine.run(model, { data, n, width, height }));
      } catch (error) {
        console.log(`${width}x${height}  ${n}  failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        continue;
      }
      const s = summarize(samples);
      const fps = (n * 1000) / s.median;
      inference.push({ width, height, batch: n, medianMs: s.median, p95Ms: s.p95, fps });
      console.log(`${`${width}x${height}`.padEnd(10)} ${String(n).padStart(5)}  ${s.median.toFixed(1).padStart(9)}  ${s.p95.toFixed(1).padStart(6)}  ${fps.toFixed(1).padStart(8)}`);
    }
  }
  report.inference = inference;

  const post = new Postprocessor(defaultGraphsDir, device, device === 'cpu' ? 2 : 1);
  const guide = { data: frame(1280, 720), width: 1280, height: 720 };
  const low = { data: frame(448, 256), width: 448, height: 256 };
  const run = (): Promise<unknown> =>
    post.run({ guide, low, cartoon: low.data, previous: null, smoothing: 0.8, strength: 1, cutThreshold: 0.12, motionTau: 16, guidedEps: 1e-3, guidedDetail: 0, fullResSmoothing: 1 });
  const ps = summarize(await timeFor(seconds, run));
  await post.close();
  console.log(`\npost-processing graph 448x256 -> 1280x720: median ${ps.median.toFixed(1)} ms, p95 ${ps.p95.toFixed(1)} ms`);
  report.postprocess720p = ps;

  const live: Array<Record<string, number>> = [];
  console.log('\n720p live streams at 30 fps each (deadline 100 ms)');
  console.log('streams  fps/stream  p99 latency ms  dropped/received');
  for (const count of values.streams.split(',').map(Number)) {
    const r = await liveStreams(engine, model, count, Math.max(3, seconds));
    live.push({ streams: count, ...r });
    console.log(`${String(count).padStart(7)}  ${r.fps.toFixed(1).padStart(10)}  ${r.p99.toFixed(0).padStart(14)}  ${r.dropped}/${r.received}`);
    if (r.fps < 27 || r.p99 > 100) break;
  }
  report.live720p = live;

  // Batched vs unbatched: 8 offline 720p streams, 2 frames in flight each.
  const batching: Array<Record<string, number>> = [];
  console.log('\n8 offline 720p streams: pipeline frames/s by max batch size');
  for (const maxBatchSize of [1, 16]) {
    const pipeline = createPipeline(engine, { metrics: new Registry(), maxBatchSize });
    await pipeline.warmUp();
    const streams = Array.from({ length: 8 }, () => pipeline.openStream({ model, mode: 'offline', outputWidth: 1280, outputHeight: 720 }));
    const input: Frame = { data: frame(1280, 720), width: 1280, height: 720 };
    await drive(streams, input, 1000, 2);
    const r = await drive(streams, input, Math.max(3, seconds) * 1000, 2);
    const fps = (r.frames * 1000) / r.ms;
    batching.push({ maxBatchSize, fps });
    console.log(`max batch ${String(maxBatchSize).padStart(2)}: ${fps.toFixed(1)} frames/s`);
    await pipeline.close();
  }
  report.batching720p = batching;
  await engine.close();
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
