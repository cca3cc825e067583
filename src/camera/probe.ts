import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { ffmpegBinaries, MediaError, probeVideo, type Rational } from '../media';
import { lastStderrLine } from '../media/errors';
import { parseRational, rationalValue } from '../media/rational';
import { probeArgs } from './source-args';
import { CameraError, type SourceInfo, type SourceSpec } from './types';

const PROBE_TIMEOUT_MS = 20_000;

interface ProbeJson {
  readonly streams?: ReadonlyArray<{
    readonly width?: number;
    readonly height?: number;
    readonly r_frame_rate?: string;
    readonly avg_frame_rate?: string;
  }>;
}

export function describeSource(spec: SourceSpec): string {
  if (spec.kind === 'device') return `camera ${spec.device}`;
  return spec.kind === 'file' ? spec.path : spec.url;
}

function saneRate(r: Rational | undefined): Rational | undefined {
  if (!r) return undefined;
  const v = rationalValue(r);
  return v >= 1 && v <= 240 ? r : undefined;
}

/** The rate a stream delivers: the one asked of the camera, else the stream's average, else its base rate. */
export function chooseFrameRate(requestedFps: number | undefined, avg: string | undefined, base: string | undefined): Rational {
  if (requestedFps !== undefined) {
    return Number.isInteger(requestedFps) ? { num: requestedFps, den: 1 } : { num: Math.round(requestedFps * 1000), den: 1000 };
  }
  return saneRate(parseRational(avg)) ?? saneRate(parseRational(base)) ?? { num: 30, den: 1 };
}

function ffprobe(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ffmpegBinaries().ffprobe, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const killed = (err as { killed?: boolean }).killed;
        reject(new Error(killed ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : lastStderrLine(stderr) || err.message));
      } else resolve(stdout);
    });
  });
}

async function probeFile(path: string): Promise<SourceInfo> {
  await access(path, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
    throw new CameraError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`);
  });
  try {
    const info = await probeVideo(path);
    return { width: info.video.displayWidth, height: info.video.displayHeight, frameRate: info.video.frameRate };
  } catch (error) {
    if (error instanceof MediaError) throw new CameraError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Opens the source once with ffprobe to learn its picture size and frame rate. */
export async function probeSource(spec: SourceSpec): Promise<SourceInfo> {
  if (spec.kind === 'file') return probeFile(spec.path);
  const what = spec.kind === 'device' ? `cannot open ${describeSource(spec)}` : `cannot read ${spec.url}`;
  let json: ProbeJson;
  try {
    json = JSON.parse(await ffprobe(probeArgs(spec))) as ProbeJson;
  } catch (error) {
    throw new CameraError(`${what}: ${(error as Error).message}`);
  }
  const stream = json.streams?.[0];
  if (!stream?.width || !stream.height) throw new CameraError(`${what}: it has no video stream`);
  const fps = spec.kind === 'device' ? spec.fps : undefined;
  return { width: stream.width, height: stream.height, frameRate: chooseFrameRate(fps, stream.avg_frame_rate, stream.r_frame_rate) };
}
