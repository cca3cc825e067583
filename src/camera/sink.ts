import type { Writable } from 'node:stream';
import { lastStderrLine } from '../media/errors';
import { sinkArgs, type SinkEncoding } from './sink-args';
import { running, spawnFfmpeg, type FfmpegChild } from './spawn';
import { CameraError, type SinkSpec } from './types';

/** Why a sink stopped taking frames before it was finished: an error, or the reader went away. */
export type SinkEnd = { readonly kind: 'failed'; readonly error: CameraError } | { readonly kind: 'closed' };

/** Takes rgb24 frames of one size, in order. */
export interface FrameSink {
  /** Queues one frame; false when it was dropped because the sink is that far behind. */
  write(data: Uint8Array): boolean;
  /** Settles when the sink stops on its own (never for a healthy sink). */
  readonly ended: Promise<SinkEnd>;
  /** No more frames: completes the file / stream; throws CameraError if the sink failed. */
  finish(): Promise<void>;
}

export function describeSink(sink: SinkSpec): string {
  switch (sink.kind) {
    case 'pipe':
      return 'stdout';
    case 'file':
      return sink.path;
    case 'v4l2':
      return sink.device;
    default:
      return sink.url;
  }
}

/** Frames allowed to wait in the pipe before new ones are dropped: about a second's worth. */
function backlogBytes(frameBytes: number, fps: number): number {
  return frameBytes * Math.max(4, Math.ceil(fps));
}

/** A sink written by an ffmpeg encoder reading rgb24 on stdin. */
export class FfmpegSink implements FrameSink {
  readonly ended: Promise<SinkEnd>;
  private readonly child: FfmpegChild;
  private readonly stdin: Writable;
  private readonly maxBacklog: number;
  private finishing = false;

  constructor(
    private readonly spec: Exclude<SinkSpec, { kind: 'pipe' }>,
    enc: SinkEncoding,
  ) {
    this.child = spawnFfmpeg(sinkArgs(spec, enc), ['pipe', 'ignore', 'pipe']);
    this.stdin = this.child.proc.stdin as Writable;
    // EPIPE when ffmpeg dies; its exit status and stderr carry the reason.
    this.stdin.on('error', () => undefined);
    this.maxBacklog = backlogBytes(enc.width * enc.height * 3, enc.frameRate.num / enc.frameRate.den);
    this.ended = this.child.exit.then((status) => {
      if (this.finishing) return new Promise<SinkEnd>(() => undefined);
      return { kind: 'failed', error: this.failure(status.code, status.signal, status.spawnError) };
    });
  }

  write(data: Uint8Array): boolean {
    if (!running(this.child.proc) || this.stdin.writableLength > this.maxBacklog) return false;
    this.stdin.write(data);
    return true;
  }

  async finish(): Promise<void> {
    this.finishing = true;
    this.stdin.end();
    const status = await this.child.exit;
    if (status.code !== 0) throw this.failure(status.code, status.signal, status.spawnError);
  }

  /** Stops the encoder at once, without completing the output. */
  kill(): void {
    this.finishing = true;
    if (running(this.child.proc)) this.child.proc.kill('SIGKILL');
  }

  private failure(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): CameraError {
    if (spawnError) return new CameraError(`could not start ffmpeg: ${spawnError.message}`);
    const where = describeSink(this.spec);
    const line = lastStderrLine(this.child.stderr.text());
    // ffmpeg names the URL itself ("rtmp://host/app: Connection refused"): say it once.
    const why = (line.startsWith(`${where}: `) ? line.slice(where.length + 2) : line) || (signal ? `ffmpeg killed by ${signal}` : `ffmpeg exit code ${code}`);
    return new CameraError(`cannot write ${where}: ${why}`);
  }
}

/** Raw rgb24 frames on stdout, back to back, nothing else. */
export class PipeSink implements FrameSink {
  readonly ended: Promise<SinkEnd>;

  constructor(private readonly out: NodeJS.WritableStream) {
    this.ended = new Promise((resolve) => {
      // EPIPE: the reader closed its end (`| head -c …`, a player that quit). Not an error.
      out.on('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code === 'EPIPE' ? { kind: 'closed' } : { kind: 'failed', error: new CameraError(`cannot write to stdout: ${error.message}`) }),
      );
    });
  }

  write(data: Uint8Array): boolean {
    this.out.write(data);
    return true;
  }

  async finish(): Promise<void> {
    // stdout is never ended (the process may still print through it); wait for what is queued.
    await new Promise<void>((resolve) => this.out.write(new Uint8Array(0), () => resolve()));
  }
}
