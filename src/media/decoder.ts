import { spawn } from 'node:child_process';
import type { Frame } from '../engine/types';
import { ffmpegBinaries } from './binaries';
import { MediaError, lastStderrLine } from './errors';
import { formatRational } from './rational';
import type { Rational } from './types';
import { StderrTail, waitForExit } from './process';
import { frameChunks } from './frame-chunks';

export interface DecodeOptions {
  readonly width: number;
  readonly height: number;
  /** Set for variable-frame-rate input: frames are resampled to this constant rate. */
  readonly constantRate?: Rational;
  readonly signal?: AbortSignal;
  /** Called with the ffmpeg process id once it is spawned (tests and diagnostics). */
  readonly onSpawn?: (pid: number) => void;
}

export function decodeArgs(input: string, opts: DecodeOptions): string[] {
  const sync = opts.constantRate
    ? ['-vsync', 'cfr', '-r', formatRational(opts.constantRate)]
    : ['-vsync', 'passthrough'];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // autorotate is on by default: frames come out upright, the output carries no rotation.
    '-i', input,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `scale=${opts.width}:${opts.height}:flags=bicubic`,
    ...sync,
    '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
  ];
}

/**
 * Decodes the first video stream to RGB24 frames of exactly width x height. Pulling frames is
 * what reads ffmpeg's stdout, so a slow consumer pauses ffmpeg (pipe back-pressure): memory
 * holds one partial frame plus the pipe buffer, whatever the video's length.
 */
export async function* decodeFrames(input: string, opts: DecodeOptions): AsyncGenerator<Frame, void, undefined> {
  const { width, height } = opts;
  const frameBytes = width * height * 3;
  const proc = spawn(ffmpegBinaries().ffmpeg, decodeArgs(input, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new StderrTail(proc.stderr);
  const exit = waitForExit(proc);
  if (proc.pid !== undefined) opts.onSpawn?.(proc.pid);
  const onAbort = (): void => void proc.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const data of frameChunks(proc.stdout as AsyncIterable<Buffer>, frameBytes)) yield { data, width, height };
    const { code, signal, spawnError } = await exit;
    if (opts.signal?.aborted) throw new MediaError('cancelled', 'cancelled');
    if (spawnError) throw new MediaError('decode_failed', `could not start ffmpeg: ${spawnError.message}`);
    if (code !== 0) {
      const why = lastStderrLine(stderr.text()) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      throw new MediaError('decode_failed', `could not decode the video: ${why}`);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exit;
  }
}
