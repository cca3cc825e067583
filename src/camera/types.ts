import type { Rational } from '../media';

/** ffmpeg's capture input for the platform's cameras. */
export type CameraBackend = 'v4l2' | 'avfoundation' | 'dshow';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Where frames come from. */
export type SourceSpec =
  | {
      readonly kind: 'device';
      readonly backend: CameraBackend;
      /** /dev/videoN (v4l2), an index or name (avfoundation), a name (dshow). */
      readonly device: string;
      /** Capture size and rate asked of the camera; the camera's default when absent. */
      readonly size?: Size;
      readonly fps?: number;
    }
  /** A local file, read at its native rate like a camera. */
  | { readonly kind: 'file'; readonly path: string; readonly loop: boolean }
  /** A network stream (rtmp, rtsp, srt, udp, http…), read as it arrives. */
  | { readonly kind: 'url'; readonly url: string; readonly live: boolean };

export type FileContainer = 'mp4' | 'mov' | 'mkv' | 'webm';

/** Where cartoon frames go. */
export type SinkSpec =
  | { readonly kind: 'v4l2'; readonly device: string }
  | { readonly kind: 'file'; readonly path: string; readonly container: FileContainer }
  | { readonly kind: 'rtmp'; readonly url: string }
  | { readonly kind: 'srt'; readonly url: string }
  /** Raw rgb24 frames on stdout. */
  | { readonly kind: 'pipe' };

/** What the source delivers, once probed. */
export interface SourceInfo {
  /** Picture size after rotation (what ffmpeg decodes to). */
  readonly width: number;
  readonly height: number;
  readonly frameRate: Rational;
}

/** Pixel layouts the source can hand out: rgb24 for the local pipeline, I420 for WebRTC. */
export type RawPixelFormat = 'rgb24' | 'yuv420p';

/** One raw frame as read from ffmpeg, with the time it was read (performance.now(), ms). */
export interface RawFrame {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly readAt: number;
}

export class CameraError extends Error {
  override readonly name = 'CameraError';
  constructor(
    message: string,
    /** 2 for usage errors (bad flags), 1 otherwise. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
