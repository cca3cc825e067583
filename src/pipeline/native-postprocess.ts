import { join } from 'node:path';
import { repoRoot } from '../paths';

/** The arguments of native/addon.cc's postprocess(); see there for the layouts. */
export interface NativePostprocessArgs {
  readonly guide: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly low: Uint8Array;
  readonly cartoon: Uint8Array;
  readonly lowWidth: number;
  readonly lowHeight: number;
  /** All three null without a previous frame. */
  readonly prevLow: Uint8Array | null;
  readonly prevState: Float32Array | null;
  readonly prevOutput: Uint8Array | null;
  /** The graph's layout: smoothing, strength, cut_threshold, (valid: unused), motion_tau, eps, detail, full_res. */
  readonly params: Float32Array;
  /** Written: the frame at output size. */
  readonly output: Uint8Array;
  /** Written: the smoothed cartoon, planar float RGB at working size. */
  readonly state: Float32Array;
  /** Written: [change, dx, dy, zoom]. */
  readonly result: Float32Array;
  /** Use the kernels built for any CPU even where the AVX2 build could run (tests, comparisons). */
  readonly genericKernels?: boolean;
}

/**
 * The post-processing in native code (native/, a Node addon `npm ci` builds): the same maths as
 * assets/graphs/postprocess.onnx in a few fused passes on libuv's thread pool, several times
 * faster than the graph's dozens of ONNX Runtime kernels on a CPU.
 */
export interface NativePostprocess {
  postprocess(args: NativePostprocessArgs): Promise<void>;
  /** The kernel build this CPU runs: 'avx2' (AVX2 + FMA) or 'generic'. */
  readonly instructionSet: 'avx2' | 'generic';
}

export const NATIVE_ADDON_PATH: string = join(repoRoot, 'native', 'build', 'Release', 'toonstream_native.node');

let loaded: { addon: NativePostprocess | null; error: string | null } | undefined;

function load(): { addon: NativePostprocess | null; error: string | null } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(NATIVE_ADDON_PATH) as NativePostprocess, error: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      loaded = { addon: null, error: `${NATIVE_ADDON_PATH} did not load (${reason}); build it with npm run install` };
    }
  }
  return loaded;
}

/** The native addon, or null when it was not built (nativePostprocessError() says why). */
export function nativePostprocess(): NativePostprocess | null {
  return load().addon;
}

export function nativePostprocessError(): string | null {
  return load().error;
}
