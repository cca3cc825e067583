import { accessSync, constants } from 'node:fs';
import { ffmpegBinaries } from '../../../media/binaries';
import type { I420Frame } from '../../webrtc/wrtc';
import { START_CODE, NAL } from './depacketizer';
import { FfmpegPipe } from './ffmpeg-pipe';
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
 * Lowest-latency settings, measured with Debian's ffmpeg 5.1 and @ffmpeg-installer's 2018 build
 * on a 30 fps stream written an access unit at a time: a picture comes out about 1 ms after its
 * bytes go in (two frames later without low_delay, one later without the delimiter below).
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

export interface H264DecoderEvents {
  frame(frame: I420Frame): void;
  /** ffmpeg stopped by itself (a crash, unusable output); not called after close(). */
  failed(reason: string): void;
}

/**
 * One ffmpeg process that turns an H.264 Annex-B stream (on stdin) into I420 frames (y4m on
 * stdout). Every decoded frame is handed on at once; the live stream behind decides which
 * ones it has time for (newest wins).
 */
export class H264Decoder {
  private readonly pipe: FfmpegPipe;

  constructor(ffmpeg: string, events: H264DecoderEvents) {
    this.pipe = new FfmpegPipe(ffmpeg, h264DecodeArgs(), 'the H.264 decoder', events.failed);
    const parser = new Y4mParser((frame) => {
      if (!this.pipe.isClosed) events.frame(frame);
    });
    this.pipe.output.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        this.pipe.fail(`the H.264 decoder's output is unusable: ${(error as Error).message}`);
      }
    });
  }

  /** False (and nothing written) while ffmpeg is far behind (see MAX_PIPE_BACKLOG). */
  write(accessUnit: Buffer): boolean {
    return this.pipe.write(accessUnit, END_OF_ACCESS_UNIT);
  }

  close(): void {
    this.pipe.close();
  }
}
