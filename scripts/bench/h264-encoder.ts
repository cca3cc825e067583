// Live H.264 for the werift publisher: I420 frames go to an ffmpeg libx264 in real time, set up
// as OBS's x264 streams to WHIP (baseline, no B-frames, a keyframe a second, zerolatency), and
// each picture is sent as soon as ffmpeg has written it.
import { ffmpegBinaries } from '../../src/media/binaries';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { FfmpegPipe } from '../../src/transport/whip/h264/ffmpeg-pipe';
import { FlvH264Reader } from './flv';
import { RTP_CLOCK, type H264Video } from './h264-publisher';

export interface LiveH264Options {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The n-th frame (0-based) to encode; every frame width x height. */
  readonly frame: (n: number) => I420Frame;
  /** Called with each frame's number and the time it was handed to ffmpeg. */
  readonly onSent?: (n: number, atMs: number) => void;
  /** ffmpeg stopped by itself, or wrote something unreadable. */
  readonly failed: (reason: string) => void;
}

export function x264LiveArgs(width: number, height: number, fps: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-bf', '0', '-g', String(fps),
    '-flush_packets', '1', '-f', 'flv', 'pipe:1',
  ];
}

/**
 * Frames encoded live by ffmpeg. Keyframe requests are not honoured (ffmpeg's command line
 * cannot force one on demand); a keyframe comes every second anyway.
 */
export function liveH264Video(options: LiveH264Options): H264Video {
  let pipe: FfmpegPipe | null = null;
  let timer: NodeJS.Timeout | undefined;
  return {
    start(send) {
      const encoder = new FfmpegPipe(ffmpegBinaries().ffmpeg, x264LiveArgs(options.width, options.height, options.fps), 'the bench H.264 encoder', options.failed);
      pipe = encoder;
      const reader = new FlvH264Reader((picture) => send(picture.nals, Math.round((picture.timestampMs * RTP_CLOCK) / 1000)));
      encoder.output.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (error) {
          encoder.fail(`the bench H.264 encoder's output is unusable: ${(error as Error).message}`);
        }
      });
      let n = 0;
      timer = setInterval(() => {
        const frame = options.frame(n);
        const at = performance.now();
        if (encoder.write(frame.data)) options.onSent?.(n, at);
        n++;
      }, 1000 / options.fps);
    },
    keyframeRequested() {},
    stop() {
      clearInterval(timer);
      pipe?.close();
    },
  };
}
