import { Registry } from 'prom-client';
import type { Frame } from '../../src/engine/types';
import { createPipeline, type FramePipeline, type PipelineConfig } from '../../src/pipeline';
import type { FrameStream, StreamResult } from '../../src/pipeline/types';
import { photoFrame } from './photo';
import type { BenchContext } from './types';

/** The model the pipeline sections measure: toon-fast when installed, else the first loaded. */
export function pipelineModel(ctx: BenchContext): string {
  return ctx.models.find((m) => m === 'toon-fast') ?? ctx.models.find((m) => m.startsWith('toon-fast')) ?? ctx.models[0];
}

export function benchPipeline(ctx: BenchContext, config: PipelineConfig = {}): FramePipeline {
  return createPipeline(ctx.engine, { metrics: new Registry(), ...config });
}

export async function photo(width: number, height: number): Promise<Frame> {
  const data = await photoFrame(width, height);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

export interface DriveResult {
  readonly frames: number;
  readonly dropped: number;
  readonly ms: number;
}

/**
 * Keeps `inFlight` frames outstanding on every stream for `durationMs`, then waits for the
 * stragglers. Returns frames processed per stream in total and the wall time.
 */
export async function drive(streams: readonly FrameStream[], frame: Frame, durationMs: number, inFlight: number): Promise<DriveResult> {
  const started = performance.now();
  let frames = 0;
  let dropped = 0;
  await Promise.all(
    streams.map(async (stream) => {
      const pending = new Set<Promise<StreamResult>>();
      while (performance.now() - started < durationMs) {
        while (pending.size < inFlight) {
          const p: Promise<StreamResult> = stream.submit(frame).then((r) => {
            pending.delete(p);
            if (r) frames++;
            else dropped++;
            return r;
          });
          pending.add(p);
        }
        await Promise.race(pending);
      }
      await Promise.all(pending);
    }),
  );
  return { frames, dropped, ms: performance.now() - started };
}

/** Submits every frame in order, `inFlight` outstanding; returns the outputs (throws on a drop). */
export async function processClip(stream: FrameStream, frames: readonly Frame[], inFlight = 3): Promise<Frame[]> {
  const results: Array<Promise<StreamResult>> = [];
  for (let i = 0; i < frames.length; i++) {
    if (i >= inFlight) await results[i - inFlight];
    results.push(stream.submit(frames[i], i));
  }
  return (await Promise.all(results)).map((r) => {
    if (!r) throw new Error('offline frame dropped');
    return r.frame;
  });
}

export const fixed = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
