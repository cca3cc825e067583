import type { Registry } from 'prom-client';
import { counter, histogram } from '../metrics';
import type { DropReason } from './batcher';

export interface PipelineMetrics {
  batch(model: string, size: number, queueDelaysMs: readonly number[]): void;
  dropped(stream: string, reason: DropReason): void;
  processed(model: string, latencyMs: number, postprocessMs: number): void;
  sceneCut(stream: string): void;
  forgetStream(stream: string): void;
}

const REASONS: readonly DropReason[] = ['superseded', 'deadline', 'closed'];

export function pipelineMetrics(registry: Registry): PipelineMetrics {
  const batchSize = histogram(registry, 'toonstream_pipeline_batch_size', 'Frames per batch formed by the dynamic batcher',
    ['model'], [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]);
  const queueDelay = histogram(registry, 'toonstream_pipeline_queue_delay_seconds',
    'Time a frame waited in the batcher before its batch was formed', ['model'],
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1]);
  const latency = histogram(registry, 'toonstream_pipeline_frame_latency_seconds',
    'submit() to result, per processed frame', ['model'],
    [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5]);
  const post = histogram(registry, 'toonstream_pipeline_postprocess_seconds',
    'Smoothing + guided upsampling graph time per frame', ['model'],
    [0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25]);
  const drops = counter(registry, 'toonstream_pipeline_dropped_frames_total',
    'Frames dropped without inference, per stream and reason', ['stream', 'reason']);
  const cuts = counter(registry, 'toonstream_pipeline_scene_cuts_total',
    'Scene cuts detected (temporal smoothing reset)', ['stream']);
  return {
    batch(model, size, delays) {
      batchSize.observe({ model }, size);
      for (const ms of delays) queueDelay.observe({ model }, ms / 1000);
    },
    dropped(stream, reason) {
      drops.inc({ stream, reason });
    },
    processed(model, latencyMs, postprocessMs) {
      latency.observe({ model }, latencyMs / 1000);
      post.observe({ model }, postprocessMs / 1000);
    },
    sceneCut(stream) {
      cuts.inc({ stream });
    },
    // Per-stream series would grow without bound on a long-running server.
    forgetStream(stream) {
      for (const reason of REASONS) drops.remove({ stream, reason });
      cuts.remove({ stream });
    },
  };
}
