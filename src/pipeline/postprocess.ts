import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { executionProviders } from '../engine/providers';
import type { Device, Frame } from '../engine/types';
import { repoRoot } from '../paths';

export const POSTPROCESS_GRAPH = 'postprocess.onnx';

/** Temporal state of one stream: the working-size input and cartoon, and the last output. */
export interface SmoothingState {
  readonly low: Uint8Array;
  /** Smoothed cartoon, float NCHW 0..255. */
  readonly smoothed: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The frame this stream returned last (output size, RGB24); never written to afterwards. */
  readonly output: Frame;
}

export interface PostprocessInput {
  /** The frame at output size. */
  readonly guide: Frame;
  /** The frame at working size, as the generator saw it. */
  readonly low: Frame;
  readonly cartoon: Uint8Array;
  readonly previous: SmoothingState | null;
  readonly smoothing: number;
  readonly strength: number;
  readonly cutThreshold: number;
  readonly motionTau: number;
  readonly guidedEps: number;
  /** 0: Wu et al.'s box-averaged b (smooths the cartoon where the frame is flat); 1: b from the unfiltered cartoon (keeps its sharpness). */
  readonly guidedDetail: number;
  /** 0..1: share of the smoothing weight also applied at output size (the frame's detail and noise). */
  readonly fullResSmoothing: number;
}

export interface PostprocessOutput {
  readonly frame: Frame;
  readonly state: SmoothingState;
  /** Mean absolute input change since the previous frame, 0..1 (0 without a previous frame). */
  readonly change: number;
  /**
   * Estimated global motion since the previous frame: translation in working-size pixels and
   * relative zoom. Exactly [0, 0, 0] for a still camera (and without a previous frame): the
   * graph then skips motion compensation.
   */
  readonly motion: readonly [dx: number, dy: number, zoom: number];
}

/**
 * Runs assets/graphs/postprocess.onnx (temporal smoothing + fast guided upsampling + strength
 * blend) in its own ONNX Runtime session on the model's device. The session is created on first
 * use so createPipeline() can stay synchronous.
 */
export class Postprocessor {
  private session: Promise<InferenceSession> | undefined;
  private closed = false;

  constructor(
    private readonly graphPath: string,
    private readonly device: Device,
    private readonly threads: number,
  ) {}

  static inDir(dir: string, device: Device, threads: number): Postprocessor {
    return new Postprocessor(join(dir, POSTPROCESS_GRAPH), device, threads);
  }

  ready(): Promise<InferenceSession> {
    if (this.closed) return Promise.reject(new Error('post-processor is closed'));
    if (!this.session) {
      if (!existsSync(this.graphPath)) {
        throw new Error(`${this.graphPath} is missing; build it with python3 scripts/graphs/build_pipeline_graphs.py`);
      }
      // TensorRT gains nothing on this small elementwise graph; CUDA keeps it beside the model.
      const device = this.device === 'tensorrt' ? 'cuda' : this.device;
      this.session = InferenceSession.create(this.graphPath, {
        executionProviders: executionProviders(device),
        intraOpNumThreads: this.threads,
        graphOptimizationLevel: 'all',
        // This session alternates with the model's on the same cores; threads that spin-wait
        // after each run would steal the model's time (measured: 2x slower on 2 cores).
        extra: { session: { 'intra_op.allow_spinning': '0' } },
      });
    }
    return this.session;
  }

  async run(input: PostprocessInput): Promise<PostprocessOutput> {
    const session = await this.ready();
    const { guide, low } = input;
    const lowDims = [1, low.height, low.width, 3];
    const prev =
      input.previous &&
      input.previous.width === low.width &&
      input.previous.height === low.height &&
      input.previous.output.width === guide.width &&
      input.previous.output.height === guide.height
        ? input.previous
        : null;
    const params = new Float32Array([
      input.smoothing,
      input.strength,
      input.cutThreshold,
      prev ? 1 : 0,
      input.motionTau,
      input.guidedEps,
      input.guidedDetail,
      input.fullResSmoothing,
    ]);
    const feeds = {
      guide: new Tensor('uint8', guide.data, [1, guide.height, guide.width, 3]),
      low: new Tensor('uint8', low.data, lowDims),
      cartoon: new Tensor('uint8', input.cartoon, lowDims),
      // Without state the graph ignores these (valid = 0); shapes must still match.
      prev_low: new Tensor('uint8', prev ? prev.low : low.data, lowDims),
      prev_state: new Tensor('float32', prev ? prev.smoothed : new Float32Array(3 * low.width * low.height), [
        1,
        3,
        low.height,
        low.width,
      ]),
      prev_output: new Tensor('uint8', prev ? prev.output.data : guide.data, [1, guide.height, guide.width, 3]),
      params: new Tensor('float32', params, [8]),
    };
    const out = await session.run(feeds);
    const change = prev ? (out.change.data as Float32Array)[0] : 0;
    const [dx, dy, zoom] = out.motion.data as Float32Array;
    const frame = { data: out.output.data as Uint8Array, width: guide.width, height: guide.height };
    return {
      frame,
      state: { low: low.data, smoothed: out.state.data as Float32Array, width: low.width, height: low.height, output: frame },
      change,
      motion: [dx + 0, dy + 0, zoom + 0], // + 0: no -0 from the still-camera switch
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (!this.session) return;
    const session = await this.session.catch(() => undefined);
    this.session = undefined;
    await session?.release();
  }
}

/** assets/graphs of the repository. */
export const defaultGraphsDir: string = join(repoRoot, 'assets', 'graphs');
