/** Why a media file cannot be processed. `status` is the HTTP status an upload gets for it. */
export type MediaErrorCode =
  | 'empty'
  | 'not_media'
  | 'still_image'
  | 'no_video'
  | 'unsupported_codec'
  | 'too_long'
  | 'too_large'
  | 'too_fast'
  | 'decode_failed'
  | 'truncated'
  | 'encode_failed'
  | 'cancelled';

const STATUS: Record<MediaErrorCode, number> = {
  empty: 400,
  not_media: 415,
  still_image: 415,
  no_video: 415,
  unsupported_codec: 415,
  too_long: 422,
  too_large: 422,
  too_fast: 422,
  decode_failed: 422,
  truncated: 422,
  encode_failed: 500,
  cancelled: 409,
};

export class MediaError extends Error {
  readonly status: number;
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
    this.status = STATUS[code];
  }
}

/** The last meaningful stderr line of an ffmpeg/ffprobe run, for human-readable errors. */
export function lastStderrLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(ffmpeg|ffprobe) version|^built with|^configuration:|^lib\w+ +\d/.test(l));
  const line = lines[lines.length - 1] ?? '';
  // ffmpeg prefixes the input path; the path is a server-side random name, useless to users.
  return line.replace(/^[^:]*(\/|\\)[^:]*: /, '').slice(0, 300);
}
