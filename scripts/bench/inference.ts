import { photoFrame } from './photo';
import { ms, summarize, timeRuns, type Summary } from './stats';
import type { BenchSection } from './types';

const SIZES = [
  { width: 256, height: 256 },
  { width: 640, height: 360 },
] as const;

/** Single-frame engine.run() latency per model at 256x256 and 640x360. */
export const inferenceSection: BenchSection = {
  name: 'inference',
  description: 'single-frame inference latency (median, p95) at 256x256 and 640x360',
  async run(ctx) {
    const rows: string[][] = [];
    const data: Array<{ model: string; width: number; height: number } & Summary> = [];
    for (const model of ctx.models) {
      for (const { width, height } of SIZES) {
        ctx.log(`inference: ${model} ${width}x${height}`);
        const frame = await photoFrame(width, height);
        const samples = await timeRuns(() => ctx.engine.run(model, { data: frame, n: 1, height, width }), ctx.runs);
        const s = summarize(samples);
        data.push({ model, width, height, ...s });
        rows.push([model, `${width}x${height}`, ms(s.median), ms(s.p95), (1000 / s.median).toFixed(1)]);
      }
    }
    return {
      title: 'Single-frame inference (engine.run, batch 1)',
      columns: ['model', 'size', 'median ms', 'p95 ms', 'fps @ median'],
      rows,
      data,
    };
  },
};
