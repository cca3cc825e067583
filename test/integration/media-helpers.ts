import { execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test clips are generated with the real ffmpeg (testsrc2 + sine), never downloaded. */
export interface ClipSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number | string;
  readonly seconds: number;
  readonly audio?: boolean;
  /** Display-matrix rotation written into the MP4 (phone videos). */
  readonly rotate?: 90 | 180 | 270;
  readonly container?: 'mp4' | 'mkv' | 'webm';
  /** Encode without +faststart, so the index (moov) sits at the end. */
  readonly moovAtEnd?: boolean;
  readonly sar?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'toonstream-clips-'));

export function clipDir(): string {
  return dir;
}

export function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeClip(spec: ClipSpec): string {
  const c = spec.container ?? 'mp4';
  const name = `clip-${spec.width}x${spec.height}-${spec.fps}-${spec.seconds}-${spec.audio ? 'a' : 'na'}-${spec.rotate ?? 0}-${spec.sar ?? 'sq'}-${spec.moovAtEnd ? 'end' : 'fs'}.${c}`;
  const out = join(dir, name.replace(/[/:]/g, "_"));
  if (existsSync(out)) return out;
  const fpsArg = String(spec.fps);
  const odd = spec.width % 2 === 1 || spec.height % 2 === 1;
  // testsrc2 draws in 4:2:0 and would round odd sizes down: draw larger, crop in 4:4:4.
  const srcW = spec.width + (spec.width % 2);
  const srcH = spec.height + (spec.height % 2);
  const video = ['-f', 'lavfi', '-i', `testsrc2=size=${srcW}x${srcH}:rate=${fpsArg}:duration=${spec.seconds}`];
  const audio = spec.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`] : [];
  const vcodec = c === 'webm' ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'] : ['-c:v', 'libx264', '-preset', 'ultrafast'];
  const acodec = spec.audio ? (c === 'webm' ? ['-c:a', 'libopus'] : ['-c:a', 'aac']) : [];
  const filters = [...(odd ? ['format=yuv444p', `crop=${spec.width}:${spec.height}:0:0`] : []), ...(spec.sar ? [`setsar=${spec.sar}`] : [])];
  const sar = filters.length ? ['-vf', filters.join(',')] : [];
  const fast = c === 'mp4' && !spec.moovAtEnd ? ['-movflags', '+faststart'] : [];
  const plain = spec.rotate ? join(dir, `plain-${name.replace(/[/:]/g, "_")}`) : out;
  // yuv420p cannot hold odd sizes; 4:4:4 keeps 641x359 exact.
  const pixFmt = odd ? 'yuv444p' : 'yuv420p';
  ffmpeg([...video, ...audio, ...vcodec, '-pix_fmt', pixFmt, ...sar, ...acodec, ...fast, plain]);
  if (spec.rotate) ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', `rotate=${spec.rotate}`, out]);
  return out;
}

export interface StreamFacts {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly durationS: number;
  readonly rFrameRate: string;
  readonly codec: string;
  readonly pixFmt: string;
  readonly rotation: number;
  readonly sar: string;
  readonly hasAudio: boolean;
  readonly audioCodec?: string;
  readonly formatName: string;
}

export function facts(path: string): StreamFacts {
  const json = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], {
    encoding: 'utf8',
  });
  const data = JSON.parse(json) as {
    streams: Array<Record<string, unknown> & { side_data_list?: Array<{ rotation?: number }>; tags?: Record<string, string> }>;
    format: Record<string, string>;
  };
  const v = data.streams.find((s) => s.codec_type === 'video');
  const a = data.streams.find((s) => s.codec_type === 'audio');
  if (!v) throw new Error(`no video stream in ${path}`);
  const rotation = v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(v.tags?.rotate ?? 0);
  return {
    width: Number(v.width),
    height: Number(v.height),
    frames: Number(v.nb_read_frames),
    durationS: Number(v.duration ?? data.format.duration),
    rFrameRate: String(v.r_frame_rate),
    codec: String(v.codec_name),
    pixFmt: String(v.pix_fmt),
    rotation,
    sar: String(v.sample_aspect_ratio ?? '1:1'),
    hasAudio: a !== undefined,
    audioCodec: a ? String(a.codec_name) : undefined,
    formatName: data.format.format_name ?? '',
  };
}

/** The first `count` frames as RGB24 at width x height (autorotated, like the decoder). */
export function rgbFrames(path: string, width: number, height: number, count: number): Buffer[] {
  const buf = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-frames:v', String(count), '-vf', `scale=${width}:${height}`, '-vsync', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { maxBuffer: 512 << 20 },
  );
  const size = width * height * 3;
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= buf.length; o += size) frames.push(buf.subarray(o, o + size));
  return frames;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

/** Bad inputs from the issue, each made on the fly. */
export function badInputs(): Record<string, string> {
  const files: Record<string, string> = {};
  const empty = join(dir, 'empty.mp4');
  writeFileSync(empty, '');
  files.empty = empty;
  const text = join(dir, 'text.mp4');
  writeFileSync(text, 'this is a text file pretending to be a video\n'.repeat(20));
  files.text = text;
  const png = join(dir, 'image.png');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', png]);
  const image = join(dir, 'image.mp4');
  writeFileSync(image, readFileSync(png));
  files.image = image;
  const whole = makeClip({ width: 160, height: 120, fps: 30, seconds: 1, moovAtEnd: true });
  const truncated = join(dir, 'truncated.mp4');
  const bytes = readFileSync(whole);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  files.truncated = truncated;
  const audioOnly = join(dir, 'audio-only.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', audioOnly]);
  files.audioOnly = audioOnly;
  // An MKV whose codec id names a codec no ffmpeg knows.
  const mkv = makeClip({ width: 64, height: 64, fps: 25, seconds: 1, container: 'mkv' });
  const unknown = join(dir, 'unknown-codec.mkv');
  const raw = readFileSync(mkv);
  const at = raw.indexOf('V_MPEG4/ISO/AVC');
  if (at < 0) throw new Error('codec id not found in the MKV');
  raw.write('V_TOONSTREAMXYZ', at, 'latin1');
  writeFileSync(unknown, raw);
  files.unknownCodec = unknown;
  // Moov first, media data cut: only decoding can tell.
  const fast = makeClip({ width: 160, height: 120, fps: 30, seconds: 2 });
  const cut = join(dir, 'cut-mdat.mp4');
  const fb = readFileSync(fast);
  writeFileSync(cut, fb.subarray(0, Math.floor(fb.length * 0.4)));
  files.cutMdat = cut;
  return files;
}
