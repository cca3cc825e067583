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

/** What the worker is started with (workerData). */
export interface WorkerSetup {
  readonly path: string;
  /** onnxruntime-node's InferenceSession.SessionOptions; plain data only. */
  readonly options: Record<string, unknown>;
  readonly runtimeLogLevel: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
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
  | { readonly kind: 'run-failed'; readonly id: number; readonly message: string }
  | { readonly kind: 'released' };
