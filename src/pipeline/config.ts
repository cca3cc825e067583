import type { Registry } from 'prom-client';
import type { Device } from '../engine/types';
import type { Clock } from './clock';

/** The subset of a pino logger the pipeline uses. */
export interface PipelineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PipelineConfig {
  /** Most frames in one inference batch (all streams together). */
  readonly maxBatchSize?: number;
  /** Longest a frame waits for company before its batch is sent, ms. */
  readonly maxQueueDelayMs?: number;
  /** Default temporal smoothing strength 0..1 for streams that don't set one. */
  readonly smoothing?: number;
  /** Default cartoon strength 0..1. */
  readonly strength?: number;
  /** Overrides the model card's working short side (px). */
  readonly workingShortSide?: number;
  /** Default live-mode deadline, ms from submit(); undefined = none. */
  readonly deadlineMs?: number;
  readonly logger?: PipelineLogger;
  /** prom-client registry for the pipeline's metrics (default: prom-client's global one). */
  readonly metrics?: Registry;
  // Advanced knobs; defaults depend on the engine's device.
  /** Working sides are rounded to this many px so near-equal aspect ratios share a batch. */
  readonly bucketMultiple?: number;
  /** Batches running at once per model. */
  readonly maxInflightBatches?: number;
  /** Mean abs difference (0..1) of consecutive working-size inputs above which a cut resets smoothing. */
  readonly cutThreshold?: number;
  /** Local input change (0..255) at which smoothing fades to nothing. */
  readonly motionTau?: number;
  /** Guided filter regulariser (on 0..1 intensities). */
  readonly guidedEps?: number;
  /** 0..1: 0 = Wu et al.'s guided filter (b box-averaged), 1 = keep the cartoon's own detail where the frame is flat. */
  readonly guidedDetail?: number;
  /**
   * 0..1: share of the smoothing weight also applied at output size, to the detail (and camera
   * noise) the guided filter brings in from the full-resolution frame. 0 = working size only.
   */
  readonly fullResSmoothing?: number;
  /** Folder holding postprocess.onnx (default: assets/graphs of the repository). */
  readonly graphsDir?: string;
  /** ONNX Runtime intra-op threads of the post-processing session where it runs as the ONNX graph (GPUs, or a CPU without the native addon; 0 = ORT's choice). */
  readonly postprocessThreads?: number;
  /** Injectable time source (tests). */
  readonly clock?: Clock;
}

export type ResolvedPipelineConfig = Required<Omit<PipelineConfig, 'deadlineMs' | 'logger' | 'metrics' | 'clock'>> &
  Pick<PipelineConfig, 'deadlineMs' | 'logger' | 'metrics'> & { readonly clock?: Clock };

/**
 * Device-dependent defaults. On the 2-core CPU batching buys little (see docs/BENCHMARKS.md)
 * and waiting for company only adds latency; a GPU needs large batches to be busy, and two
 * batches in flight let one batch's copies overlap the other's compute.
 */
export function defaultPipelineConfig(device: Device): Omit<ResolvedPipelineConfig, 'graphsDir'> {
  const gpu = device !== 'cpu';
  return {
    maxBatchSize: gpu ? 16 : 4,
    maxQueueDelayMs: gpu ? 4 : 2,
    smoothing: 0.8,
    strength: 1,
    workingShortSide: 0,
    bucketMultiple: gpu ? 64 : 32,
    maxInflightBatches: gpu ? 2 : 1,
    cutThreshold: 0.12,
    motionTau: 16,
    guidedEps: 1e-3,
    guidedDetail: 0,
    fullResSmoothing: 1,
    postprocessThreads: gpu ? 1 : 2,
  };
}

function check(name: string, value: number, min: number, max: number, integer = false): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`pipeline ${name} must be ${integer ? 'an integer ' : ''}in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveConfig(device: Device, config: PipelineConfig, defaultGraphsDir: string): ResolvedPipelineConfig {
  const d = defaultPipelineConfig(device);
  const c = { ...d, graphsDir: defaultGraphsDir, ...stripUndefined(config) };
  check('maxBatchSize', c.maxBatchSize, 1, 256, true);
  check('maxQueueDelayMs', c.maxQueueDelayMs, 0, 10_000);
  check('smoothing', c.smoothing, 0, 1);
  check('strength', c.strength, 0, 1);
  check('workingShortSide', c.workingShortSide, 0, 4096, true);
  check('bucketMultiple', c.bucketMultiple, 1, 512, true);
  check('maxInflightBatches', c.maxInflightBatches, 1, 16, true);
  check('cutThreshold', c.cutThreshold, 0, 1);
  check('motionTau', c.motionTau, 0.01, 255);
  check('guidedEps', c.guidedEps, 0, 1);
  check('guidedDetail', c.guidedDetail, 0, 1);
  check('fullResSmoothing', c.fullResSmoothing, 0, 1);
  check('postprocessThreads', c.postprocessThreads, 0, 256, true);
  if (c.deadlineMs !== undefined) check('deadlineMs', c.deadlineMs, 0, 3_600_000);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
