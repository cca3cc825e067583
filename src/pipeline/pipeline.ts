import { register } from 'prom-client';
import type { Engine, Frame } from '../engine/types';
import { DynamicBatcher, type BatchItem } from './batcher';
import { systemClock } from './clock';
import { defaultPipelineConfig, resolveConfig, type PipelineConfig, type ResolvedPipelineConfig } from './config';
import { pipelineMetrics, type PipelineMetrics } from './metrics';
import { nativeAddonError } from './native';
import { defaultGraphsDir, Postprocessor } from './postprocess';
import { PipelineStream, type ModelLane, type StreamContext } from './stream';
import type { FrameStream, Pipeline, StreamOptions } from './types';

const MAX_OUTPUT_SIDE = 4096;

/** Concatenates same-shape frames into one NHWC batch (one memcpy per frame). */
function stack(frames: readonly Frame[]): Uint8Array {
  if (frames.length === 1) return frames[0].data;
  const size = frames[0].data.length;
  const data = new Uint8Array(size * frames.length);
  frames.forEach((f, i) => data.set(f.data, i * size));
  return data;
}

export class FramePipeline implements Pipeline {
  readonly config: ResolvedPipelineConfig;
  private readonly lanes = new Map<string, ModelLane>();
  private readonly streams = new Set<PipelineStream>();
  private readonly metrics: PipelineMetrics;
  private readonly postprocessor: Postprocessor;
  private readonly context: StreamContext;
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    config: PipelineConfig,
  ) {
    // As many batches in flight as the engine has sessions per model, so all of them can work.
    const inflight = config.maxInflightBatches ?? Math.max(defaultPipelineConfig(engine.device).maxInflightBatches, engine.sessionsPerModel ?? 1);
    this.config = resolveConfig(engine.device, { ...config, maxInflightBatches: inflight }, defaultGraphsDir);
    this.metrics = pipelineMetrics(config.metrics ?? register);
    this.postprocessor = new Postprocessor(this.config.graphsDir, engine.device, this.config.postprocessThreads);
    if (engine.device === 'cpu' && this.postprocessor.runtime === 'onnx') {
      this.config.logger?.warn({ reason: nativeAddonError() }, 'native post-processing unavailable: it runs in ONNX Runtime, several times slower on a CPU (and sharp resizes frames)');
    }
    this.context = {
      lane: (model) => this.lane(model),
      postprocessor: this.postprocessor,
      metrics: this.metrics,
      clock: this.config.clock ?? systemClock,
      config: this.config,
      onClose: (stream) => this.streams.delete(stream as PipelineStream),
    };
  }

  /** Opens the post-processing session now instead of on the first frame. */
  async warmUp(): Promise<void> {
    await this.postprocessor.ready();
  }

  openStream(options: StreamOptions): FrameStream {
    if (this.closed) throw new Error('pipeline is closed');
    for (const side of ['outputWidth', 'outputHeight'] as const) {
      const v = options[side];
      if (!Number.isInteger(v) || v < 1 || v > MAX_OUTPUT_SIDE) {
        throw new RangeError(`${side} must be an integer in [1, ${MAX_OUTPUT_SIDE}], got ${v}`);
      }
    }
    if (options.mode !== 'live' && options.mode !== 'offline') throw new RangeError(`unknown stream mode ${String(options.mode)}`);
    if (options.deadlineMs !== undefined && !(options.deadlineMs >= 0)) throw new RangeError('deadlineMs must be >= 0');
    const id = options.id ?? `stream-${++this.nextId}`;
    const stream = new PipelineStream(id, options, this.context);
    this.streams.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const streams = [...this.streams];
    for (const stream of streams) stream.close();
    await Promise.all([...this.lanes.values()].map((lane) => lane.batcher.close()));
    // Frames already inferred still finish their post-processing before its session goes.
    await Promise.all(streams.map((s) => s.settled()));
    await this.postprocessor.close();
  }

  private lane(model: string): ModelLane {
    const existing = this.lanes.get(model);
    if (existing) return existing;
    const card = this.engine.models().find((m) => m.name === model);
    if (!card || !this.engine.has(model)) throw new Error(`unknown model "${model}"`);
    const { maxBatchSize, maxQueueDelayMs, maxInflightBatches, bucketMultiple, logger } = this.config;
    const batcher = new DynamicBatcher<Frame, Uint8Array>({
      maxBatchSize,
      maxQueueDelayMs,
      maxInflight: maxInflightBatches,
      clock: this.context.clock,
      run: (items) => this.infer(model, items),
      onBatch: (info) => {
        this.metrics.batch(model, info.size, info.queueDelaysMs);
        logger?.debug({ model, size: info.size, shape: info.shapeKey }, 'batch');
      },
    });
    const lane: ModelLane = {
      batcher,
      workingShortSide: card.input.workingShortSide,
      bucketMultiple: Math.max(bucketMultiple, card.input.multipleOf),
    };
    this.lanes.set(model, lane);
    return lane;
  }

  private async infer(model: string, items: readonly BatchItem<Frame>[]): Promise<Uint8Array[]> {
    const frames = items.map((i) => i.payload);
    const { width, height } = frames[0];
    // A stacked batch is a fresh buffer nobody else holds: the engine may move it to its thread.
    const out = await this.engine.run(model, { data: stack(frames), n: frames.length, width, height, handOver: frames.length > 1 });
    const size = width * height * 3;
    return frames.map((_, i) => out.data.subarray(i * size, (i + 1) * size));
  }
}
