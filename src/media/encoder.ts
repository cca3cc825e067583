import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Frame } from '../engine/types';
import { ffmpegBinaries } from './binaries';
import { MediaError, lastStderrLine } from './errors';
import { StderrTail, waitForExit, type ExitStatus } from './process';
import { formatRational } from './rational';
import type { OutputFormat, Rational } from './types';

export interface EncodeOptions {
  readonly output: string;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
  readonly frameRate: Rational;
  readonly sar?: Rational;
  /** Constant rate factor: x264 0-51 (default 20), VP9 0-63 (default 32). */
  readonly crf?: number;
  /** Source of the audio track to carry over (the original input), with its codec. */
  readonly audio?: { readonly path: string; readonly codec: string };
  readonly signal?: AbortSignal;
  readonly onSpawn?: (pid: number) => void;
}

export const DEFAULT_CRF: Record<OutputFormat, number> = { mp4: 20, webm: 32 };
export const CRF_RANGE: Record<OutputFormat, readonly [number, number]> = { mp4: [0, 51], webm: [0, 63] };

/** Audio codecs each container takes as-is; anything else is re-encoded (AAC in MP4, Opus in WebM). */
const COPYABLE_AUDIO: Record<OutputFormat, ReadonlySet<string>> = {
  mp4: new Set(['aac', 'mp3', 'alac', 'ac3', 'eac3']),
  webm: new Set(['opus', 'vorbis']),
};

/** The audio codec a result will carry, and whether it is the input's stream copied as-is. */
export function outputAudio(format: OutputFormat, codec: string): { readonly codec: string; readonly copied: boolean } {
  if (COPYABLE_AUDIO[format].has(codec)) return { codec, copied: true };
  return { codec: format === 'mp4' ? 'aac' : 'opus', copied: false };
}

export function audioArgs(format: OutputFormat, codec: string): string[] {
  if (outputAudio(format, codec).copied) return ['-c:a', 'copy'];
  return format === 'mp4' ? ['-c:a', 'aac', '-b:a', '192k'] : ['-c:a', 'libopus', '-b:a', '128k'];
}

export function encodeArgs(opts: EncodeOptions): string[] {
  const crf = String(opts.crf ?? DEFAULT_CRF[opts.format]);
  const sar = opts.sar ? `,setsar=${formatRational(opts.sar)}` : ',setsar=1';
  const video =
    opts.format === 'mp4'
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', crf, '-movflags', '+faststart']
      : ['-c:v', 'libvpx-vp9', '-crf', crf, '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1'];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${opts.width}x${opts.height}`,
    '-framerate', formatRational(opts.frameRate), '-i', 'pipe:0',
    ...(opts.audio ? ['-i', opts.audio.path] : []),
    '-map', '0:v:0',
    ...(opts.audio ? ['-map', '1:a:0'] : []),
    // Tag and convert as BT.709 so players do not guess the matrix from the picture size.
    '-vf', `scale=out_color_matrix=bt709:out_range=tv,format=yuv420p${sar}`,
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
    ...video,
    '-pix_fmt', 'yuv420p',
    ...(opts.audio ? audioArgs(opts.format, opts.audio.codec) : []),
    // Container metadata (GPS position, device names) is not carried into the result.
    '-map_metadata', '-1',
    '-f', opts.format, opts.output,
  ];
}

/** Encodes RGB24 frames written one by one into a file; write() honours stdin back-pressure. */
export class FrameEncoder {
  private readonly proc: ChildProcessByStdio<Writable, null, Readable>;
  private readonly stderr: StderrTail;
  private readonly exit: Promise<ExitStatus>;
  private readonly frameBytes: number;
  private stdinError: Error | undefined;
  private readonly onAbort = (): void => void this.kill();
  frames = 0;

  constructor(private readonly opts: EncodeOptions) {
    this.frameBytes = opts.width * opts.height * 3;
    this.proc = spawn(ffmpegBinaries().ffmpeg, encodeArgs(opts), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.stderr = new StderrTail(this.proc.stderr);
    this.exit = waitForExit(this.proc);
    // EPIPE when ffmpeg dies early; the exit status carries the real reason.
    this.proc.stdin.on('error', (err) => {
      this.stdinError = err;
    });
    if (this.proc.pid !== undefined) opts.onSpawn?.(this.proc.pid);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async write(frame: Frame): Promise<void> {
    if (frame.width !== this.opts.width || frame.height !== this.opts.height || frame.data.length !== this.frameBytes) {
      throw new MediaError(
        'encode_failed',
        `frame is ${frame.width}x${frame.height}, the encoder expects ${this.opts.width}x${this.opts.height}`,
      );
    }
    await this.failIfExited();
    this.frames++;
    if (!this.proc.stdin.write(frame.data)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.proc.stdin.off('drain', done);
          this.proc.stdin.off('close', done);
          resolve();
        };
        this.proc.stdin.on('drain', done);
        this.proc.stdin.on('close', done);
      });
      await this.failIfExited();
    }
  }

  /** Closes stdin and waits for ffmpeg to write the file; throws with ffmpeg's reason on failure. */
  async finish(): Promise<void> {
    this.proc.stdin.end();
    const status = await this.exit;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.check(status);
  }

  /** Kills ffmpeg (if still running) and resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exit;
  }

  private async failIfExited(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null || this.stdinError) {
      this.check(await this.exit);
      throw new MediaError('encode_failed', `the encoder stopped: ${this.stdinError?.message ?? 'unknown reason'}`);
    }
  }

  private check(status: ExitStatus): void {
    if (this.opts.signal?.aborted) throw new MediaError('cancelled', 'cancelled');
    if (status.spawnError) throw new MediaError('encode_failed', `could not start ffmpeg: ${status.spawnError.message}`);
    if (status.code !== 0) {
      const why = lastStderrLine(this.stderr.text()) || (status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`);
      throw new MediaError('encode_failed', `could not encode the video: ${why}`);
    }
  }
}
