import type { Engine } from '../engine/types';
import type { PipelineConfig } from './config';
import { FramePipeline } from './pipeline';

export type { FrameStream, Pipeline, StreamMode, StreamOptions, StreamResult, StreamStats } from './types';
export type { PipelineConfig, PipelineLogger } from './config';
export { defaultPipelineConfig } from './config';
export { FramePipeline } from './pipeline';
export type { Clock } from './clock';

/**
 * The shared frame pipeline: one dynamic batcher per model across all streams, temporal
 * smoothing and guided upsampling in an ONNX graph on the engine's device. Returns the
 * FramePipeline class (a Pipeline with warmUp() and its resolved config).
 */
export function createPipeline(engine: Engine, config: PipelineConfig = {}): FramePipeline {
  return new FramePipeline(engine, config);
}
