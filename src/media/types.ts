export interface Rational {
  readonly num: number;
  readonly den: number;
}

export interface VideoStreamInfo {
  readonly codec: string;
  /** Stored (coded) size. */
  readonly width: number;
  readonly height: number;
  /** Size once the rotation metadata is applied; ffmpeg autorotates on decode, so frames come out this way. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  /** Clockwise rotation from the container's display matrix: 0, 90, 180 or 270. */
  readonly rotation: 0 | 90 | 180 | 270;
  /** Sample (pixel) aspect ratio; 1:1 for square pixels. */
  readonly sar: Rational;
  /** The rate frames are decoded and encoded at: r_frame_rate, or avg_frame_rate for VFR input. */
  readonly frameRate: Rational;
  readonly variableFrameRate: boolean;
  /** Frames the decoder will produce: the container's count when it has one, else duration x rate. */
  readonly frameCount: number;
  readonly frameCountExact: boolean;
  readonly durationS: number;
}

export interface AudioStreamInfo {
  readonly codec: string;
  readonly channels: number;
  readonly sampleRate: number;
}

export interface MediaInfo {
  readonly formatName: string;
  readonly durationS: number;
  readonly sizeBytes: number;
  readonly video: VideoStreamInfo;
  readonly audio?: AudioStreamInfo;
}

export type OutputFormat = 'mp4' | 'webm';
