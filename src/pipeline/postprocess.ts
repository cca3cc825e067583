import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { executionProviders } from '../engine/providers';
import type { Device, Frame } from '../engine/types';
import { RemoteSession } from '../ort/remote-session';
import { repoRoot } from '../paths';
import { unfilledBytes, unfilledFloats } from './memory';
import { nativeAddon, type NativeAddon } from './native';

/** The post-processing as one ONNX graph (scripts/graphs/build_pipeline_graphs.py). */
export const POSTPROCESS_GRAPH = 'postprocess.onnx';

/**
 * Where the post-processing runs: 'onnx' is postprocess.onnx in ONNX Runtime on the model's
 * device (GPUs: the frame stays beside the model); 'native' is native/ on the CPU, the same
 * maths in a few fused passes (several times faster there; see docs/PIPELINE.md).
 */
export type PostprocessRuntime = 'native' | 'onnx';

/** 'native' on a CPU when the addon is built, else 'onnx'. */
export function defaultPostprocessRuntime(device: Device): PostprocessRuntime {
  return device === 'cpu' && nativeAddon() ? 'native' : 'onnx';
}

interface RawResult {
  readonly pixels: Uint8Array;
  readonly smoothed: Float32Array;
  readonly change: number;
  readonly motion: readonly [number, number, number];
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
  /**
   * A smoothed state nothing reads any more (the stream's from two frames back), which the native
   * runtime writes this frame's state into when its size fits instead of allocating another.
   */
  readonly spareState?: Float32Array | null;
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
 * Temporal smoothing + fast guided upsampling + strength blend for one frame of a stream.
 * 'onnx' runs assets/graphs/postprocess.onnx in its own ONNX Runtime session on the model's
 * device, on a worker thread of its own so that it overlaps the model's next run (the session is
 * created on first use so createPipeline() can stay synchronous); 'native' runs native/ on
 * libuv's thread pool.
 */
export class Postprocessor {
  private session: Promise<RemoteSession> | undefined;
  private closed = false;
  private readonly native: NativeAddon | null;

  constructor(
    private readonly graphsDir: string,
    private readonly device: Device,
    private readonly threads: number,
    readonly runtime: PostprocessRuntime = defaultPostprocessRuntime(device),
    /** 'native' only: the kernels built for any CPU even where the AVX2 build could run. */
    private readonly genericKernels = false,
  ) {
    this.native = runtime === 'native' ? nativeAddon() : null;
    if (runtime === 'native' && !this.native) throw new Error('the native post-processing is not built (npm run install)');
  }

  /** Opens the ONNX Runtime session now ('onnx'); nothing to open for 'native'. */
  async ready(): Promise<void> {
    if (this.closed) throw new Error('post-processor is closed');
    if (this.runtime === 'onnx') await this.onnxSession();
  }

  private onnxSession(): Promise<RemoteSession> {
    if (!this.session) {
      const graphPath = join(this.graphsDir, POSTPROCESS_GRAPH);
      if (!existsSync(graphPath)) {
        throw new Error(`${graphPath} is missing; build it with python3 scripts/graphs/build_pipeline_graphs.py`);
      }
      // TensorRT gains nothing on this small elementwise graph; CUDA keeps it beside the model.
      const device = this.device === 'tensorrt' ? 'cuda' : this.device;
      this.session = RemoteSession.open(graphPath, {
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
    if (this.closed) throw new Error('post-processor is closed');
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
    const { pixels, smoothed, change, motion } = this.native
      ? await this.runNative(this.native, input, prev, params)
      : await this.runOnnx(input, prev, params);
    const [dx, dy, zoom] = motion;
    const frame = { data: pixels, width: guide.width, height: guide.height };
    return {
      frame,
      state: { low: low.data, smoothed, width: low.width, height: low.height, output: frame },
      change: prev ? change : 0,
      motion: [dx + 0, dy + 0, zoom + 0], // + 0: no -0 from the still-camera switch
    };
  }

  private async runNative(native: NativeAddon, input: PostprocessInput, prev: SmoothingState | null, params: Float32Array): Promise<RawResult> {
    const { guide, low } = input;
    const pixels = unfilledBytes(guide.width * guide.height * 3);
    const stateLength = 3 * low.width * low.height;
    const spare = input.spareState;
    const smoothed = spare && spare.length === stateLength && spare !== prev?.smoothed ? spare : unfilledFloats(stateLength);
    const result = new Float32Array(4);
    await native.postprocess({
      guide: guide.data, width: guide.width, height: guide.height,
      low: low.data, cartoon: input.cartoon, lowWidth: low.width, lowHeight: low.height,
      prevLow: prev ? prev.low : null, prevState: prev ? prev.smoothed : null, prevOutput: prev ? prev.output.data : null,
      params, output: pixels, state: smoothed, result, genericKernels: this.genericKernels,
    });
    return { pixels, smoothed, change: result[0], motion: [result[1], result[2], result[3]] };
  }

  private async runOnnx(input: PostprocessInput, prev: SmoothingState | null, params: Float32Array): Promise<RawResult> {
    const session = await this.onnxSession();
    const { guide, low } = input;
    const hwc = (data: Uint8Array, width: number, height: number) => ({ type: 'uint8' as const, data, dims: [1, height, width, 3] });
    const feeds = {
      guide: hwc(guide.data, guide.width, guide.height),
      low: hwc(low.data, low.width, low.height),
      cartoon: hwc(input.cartoon, low.width, low.height),
      // Without state the graph ignores these (valid = 0); shapes must still match.
      prev_low: hwc(prev ? prev.low : low.data, low.width, low.height),
      prev_state: {
        type: 'float32' as const,
        data: prev ? prev.smoothed : new Float32Array(3 * low.width * low.height),
        dims: [1, 3, low.height, low.width],
      },
      prev_output: hwc(prev ? prev.output.data : guide.data, guide.width, guide.height),
      params: { type: 'float32' as const, data: params, dims: [8] },
    };
    const { outputs: out } = await session.run(feeds, ['output', 'state', 'change', 'motion']);
    const [dx, dy, zoom] = out.motion.data as Float32Array;
    return {
      pixels: out.output.data as Uint8Array,
      smoothed: out.state.data as Float32Array,
      change: (out.change.data as Float32Array)[0],
      motion: [dx, dy, zoom],
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
