import { histogram, type Registry } from '../metrics';

export interface EngineMetrics {
  observe(model: string, batchSize: number, seconds: number): void;
}

export function engineMetrics(registry: Registry): EngineMetrics {
  const latency = histogram(
    registry,
    'toonstream_inference_duration_seconds',
    'ONNX Runtime session.run() time per batch',
    ['model'],
    [0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  const batch = histogram(
    registry,
    'toonstream_inference_batch_size',
    'Frames per inference batch',
    ['model'],
    [1, 2, 3, 4, 6, 8, 12, 16, 32],
  );
  return {
    observe(model, batchSize, seconds) {
      latency.observe({ model }, seconds);
      batch.observe({ model }, batchSize);
    },
  };
}
