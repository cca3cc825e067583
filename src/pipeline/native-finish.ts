import { join } from 'node:path';
import { repoRoot } from '../paths';

/**
 * The post-processing's output stage in native code (native/finish.cc, built by `npm ci`):
 * upsamples the working-size coefficients of postprocess-coefficients.onnx and applies them to
 * the full-resolution frame in one pass, on libuv's thread pool.
 */
export interface NativeFinish {
  finishFrame(
    guide: Uint8Array,
    width: number,
    height: number,
    coefA: Float32Array,
    coefB: Float32Array,
    blend: Float32Array,
    lowWidth: number,
    lowHeight: number,
    prev: Uint8Array | null,
    motion: Float32Array,
    out: Uint8Array,
  ): Promise<void>;
}

export const NATIVE_ADDON_PATH: string = join(repoRoot, 'native', 'build', 'Release', 'toonstream_native.node');

let loaded: { addon: NativeFinish | null; error: string | null } | undefined;

/** The native addon, or null (with the reason from nativeFinishError()) when it was not built. */
export function nativeFinish(): NativeFinish | null {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(NATIVE_ADDON_PATH) as NativeFinish, error: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      loaded = { addon: null, error: `${NATIVE_ADDON_PATH} did not load (${reason}); build it with npm run install` };
    }
  }
  return loaded.addon;
}

export function nativeFinishError(): string | null {
  nativeFinish();
  return loaded?.error ?? null;
}
