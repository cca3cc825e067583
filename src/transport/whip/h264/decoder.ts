import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ffmpegBinaries } from '../../../media/binaries';
import { lastStderrLine } from '../../../media/errors';
import { StderrTail, waitForExit } from '../../../media/process';
import type { I420Frame } from '../../webrtc/wrtc';
import { START_CODE, NAL } from './depacketizer';
import { Y4mParser } from './y4m';

export class DecoderUnavailableError extends Error {
  override readonly name = 'DecoderUnavailableError';
}

/**
 * The ffmpeg that decodes H.264 publications: the one the project resolves everywhere
 * (FFMPEG_PATH, else the system's, else @ffmpeg-installer's), checked to be executable.
 */
export function h264DecoderBinary(resolve: () => string = () => ffmpegBinaries().ffmpeg): string {
  let path: string;
  try {
    path = resolve();
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new DecoderUnavailableError(`H.264 publications need ffmpeg on the server, and it is not available (${(error as Error).message}); install ffmpeg, or publish VP8, VP9 or AV1`);
  }
  return path;
}

/**
 * Lowest-latency settings, measured on Debian's ffmpeg 5.1 with a 30 fps stream written an
 * access unit at a time: with them a picture comes out under 1 ms after its bytes go in.
 * - probesize 32 / analyzeduration 0: start decoding at the first packet instead of probing.
 * - low_delay: no frame threads (each adds a frame of delay) and no reorder wait.
 * - `-fflags nobuffer` is left out on purpose: it discards the packets read while probing, so
 *   the first keyframe (with SPS/PPS) was lost and nothing decoded until the next one.
 * - the crop keeps the size even, as I420 frames for libwebrtc need.
 */
export function h264DecodeArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-probesize', '32', '-analyzeduration', '0', '-flags', 'low_delay',
    '-f', 'h264', '-i', 'pipe:0',
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', 'crop=trunc(iw/2)*2:trunc(ih/2)*2',
    '-vsync', 'passthrough',
    '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', 'pipe:1',
  ];
}

/**
 * Written after every access unit: ffmpeg's H.264 parser only knows a picture has ended when
 * the next one starts, so without it each picture waits for the next (a frame interval, 33 ms
 * at 30 fps). An access unit delimiter is the start of the next one.
 */
const END_OF_ACCESS_UNIT = Buffer.concat([START_CODE, Uint8Array.of(NAL.AUD, 0xf0)]);
/** Bytes ffmpeg may have unread on its stdin before pictures are refused (it decodes far faster than real time). */
export const MAX_DECODER_BACKLOG = 4 * 1024 * 1024;

export interface H264DecoderEvents {
  frame(frame: I420Frame): void;
  /** ffmpeg stopped by itself (a crash, unusable output); not called after close(). */
  failed(reason: string): void;
}

/**
 * One ffmpeg process that turns an H.264 Annex-B stream (on stdin) into I420 frames (y4m on
 * stdout). Stdout is always read at once, never paused: every decoded frame is handed on
 * and the live stream behind decides which ones it has time for (newest wins).
 */
export class H264Decoder {
  private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>;
  private closed = false;

  constructor(ffmpeg: string, private readonly events: H264DecoderEvents) {
    this.proc = spawn(ffmpeg, h264DecodeArgs(), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = new StderrTail(this.proc.stderr);
    const parser = new Y4mParser((frame) => {
      if (!this.closed) events.frame(frame);
    });
    this.proc.stdout.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        this.fail(`the H.264 decoder's output is unusable: ${(error as Error).message}`);
      }
    });
    // EPIPE when ffmpeg has gone; its exit says why.
    this.proc.stdin.on('error', () => undefined);
    void waitForExit(this.proc).then(({ code, signal, spawnError }) => {
      const why = spawnError?.message ?? (lastStderrLine(stderr.text()) || (signal ? `killed by ${signal}` : `exit code ${code}`));
      this.fail(`the H.264 decoder (ffmpeg) stopped: ${why}`);
    });
  }

  /** False (and nothing written) while ffmpeg is behind by more than MAX_DECODER_BACKLOG. */
  write(accessUnit: Buffer): boolean {
    if (this.closed) return false;
    if (this.proc.stdin.writableLength > MAX_DECODER_BACKLOG) return false;
    this.proc.stdin.write(accessUnit);
    this.proc.stdin.write(END_OF_ACCESS_UNIT);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.proc.stdout.removeAllListeners('data');
    this.proc.kill('SIGKILL');
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.events.failed(reason);
  }
}
