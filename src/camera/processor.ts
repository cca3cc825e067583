import type { Frame } from '../engine/types';
import type { RawFrame, RawPixelFormat } from './types';

/** A cartoon at the output size, with the time its source frame was read (NaN when unknown). */
export interface CartoonFrame {
  readonly frame: Frame;
  readonly readAt: number;
}

export interface ProcessorStats {
  /** Source frames that produced no cartoon (a newer frame replaced them while the model was busy). */
  readonly dropped: number;
  /** Remote mode: the server's own median latency (frame received → cartoon sent), ms. */
  readonly serverLatencyMedianMs?: number;
}

/** Turns source frames into cartoons: the local pipeline, or a toonstream server over WebRTC. */
export interface Processor {
  /** The raw layout the source should hand over. */
  readonly pixelFormat: RawPixelFormat;
  /** Newest frame wins: never blocks, never queues more than a frame or two. */
  push(frame: RawFrame): void;
  /** Resolves once the frames pushed so far have come back or were dropped (bounded wait). */
  drain(): Promise<void>;
  stats(): ProcessorStats;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
