/** A batch of uint8 RGB frames, NHWC (n x height x width x 3), tightly packed. */
export interface FrameBatch {
  readonly data: Uint8Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  /**
   * The caller hands `data` over: it does not read it after run(), so the engine may move its
   * memory to the model's thread instead of copying it (the buffer is then detached).
   */
  readonly handOver?: boolean;
}

/** A single uint8 RGB frame, HWC, tightly packed. */
export interface Frame {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

export type ModelKind = 'fast' | 'hq';
export type Device = 'cpu' | 'cuda' | 'tensorrt';

/** The model card stored beside each model as models/<name>.json. */
export interface ModelCard {
  readonly name: string;
  readonly style: string;
  readonly kind: ModelKind;
  readonly description: string;
  /** File names relative to the models directory. fp16 is optional and used on GPUs. */
  readonly files: { readonly fp32: string; readonly fp16?: string };
  readonly input: {
    readonly layout: 'NHWC';
    readonly dtype: 'uint8';
    readonly channels: 3;
    /** Any height/width is accepted; the graph pads to this multiple and crops back. */
    readonly multipleOf: number;
    /** Working resolution (short side, px) the model was trained for. */
    readonly workingShortSide: number;
  };
  readonly params: number;
  readonly gflopsAt256: number;
  readonly training: {
    readonly data: ReadonlyArray<{ readonly name: string; readonly licence: string; readonly images: number }>;
    readonly steps: number;
    readonly imagesSeen: number;
    readonly hardware: string;
    readonly wallClockMinutes: number;
  };
  readonly metrics: Readonly<Record<string, number>>;
}

/** Runs generators. One resident session per model; safe to call concurrently. */
export interface Engine {
  readonly device: Device;
  /** Batches of one model that can run at once (sessions per model); 1 when absent. */
  readonly sessionsPerModel?: number;
  /** Cards of the models that loaded successfully. */
  models(): ModelCard[];
  has(model: string): boolean;
  defaultModel(): string | undefined;
  /** Runs one batch; resolves with a batch of the same shape. */
  run(model: string, batch: FrameBatch): Promise<FrameBatch>;
  close(): Promise<void>;
}
