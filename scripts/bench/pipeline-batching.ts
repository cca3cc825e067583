import { benchPipeline, drive, fixed, photo, pipelineModel } from './pipeline-common';
import type { BenchSection } from './types';

const BATCHES = [1, 2, 4, 8];
const STREAMS = [1, 2, 4, 8];
const SECONDS_PER_CELL = 3;

/**
 * Throughput of the whole pipeline (resize, batcher, engine, post-processing) for each maximum
 * batch size and number of concurrent offline streams, 640x360 in and out, 2 frames in flight
 * per stream; then the device default.
 */
export const pipelineBatchingSection: BenchSection = {
  name: 'pipeline-batching',
  description: 'pipeline frames/s for max batch 1,2,4,8 x streams 1,2,4,8 (640x360)',
  async run(ctx) {
    const model = pipelineModel(ctx);
    const frame = await photo(640, 360);
    const rows: string[][] = [];
    const data: Array<Record<string, number | string>> = [];
    const cells: Array<{ batch: number | 'default'; streams: number }> = [];
    for (const batch of BATCHES) for (const streams of STREAMS) cells.push({ batch, streams });
    for (const streams of STREAMS) cells.push({ batch: 'default', streams });
    for (const cell of cells) {
      ctx.log(`pipeline-batching: ${model} batch ${cell.batch} streams ${cell.streams}`);
      const pipeline = benchPipeline(ctx, cell.batch === 'default' ? {} : { maxBatchSize: cell.batch, maxQueueDelayMs: 5 });
      await pipeline.warmUp();
      const streams = Array.from({ length: cell.streams }, () =>
        pipeline.openStream({ model, mode: 'offline', outputWidth: 640, outputHeight: 360 }),
      );
      await drive(streams, frame, 300, 1);
      const r = await drive(streams, frame, SECONDS_PER_CELL * 1000, 2);
      const fps = (r.frames * 1000) / r.ms;
      const lat = streams.map((s) => s.stats());
      const p50 = Math.max(...lat.map((l) => l.latencyMedianMs));
      const p95 = Math.max(...lat.map((l) => l.latencyP95Ms));
      const batchLabel = cell.batch === 'default' ? `default (${pipeline.config.maxBatchSize}, ${pipeline.config.maxQueueDelayMs} ms)` : String(cell.batch);
      data.push({ model, maxBatchSize: batchLabel, streams: cell.streams, fps, latencyMedianMs: p50, latencyP95Ms: p95, frames: r.frames });
      rows.push([batchLabel, String(cell.streams), fixed(fps), fixed(p50, 0), fixed(p95, 0)]);
      await pipeline.close();
    }
    return {
      title: `Pipeline throughput by max batch size and streams (${model}, 640x360 in/out, offline, 2 in flight per stream)`,
      columns: ['max batch', 'streams', 'frames/s (all streams)', 'latency median ms (worst stream)', 'latency p95 ms (worst stream)'],
      rows,
      notes: [`${SECONDS_PER_CELL} s per cell; max queue delay 5 ms except the default row`],
      data,
    };
  },
};
