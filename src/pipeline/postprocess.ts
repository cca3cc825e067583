import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { executionProviders } from '../engine/providers';
import type { Device, Frame } from '../engine/types';
import { RemoteSession, type RunResult } from '../ort/remote-session';
import { repoRoot } from '../paths';
import { nativeFinish, type NativeFinish } from './native-finish';

/** The whole post-processing in one graph (the output stage on the model's device: GPUs). */
export const POSTPROCESS_GRAPH = 'postprocess.onnx';
/** Its working-size part only; native/finish.cc applies the output stage (the CPU default). */
export const COEFFICIENTS_GRAPH = 'postprocess-coefficients.onnx';

/**
 * Where the full-resolution output stage runs: 'graph' in ONNX Runtime with the rest
 * (postprocess.onnx), 'native' in one fused pass of native/finish.cc after
 * postprocess-coefficients.onnx (about 4x less time on a CPU; see docs/PIPELINE.md).
 */
export type OutputStage = 'native' | 'graph';

/** 'native' on a CPU when the addon is built; a GPU keeps the frame on the GPU: 'graph'. */
export function defaultOutputStage(device: Device): OutputStage {
  return device === 'cpu' && nativeFinish() ? 'native' : 'graph';
}

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
 * blend) in its own ONNX Runtime session on the model's device, on a worker thread of its own so
 * that it overlaps the model's next run. The session is created on first use so
 * createPipeline() can stay synchronous.
 */
export class Postprocessor {
  private session: Promise<RemoteSession> | undefined;
  private closed = false;
  private readonly graphPath: string;
  private readonly native: NativeFinish | null;

  constructor(
    graphsDir: string,
    private readonly device: Device,
    private readonly threads: number,
    readonly outputStage: OutputStage = defaultOutputStage(device),
  ) {
    this.graphPath = join(graphsDir, outputStage === 'native' ? COEFFICIENTS_GRAPH : POSTPROCESS_GRAPH);
    this.native = outputStage === 'native' ? nativeFinish() : null;
    if (outputStage === 'native' && !this.native) throw new Error('the native output stage is not built (npm run install)');
  }

  ready(): Promise<RemoteSession> {
    if (this.closed) return Promise.reject(new Error('post-processor is closed'));
    if (!this.session) {
      if (!existsSync(this.graphPath)) {
        throw new Error(`${this.graphPath} is missing; build it with python3 scripts/graphs/build_pipeline_graphs.py`);
      }
      // TensorRT gains nothing on this small elementwise graph; CUDA keeps it beside the model.
      const device = this.device === 'tensorrt' ? 'cuda' : this.device;
      this.session = RemoteSession.open(this.graphPath, {
        sessionOptions: {
          executionProviders: executionProviders(device),
          intraOpNumThreads: this.threads,
          graphOptimizationLevel: 'all',
          // Threads that spin-wait after a run would steal the cores the model needs next.
          extra: { session: { 'intra_op.allow_spinning': '0' } },
        },
      });
    }
    return this.session;
  }

  async run(input: PostprocessInput): Promise<PostprocessOutput> {
    const session = await this.ready();
    const { guide, low } = input;
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
    const hwc = (data: Uint8Array, width: number, height: number) => ({ type: 'uint8' as const, data, dims: [1, height, width, 3] });
    const workingSize = {
      low: hwc(low.data, low.width, low.height),
      cartoon: hwc(input.cartoon, low.width, low.height),
      // Without state the graph ignores these (valid = 0); shapes must still match.
      prev_low: hwc(prev ? prev.low : low.data, low.width, low.height),
      prev_state: {
        type: 'float32' as const,
        data: prev ? prev.smoothed : new Float32Array(3 * low.width * low.height),
        dims: [1, 3, low.height, low.width],
      },
      params: { type: 'float32' as const, data: params, dims: [8] },
    };
    let out: RunResult['outputs'];
    let pixels: Uint8Array;
    if (this.native) {
      ({ outputs: out } = await session.run(workingSize, ['coef_a', 'coef_b', 'blend', 'state', 'change', 'motion']));
      const motion = out.motion.data as Float32Array;
      // Working-size pixels -> output pixels; the zoom is scale-free (as the graph's motion_out).
      const outputMotion = new Float32Array([motion[0] * (guide.width / low.width), motion[1] * (guide.height / low.height), motion[2]]);
      pixels = new Uint8Array(guide.width * guide.height * 3);
      await this.native.finishFrame(
        guide.data, guide.width, guide.height,
        out.coef_a.data as Float32Array, out.coef_b.data as Float32Array, out.blend.data as Float32Array,
        low.width, low.height, prev ? prev.output.data : null, outputMotion, pixels,
      );
    } else {
      const feeds = {
        ...workingSize,
        guide: hwc(guide.data, guide.width, guide.height),
        prev_output: hwc(prev ? prev.output.data : guide.data, guide.width, guide.height),
      };
      ({ outputs: out } = await session.run(feeds, ['output', 'state', 'change', 'motion']));
      pixels = out.output.data as Uint8Array;
    }
    const change = prev ? (out.change.data as Float32Array)[0] : 0;
    const [dx, dy, zoom] = out.motion.data as Float32Array;
    const frame = { data: pixels, width: guide.width, height: guide.height };
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
