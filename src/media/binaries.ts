import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** Where they came from, for logs and `toonstream models`-style diagnostics. */
  readonly source: 'env' | 'system' | 'installer';
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function installerPath(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(pkg) as { path?: string };
    return mod.path;
  } catch {
    return undefined;
  }
}

let cached: FfmpegBinaries | undefined;

/**
 * FFMPEG_PATH/FFPROBE_PATH when set, else the system binaries on PATH (newer, may have NVENC),
 * else the static binaries shipped in the @ffmpeg-installer / @ffprobe-installer packages.
 */
export function ffmpegBinaries(): FfmpegBinaries {
  if (cached) return cached;
  const envFfmpeg = process.env.FFMPEG_PATH;
  const envFfprobe = process.env.FFPROBE_PATH;
  if (envFfmpeg && envFfprobe) {
    cached = { ffmpeg: envFfmpeg, ffprobe: envFfprobe, source: 'env' };
    return cached;
  }
  const sysFfmpeg = findOnPath('ffmpeg');
  const sysFfprobe = findOnPath('ffprobe');
  if (sysFfmpeg && sysFfprobe) {
    cached = { ffmpeg: sysFfmpeg, ffprobe: sysFfprobe, source: 'system' };
    return cached;
  }
  const instFfmpeg = installerPath('@ffmpeg-installer/ffmpeg');
  const instFfprobe = installerPath('@ffprobe-installer/ffprobe');
  if (instFfmpeg && instFfprobe) {
    cached = { ffmpeg: instFfmpeg, ffprobe: instFfprobe, source: 'installer' };
    return cached;
  }
  throw new Error('ffmpeg/ffprobe not found: install ffmpeg or run npm ci (it ships @ffmpeg-installer)');
}
