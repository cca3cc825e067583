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

/** The arguments of native/addon.cc's resize(): RGB24 frames. */
export interface NativeResizeArgs {
  readonly src: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Written: the frame at outputWidth x outputHeight. */
  readonly output: Uint8Array;
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly genericKernels?: boolean;
}

/**
 * The pipeline's pixel work on a CPU in native code (native/, a Node addon `npm ci` builds), on
 * libuv's thread pool: the post-processing (the same maths as assets/graphs/postprocess.onnx in a
 * few fused passes, several times faster than the graph's dozens of ONNX Runtime kernels on a
 * CPU) and the resize of incoming frames (bilinear, antialiased when shrinking).
 */
export interface NativeAddon {
  postprocess(args: NativePostprocessArgs): Promise<void>;
  resize(args: NativeResizeArgs): Promise<void>;
  /** The kernel build this CPU runs: 'avx2' (AVX2 + FMA) or 'generic'. */
  readonly instructionSet: 'avx2' | 'generic';
}

export const NATIVE_ADDON_PATH: string = join(repoRoot, 'native', 'build', 'Release', 'toonstream_native.node');

let loaded: { addon: NativeAddon | null; error: string | null } | undefined;

function load(): { addon: NativeAddon | null; error: string | null } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(NATIVE_ADDON_PATH) as NativeAddon, error: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      loaded = { addon: null, error: `${NATIVE_ADDON_PATH} did not load (${reason}); build it with npm run install` };
    }
  }
  return loaded;
}

/** The native addon, or null when it was not built (nativeAddonError() says why). */
export function nativeAddon(): NativeAddon | null {
  return load().addon;
}

export function nativeAddonError(): string | null {
  return load().error;
}
