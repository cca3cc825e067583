import type { Frame } from '../engine/types';

/** How a stream treats frames when the model is slower than the source. */
export type StreamMode =
  /** Live sources: newest frame wins, older waiting frames are dropped (bounded latency). */
  | 'live'
  /** Files: every frame is processed in order; the caller is back-pressured instead. */
  | 'offline';

export interface StreamOptions {
  /** Names the stream in metrics and logs (default: a generated id). */
  readonly id?: string;
  readonly model: string;
  readonly mode: StreamMode;
  /** Output size; frames are cartoonized at the model's working size and upsampled to this. */
  readonly outputWidth: number;
  readonly outputHeight: number;
  /** 0..1: blend of cartoon over the original (1 = full cartoon). Default 1. */
  readonly strength?: number;
  /** 0..1: temporal smoothing strength (0 = off). Default from config. */
  readonly smoothing?: number;
  /** Live mode: a frame older than this when its batch is formed is dropped. */
  readonly deadlineMs?: number;
  /** Short side (px) this stream is cartoonized at; overrides the pipeline's and the card's. */
  readonly workingShortSide?: number;
}

export interface StreamStats {
  readonly received: number;
  readonly processed: number;
  readonly dropped: number;
  /** Median / p95 time from submit() to the result, over recent frames, in ms. */
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
}

/** Result of submitting one frame: the cartoon frame, or null when the frame was dropped. */
export type StreamResult = { readonly frame: Frame; readonly timestampMs: number } | null;

/** One per video stream (a WebRTC peer, a WebSocket client, an upload job, a camera). */
export interface FrameStream {
  readonly id: string;
  /** Sends one input frame (any size, RGB24). Resolves when it is processed or dropped. */
  submit(frame: Frame, timestampMs?: number): Promise<StreamResult>;
  /** Changes model/strength/smoothing for subsequent frames (applied to the next frame). */
  update(options: Partial<Pick<StreamOptions, 'model' | 'strength' | 'smoothing'>>): void;
  /** Forgets temporal state (scene cut, seek, new source). */
  reset(): void;
  stats(): StreamStats;
  close(): void;
}

/** Shared by every stream of the process: owns one batcher per model. */
export interface Pipeline {
  openStream(options: StreamOptions): FrameStream;
  close(): Promise<void>;
}
