import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { lastStderrLine } from '../../../media/errors';
import { StderrTail, waitForExit } from '../../../media/process';

/** Bytes ffmpeg may have unread on its stdin before writes are refused (it decodes far faster than real time). */
export const MAX_PIPE_BACKLOG = 4 * 1024 * 1024;

/**
 * One ffmpeg process of a live publication, fed on stdin and read on stdout: `output` must be
 * read at once and never paused (consumers keep only the newest data they have time for).
 * `failed` fires once if ffmpeg stops by itself or a consumer calls fail(); never after close().
 */
export class FfmpegPipe {
  readonly output: Readable;
  private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>;
  private closed = false;

  constructor(
    ffmpeg: string,
    args: readonly string[],
    /** Names the process in failure reasons, e.g. "the H.264 decoder". */
    role: string,
    private readonly failed: (reason: string) => void,
  ) {
    this.proc = spawn(ffmpeg, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.output = this.proc.stdout;
    const stderr = new StderrTail(this.proc.stderr);
    // EPIPE when ffmpeg has gone; its exit says why.
    this.proc.stdin.on('error', () => undefined);
    void waitForExit(this.proc).then(({ code, signal, spawnError }) => {
      const why = spawnError?.message ?? (lastStderrLine(stderr.text()) || (signal ? `killed by ${signal}` : `exit code ${code}`));
      this.fail(`${role} (ffmpeg) stopped: ${why}`);
    });
  }

  /** Writes the buffers in order; false (nothing written) while ffmpeg is MAX_PIPE_BACKLOG behind. */
  write(...buffers: readonly Uint8Array[]): boolean {
    if (this.closed || this.proc.stdin.writableLength > MAX_PIPE_BACKLOG) return false;
    for (const buffer of buffers) this.proc.stdin.write(buffer);
    return true;
  }

  fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.failed(reason);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.proc.stdout.removeAllListeners('data');
    this.proc.kill('SIGKILL');
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
