import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';
import { ffmpegBinaries } from './binaries';
import { MediaError, lastStderrLine } from './errors';
import { parseRational, rationalValue } from './rational';
import type { AudioStreamInfo, MediaInfo, Rational, VideoStreamInfo } from './types';

type ProbeStream = ffmpeg.FfprobeStream & { rotation?: number | string };

function ffprobe(path: string): Promise<ffmpeg.FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg(path)
      .setFfprobePath(ffmpegBinaries().ffprobe)
      .ffprobe((err: Error | null, data: ffmpeg.FfprobeData) => (err ? reject(err) : resolve(data)));
  });
}

let decodableCodecs: Promise<Set<string>> | undefined;

/** Codec names this ffmpeg build can decode (`ffmpeg -codecs`, flag D). */
export function decodableVideoCodecs(): Promise<Set<string>> {
  decodableCodecs ??= new Promise((resolve, reject) => {
    execFile(ffmpegBinaries().ffmpeg, ['-hide_banner', '-codecs'], { maxBuffer: 8 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const set = new Set<string>();
      for (const line of stdout.split('\n')) {
        const m = /^ (D)[.E]V[.I][.L][.S] (\S+)/.exec(line);
        if (m?.[2]) set.add(m[2]);
      }
      resolve(set);
    });
  });
  return decodableCodecs;
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function normaliseRotation(raw: unknown): 0 | 90 | 180 | 270 {
  const deg = num(raw) ?? 0;
  const r = (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

function rotationOf(stream: ProbeStream): 0 | 90 | 180 | 270 {
  // ffprobe >= 5 reports the display matrix as side data; older files/tools use a "rotate" tag.
  // Sign conventions differ between the two but a 90/270 swap changes only which way is up,
  // and only the dimension swap matters here (ffmpeg's autorotate applies the real matrix).
  if (stream.rotation !== undefined) return normaliseRotation(stream.rotation);
  const tag = stream.tags?.rotate as unknown;
  return normaliseRotation(tag);
}

/** An ISO-BMFF file (MP4/MOV) starts with an `ftyp` box: bytes 4..8. */
async function startsLikeMp4(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    return head.toString('latin1', 4, 8) === 'ftyp';
  } finally {
    await fh.close();
  }
}

async function describeProbeFailure(path: string, err: Error): Promise<string> {
  const text = err.message;
  if (/moov atom not found/i.test(text) && (await startsLikeMp4(path))) {
    return 'the file is truncated or incomplete (MP4 index "moov" missing)';
  }
  if (/Invalid data found when processing input/i.test(text)) return 'not a video file (ffprobe cannot read it)';
  return `not a readable video file (${lastStderrLine(text) || 'ffprobe failed'})`;
}

function videoInfo(stream: ProbeStream, formatDuration: number | undefined): VideoStreamInfo {
  const width = num(stream.width) ?? 0;
  const height = num(stream.height) ?? 0;
  const rotation = rotationOf(stream);
  const swap = rotation === 90 || rotation === 270;
  const rFrameRate = parseRational(stream.r_frame_rate);
  const avgFrameRate = parseRational(stream.avg_frame_rate);
  // r_frame_rate is the base rate all timestamps fit; when the average disagrees (phones record
  // 30 fps nominal at 29.9x with jitter), the stream is variable-rate and is resampled to its
  // average so the duration and audio sync hold. 0.05% lets 30000/1001 vs 14985/500 count as equal.
  const variableFrameRate =
    rFrameRate !== undefined &&
    avgFrameRate !== undefined &&
    Math.abs(rationalValue(rFrameRate) - rationalValue(avgFrameRate)) / rationalValue(avgFrameRate) > 0.0005;
  const frameRate: Rational = (variableFrameRate ? avgFrameRate : rFrameRate) ?? avgFrameRate ?? { num: 25, den: 1 };
  const durationS = num(stream.duration) ?? formatDuration ?? 0;
  const nbFrames = num(stream.nb_frames);
  const exact = !variableFrameRate && nbFrames !== undefined && nbFrames > 0;
  const frameCount = exact ? nbFrames : Math.max(1, Math.round(durationS * rationalValue(frameRate)));
  const sarRaw = parseRational(stream.sample_aspect_ratio);
  const sar = sarRaw && sarRaw.num > 0 ? sarRaw : { num: 1, den: 1 };
  return {
    codec: stream.codec_name ?? 'unknown',
    width,
    height,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    rotation,
    sar,
    frameRate,
    variableFrameRate,
    frameCount,
    frameCountExact: exact,
    durationS,
  };
}

function audioInfo(stream: ProbeStream): AudioStreamInfo {
  return {
    codec: stream.codec_name ?? 'unknown',
    channels: num(stream.channels) ?? 0,
    sampleRate: num(stream.sample_rate) ?? 0,
  };
}

const STILL_IMAGE_FORMATS = /(^|,)(image2|\w+_pipe|apng|webp|gif_pipe)(,|$)/;

/**
 * Probes a file and checks that it is a video this ffmpeg can decode. Throws MediaError with a
 * message fit for users (empty, not media, still image, audio only, unknown codec).
 */
export async function probeVideo(path: string): Promise<MediaInfo> {
  const st = await stat(path);
  if (st.size === 0) throw new MediaError('empty', 'the file is empty (0 bytes)');
  let data: ffmpeg.FfprobeData;
  try {
    data = await ffprobe(path);
  } catch (err) {
    throw new MediaError('not_media', await describeProbeFailure(path, err as Error));
  }
  const formatName = data.format.format_name ?? 'unknown';
  const formatDuration = num(data.format.duration);
  const streams = data.streams as ProbeStream[];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!video) {
    const hasAudio = streams.some((s) => s.codec_type === 'audio');
    throw new MediaError('no_video', hasAudio ? 'the file has audio but no video stream' : 'the file has no video stream');
  }
  if (STILL_IMAGE_FORMATS.test(formatName) || !(formatDuration ?? num(video.duration) ?? 0)) {
    throw new MediaError('still_image', `this is a still image (${formatName}), not a video`);
  }
  const codec = video.codec_name;
  if (!codec || codec === 'unknown' || codec === 'none' || !(await decodableVideoCodecs()).has(codec)) {
    const tag = video.codec_tag_string && video.codec_tag_string !== '[0][0][0][0]' ? ` (${video.codec_tag_string})` : '';
    throw new MediaError('unsupported_codec', `unsupported video codec ${codec ?? 'unknown'}${tag}: this ffmpeg cannot decode it`);
  }
  const info = videoInfo(video, formatDuration);
  if (info.width <= 0 || info.height <= 0) throw new MediaError('not_media', 'the video stream has no picture size');
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    formatName,
    durationS: formatDuration ?? info.durationS,
    sizeBytes: st.size,
    video: info,
    audio: audio ? audioInfo(audio) : undefined,
  };
}
