/** Messages between a RemoteSession (main thread) and its session worker. */

export type TensorType = 'uint8' | 'float32';

/** A dense tensor as it crosses threads: its data is a whole, transferable ArrayBuffer. */
export interface TensorData {
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Float32Array;
}

export interface ValueInfo {
  readonly name: string;
  readonly isTensor: boolean;
  /** Element type ('uint8', 'float32', ...), '' for non-tensors. */
  readonly type: string;
  /** Dimensions; symbolic ones as their names. */
  readonly shape: readonly (number | string)[];
}

export type RuntimeLogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'fatal';

/** What the worker is started with (workerData). */
export interface WorkerSetup {
  readonly path: string;
  /** onnxruntime-node's InferenceSession.SessionOptions; plain data only. */
  readonly options: Record<string, unknown>;
  /** ONNX Runtime's own logging, for the process and the session. */
  readonly runtimeLogLevel: RuntimeLogLevel;
}

/**
 * Tensors ready for postMessage: each one's data in a whole buffer of its own, listed for
 * transfer. `copy` copies every one (the sender keeps its buffers); otherwise only data that
 * shares or does not fill its buffer is copied.
 */
export function packTensors(tensors: Record<string, TensorData>, copy: boolean): { tensors: Record<string, TensorData>; transfer: ArrayBuffer[] } {
  const packed: Record<string, TensorData> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength && t.data.buffer instanceof ArrayBuffer;
    // Not t.data.slice(): on a Node Buffer that is a view of the same memory, not a copy.
    const data = !copy && whole ? t.data : t.data instanceof Float32Array ? new Float32Array(t.data) : new Uint8Array(t.data);
    packed[name] = { type: t.type, dims: [...t.dims], data };
    transfer.push(data.buffer as ArrayBuffer);
  }
  return { tensors: packed, transfer };
}

export type Request =
  | { readonly kind: 'run'; readonly id: number; readonly feeds: Record<string, TensorData>; readonly fetches: readonly string[] }
  | { readonly kind: 'release' };

export type Reply =
  | { readonly kind: 'ready'; readonly inputs: readonly ValueInfo[]; readonly outputs: readonly ValueInfo[] }
  | { readonly kind: 'open-failed'; readonly message: string }
  | {
      readonly kind: 'result';
      readonly id: number;
      readonly outputs: Record<string, TensorData>;
      /** Time inside session.run, seconds. */
      readonly seconds: number;
    }
  | { readonly kind: 'run-failed'; readonly id: number; readonly message: string };
