import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createEngine, type OnnxEngine } from '../../src/engine';
import type { Frame } from '../../src/engine/types';
import { createPipeline, type FramePipeline, type PipelineConfig } from '../../src/pipeline';
import type { FrameStream, StreamResult } from '../../src/pipeline/types';

export const FIXTURE_MODELS = join(__dirname, '..', 'fixtures', 'models');
export const FIXTURE_MODEL = 'tiny-test';

export async function fixtureEngine(): Promise<OnnxEngine> {
  return createEngine({ modelsDir: FIXTURE_MODELS, intraOpThreads: 2 });
}

export function newPipeline(engine: OnnxEngine, config: PipelineConfig = {}): { pipeline: FramePipeline; registry: Registry } {
  const registry = new Registry();
  return { pipeline: createPipeline(engine, { metrics: registry, ...config }), registry };
}

/** Submits frames in order with at most `inFlight` outstanding (offline back-pressure). */
export async function runAll(stream: FrameStream, frames: readonly Frame[], inFlight = 3): Promise<StreamResult[]> {
  const results: Array<Promise<StreamResult>> = [];
  for (let i = 0; i < frames.length; i++) {
    if (i >= inFlight) await results[i - inFlight];
    results.push(stream.submit(frames[i], i));
  }
  return Promise.all(results);
}

export function frames(results: readonly StreamResult[]): Frame[] {
  return results.map((r) => {
    if (!r) throw new Error('frame unexpectedly dropped');
    return r.frame;
  });
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values
    .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
    .reduce((s, v) => s + v.value, 0);
}

/** Sum and count of a histogram (all label sets together), read from the exposition text. */
export async function histogramTotals(registry: Registry, name: string): Promise<{ sum: number; count: number }> {
  const text = await registry.metrics();
  const total = (suffix: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}_${suffix}`))
      .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  return { sum: total('sum'), count: total('count') };
}
