import { extname } from 'node:path';
import { formatRational, rationalValue, type Rational } from '../media';
import { urlScheme } from './source-args';
import { CameraError, type FileContainer, type SinkSpec, type Size } from './types';

const CONTAINERS: Readonly<Record<string, FileContainer>> = {
  '.mp4': 'mp4',
  '.m4v': 'mp4',
  '.mov': 'mov',
  '.mkv': 'mkv',
  '.webm': 'webm',
};

/** Reads --output: "-", /dev/videoN, rtmp(s)://, srt://, or a file whose extension names the container. */
export function parseSink(output: string): SinkSpec {
  if (output === '-') return { kind: 'pipe' };
  const scheme = urlScheme(output);
  if (scheme === 'rtmp' || scheme === 'rtmps') return { kind: 'rtmp', url: output };
  if (scheme === 'srt') return { kind: 'srt', url: output };
  if (scheme !== undefined) {
    throw new CameraError(`cannot send to ${scheme}:// URLs; outputs are a file, /dev/videoN, rtmp://, srt:// or - (stdout)`, 2);
  }
  if (/^\/dev\/video\d+$/.test(output)) return { kind: 'v4l2', device: output };
  const container = CONTAINERS[extname(output).toLowerCase()];
  if (!container) {
    throw new CameraError(`cannot tell the container of ${output}: end it in .mp4, .mov, .mkv or .webm`, 2);
  }
  return { kind: 'file', path: output, container };
}

export interface SinkEncoding extends Size {
  readonly frameRate: Rational;
  /** Video bitrate of rtmp/srt streams, ffmpeg syntax ("2500k"). */
  readonly bitrate: string;
}

export const DEFAULT_STREAM_BITRATE = '2500k';

// Tag and convert as BT.709 so players do not guess the matrix from the picture size.
const BT709 = [
  '-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p',
  '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
];

const BITRATE = /^(\d+(?:\.\d+)?)([kKmM]?)$/;

export function validBitrate(text: string): boolean {
  const m = BITRATE.exec(text);
  return m !== null && Number(m[1]) > 0;
}

function kbits(bitrate: string): number {
  const m = BITRATE.exec(bitrate);
  if (!m) throw new CameraError(`--bitrate must look like 2500k or 4M, got "${bitrate}"`, 2);
  const unit = m[2].toLowerCase();
  return Number(m[1]) * (unit === 'm' ? 1000 : unit === 'k' ? 1 : 0.001);
}

/** Low-latency H.264 for live streams: no B-frames, a keyframe every 2 s, a capped bitrate. */
function liveH264(enc: SinkEncoding): string[] {
  const kb = kbits(enc.bitrate);
  const gop = String(Math.max(1, Math.round(2 * rationalValue(enc.frameRate))));
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-b:v', `${kb}k`, '-maxrate', `${kb}k`, '-bufsize', `${2 * kb}k`,
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
  ];
}

function fileCodec(container: FileContainer): string[] {
  if (container === 'webm') {
    return ['-c:v', 'libvpx-vp9', '-crf', '32', '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-pix_fmt', 'yuv420p'];
  }
  return ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
}

const MUXER: Readonly<Record<FileContainer, string>> = { mp4: 'mp4', mov: 'mov', mkv: 'matroska', webm: 'webm' };

/** Arguments of the ffmpeg that takes raw rgb24 frames on stdin and writes them to the sink. */
export function sinkArgs(sink: Exclude<SinkSpec, { kind: 'pipe' }>, enc: SinkEncoding): string[] {
  const input = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${enc.width}x${enc.height}`,
    '-framerate', formatRational(enc.frameRate), '-i', 'pipe:0', '-map', '0:v:0',
  ];
  switch (sink.kind) {
    case 'v4l2':
      return [...input, '-pix_fmt', 'yuv420p', '-f', 'v4l2', sink.device];
    case 'file': {
      const faststart = sink.container === 'mp4' || sink.container === 'mov' ? ['-movflags', '+faststart'] : [];
      return [...input, ...BT709, ...fileCodec(sink.container), ...faststart, '-y', '-f', MUXER[sink.container], sink.path];
    }
    case 'rtmp':
      return [...input, ...BT709, ...liveH264(enc), '-f', 'flv', sink.url];
    case 'srt':
      return [...input, ...BT709, ...liveH264(enc), '-f', 'mpegts', sink.url];
  }
}
