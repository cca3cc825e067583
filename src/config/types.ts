import type { Device } from '../engine/types';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Validated runtime configuration (environment, overridden by CLI flags). */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly modelsDir: string;
  readonly device: Device;
  /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core). */
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** ONNX Runtime sessions per model; 0 lets the command choose (1, or one per core for `process` on a CPU). */
  readonly sessionsPerModel: number;
  /** Model used when a request names none; undefined picks the first 'fast' model. */
  readonly defaultModel: string | undefined;
  readonly maxBodyBytes: number;
  readonly maxPixels: number;
  /** Images above this many pixels are cartoonized downscaled, then resized back. */
  readonly maxInferPixels: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
}

/** Values given as command-line flags; each overrides its environment variable. */
export interface ConfigFlags {
  readonly port?: string;
  readonly host?: string;
  readonly models?: string;
  readonly device?: string;
  readonly threads?: string;
  readonly sessions?: string;
  readonly logLevel?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
