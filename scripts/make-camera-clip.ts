// Makes the fake-camera clip for Chromium (--use-file-for-fake-video-capture=FILE.y4m): a slow
// diagonal pan there and back over a real photo (scikit-image's astronaut, CC0, committed as a test fixture),
// so the camera shows real texture and known motion instead of a test pattern.
//
//   node dist/scripts/make-camera-clip.js [OUT.y4m] [--size 640x360] [--fps 30] [--seconds 6] [--photo FILE]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ffmpegBinaries } from '../src/media/binaries';
import { repoRoot } from '../src/paths';

export const DEFAULT_PHOTO = join(repoRoot, 'test', 'fixtures', 'pipeline', 'astronaut-512.jpg');

export interface CameraClipOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  readonly photo?: string;
}

/** Writes the clip to `out` (atomically) unless it already exists; returns `out`. */
export async function makeCameraClip(out: string, options: CameraClipOptions = {}): Promise<string> {
  if (existsSync(out)) return out;
  const { width = 640, height = 360, fps = 30, seconds = 6, photo = DEFAULT_PHOTO } = options;
  // The photo is scaled to 1.25x the frame width and the window pans across it and back at a
  // steady speed, so consecutive frames differ by a known shift and the looping clip (Chromium
  // replays the file) has no jump.
  const scaled = Math.round((width * 1.25) / 2) * 2;
  const tri = `(1-abs(1-2*t/${seconds}))`;
  const filter = [
    `scale=${scaled}:-2`,
    `crop=${width}:${height}:x='(iw-${width})*${tri}':y='(ih-${height})*${tri}/4'`,
    'format=yuv420p',
  ].join(',');
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.part.y4m`;
  await promisify(execFile)(ffmpegBinaries().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-loop', '1', '-framerate', String(fps), '-i', photo,
    '-vf', filter, '-t', String(seconds), '-r', String(fps),
    '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', tmp,
  ]);
  renameSync(tmp, out);
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { size: { type: 'string' }, fps: { type: 'string' }, seconds: { type: 'string' }, photo: { type: 'string' } },
  });
  const out = positionals[0] ?? join(repoRoot, 'dist', 'camera-clip.y4m');
  const [width, height] = (values.size ?? '640x360').split('x').map(Number);
  if (!(width > 0 && height > 0 && width % 2 === 0 && height % 2 === 0)) throw new Error('--size must be WIDTHxHEIGHT with even sides');
  await makeCameraClip(out, { width, height, fps: Number(values.fps ?? 30), seconds: Number(values.seconds ?? 6), photo: values.photo });
  console.log(out);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`make-camera-clip: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
