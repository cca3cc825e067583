import type { InferenceSession } from 'onnxruntime-node';
import { RemoteSession, type RuntimeLogLevel } from '../ort/remote-session';
import { InvalidBatchError } from './errors';
import { SerialQueue } from './serial-queue';
import type { FrameBatch } from './types';

export interface SessionOptions {
  readonly executionProviders: InferenceSession.ExecutionProviderConfig[];
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly runtimeLogLevel: RuntimeLogLevel;
}

export function checkBatch(batch: FrameBatch): void {
  const { n, height, width, data } = batch;
  for (const [k, v] of [['n', n], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidBatchError(`batch ${k} must be a positive integer, got ${v}`);
  }
  if (!(data instanceof Uint8Array)) throw new InvalidBatchError('batch data must be a Uint8Array');
  if (data.length !== n * height * width * 3) {
    throw new InvalidBatchError(
      `batch data has ${data.length} bytes; ${n}x${height}x${width}x3 needs ${n * height * width * 3}`,
    );
  }
}

/**
 * One resident ONNX Runtime session with the uint8 NHWC contract, on its own worker thread;
 * runs one batch at a time.
 */
export class ModelSession {
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly session: RemoteSession,
    readonly inputName: string,
    readonly outputName: string,
  ) {}

  static async open(path: string, options: SessionOptions): Promise<ModelSession> {
    const session = await RemoteSession.open(path, {
      runtimeLogLevel: options.runtimeLogLevel,
      sessionOptions: {
        executionProviders: options.executionProviders,
        intraOpNumThreads: options.intraOpThreads,
        interOpNumThreads: options.interOpThreads,
        graphOptimizationLevel: 'all',
        // Threads that spin-wait after a run take the cores the post-processing graph, sharp and
        // ffmpeg need next (measured on 2 cores: an upload 15% faster, a 640x360 frame through the
        // pipeline 38 instead of 48 ms) for ~10% slower inference alone.
        extra: { session: { 'intra_op.allow_spinning': '0' } },
      },
    });
    try {
      const [input] = session.inputs;
      const [output] = session.outputs;
      if (!input || !output) throw new Error('the graph needs at least one input and one output');
      for (const [role, meta] of [['input', input], ['output', output]] as const) {
        if (!meta.isTensor || meta.type !== 'uint8' || meta.shape.length !== 4) {
          const got = meta.isTensor ? `${meta.type} rank ${meta.shape.length}` : 'a non-tensor';
          throw new Error(`first ${role} "${meta.name}" must be a uint8 [N,H,W,3] tensor, got ${got}`);
        }
      }
      return new ModelSession(session, input.name, output.name);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Frames queued or running on this session. */
  get queueDepth(): number {
    return this.queue.depth;
  }

  run(batch: FrameBatch, onDone?: (seconds: number) => void): Promise<FrameBatch> {
    checkBatch(batch);
    return this.queue.push(async () => {
      const dims = [batch.n, batch.height, batch.width, 3];
      const { outputs, seconds } = await this.session.run(
        { [this.inputName]: { type: 'uint8', data: batch.data, dims } },
        [this.outputName],
        { handOver: batch.handOver === true },
      );
      onDone?.(seconds);
      const out = outputs[this.outputName];
      if (out.type !== 'uint8' || out.dims.join('x') !== dims.join('x')) {
        throw new Error(`model returned ${out.type} [${out.dims.join(',')}], expected uint8 [${dims.join(',')}]`);
      }
      return { data: out.data as Uint8Array, n: batch.n, height: batch.height, width: batch.width };
    });
  }

  async close(): Promise<void> {
    await this.queue.drain();
    await this.session.release();
  }
}
