import { lastStderrLine } from '../media/errors';
import { describeSource } from './probe';
import { sourceArgs } from './source-args';
import { running, spawnFfmpeg, type FfmpegChild } from './spawn';
import { CameraError, type RawFrame, type RawPixelFormat, type Size, type SourceSpec } from './types';
import { frameChunks } from '../media/frame-chunks';

export function frameBytes(size: Size, format: RawPixelFormat): number {
  const { width, height } = size;
  return format === 'rgb24' ? width * height * 3 : width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** The ffmpeg that reads the camera / file / stream and hands out raw frames of one size. */
export class FrameSource {
  private child: FfmpegChild | undefined;
  private stopping = false;

  constructor(
    private readonly spec: SourceSpec,
    private readonly out: Size & { readonly pixelFormat: RawPixelFormat },
  ) {}

  /** Frames as ffmpeg writes them, each stamped with the time it was read. Ends when the source ends or stop() is called. */
  async *frames(): AsyncGenerator<RawFrame, void, undefined> {
    const { width, height } = this.out;
    const bytes = frameBytes(this.out, this.out.pixelFormat);
    const child = spawnFfmpeg(sourceArgs(this.spec, this.out), ['ignore', 'pipe', 'pipe']);
    this.child = child;
    try {
      for await (const data of frameChunks(child.proc.stdout as AsyncIterable<Buffer>, bytes)) {
        yield { data, width, height, readAt: performance.now() };
      }
      const status = await child.exit;
      if (this.stopping) return;
      if (status.spawnError) throw new CameraError(`could not start ffmpeg: ${status.spawnError.message}`);
      if (status.code !== 0) {
        const why = lastStderrLine(child.stderr.text()) || (status.signal ? `ffmpeg killed by ${status.signal}` : `ffmpeg exit code ${status.code}`);
        throw new CameraError(`${describeSource(this.spec)}: ${why}`);
      }
    } finally {
      this.kill('SIGKILL');
      await child.exit;
    }
  }

  /** Asks ffmpeg to stop; frames() then ends without an error. */
  stop(): void {
    this.stopping = true;
    this.kill('SIGTERM');
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.child && running(this.child.proc)) this.child.proc.kill(signal);
  }
}
