import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listSupportedBackends, type InferenceSession } from 'onnxruntime-node';
import { ProviderUnavailableError } from './errors';
import type { Device } from './types';

export const GPU_INSTALL_HINT = 'npm ci --onnxruntime-node-install=cuda12';

/** The onnxruntime-node folder holding its native libraries (bin/napi-vN/PLATFORM/ARCH). */
function ortBinDir(): string | undefined {
  try {
    const dir = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function containsFile(dir: string, fragment: string, depth = 4): boolean {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry.includes(fragment)) return true;
    if (depth > 0 && statSync(path).isDirectory() && containsFile(path, fragment, depth - 1)) return true;
  }
  return false;
}

/**
 * Whether a GPU provider's shared library ships in the installed onnxruntime-node. The default
 * Linux install with `onnxruntime-node-install=skip` compiles the provider names in
 * (listSupportedBackends reports them, bundled: false) but leaves out their libraries.
 */
export function providerInstalled(device: Device): boolean {
  if (device === 'cpu') return true;
  const listed = listSupportedBackends().some((b) => b.name === device);
  const bin = ortBinDir();
  return listed && bin !== undefined && containsFile(bin, `onnxruntime_providers_${device}`);
}

function unavailable(device: Device, detail?: string): ProviderUnavailableError {
  const what = device === 'tensorrt' ? 'TensorRT' : 'CUDA';
  return new ProviderUnavailableError(
    `TOONSTREAM_DEVICE=${device} but the installed onnxruntime-node has no usable ${what} execution provider` +
      `${detail ? ` (${detail})` : ''}; reinstall it with \`${GPU_INSTALL_HINT}\` on a host with CUDA 12, or use TOONSTREAM_DEVICE=cpu`,
  );
}

/** Execution providers for a device; throws ProviderUnavailableError when it is not installed. */
export function executionProviders(device: Device): InferenceSession.ExecutionProviderConfig[] {
  if (!providerInstalled(device)) throw unavailable(device);
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: 0 }, 'cpu'];
    case 'tensorrt':
      return [{ name: 'tensorrt', deviceId: 0 }, { name: 'cuda', deviceId: 0 }, 'cpu'];
  }
}

/** Recognises ONNX Runtime's "could not load the provider library" failures. */
export function asProviderError(device: Device, error: unknown): ProviderUnavailableError | undefined {
  if (device === 'cpu') return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return /providers?_|ExecutionProvider|shared library|libcu|CUDA|TensorRT/i.test(message)
    ? unavailable(device, message.split('\n')[0].slice(0, 200))
    : undefined;
}
