import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Frame } from '../engine/types';
import type { StreamResult } from '../pipeline/types';
import { decodeFrames } from './decoder';
import { FrameEncoder } from './encoder';
import { MediaError } from './errors';
import { checkOutputSize, outputGeometry } from './geometry';
import type { MediaInfo, OutputFormat } from './types';

/** The part of a pipeline FrameStream (mode 'offline') that transcoding needs. */
export interface FrameSink {
  submit(frame: Frame, timestampMs?: number): Promise<StreamResult>;
}

export interface TranscodeProgress {
  readonly framesDone: number;
  /** The container's frame count, or an estimate from duration x rate (exact once done). */
  readonly framesTotal: number;
  readonly elapsedS: number;
}

export interface TranscodeOptions {
  readonly input: string;
  readonly info: MediaInfo;
  /** Final path; written under a temporary name in the same folder and renamed when complete. */
  readonly output: string;
  readonly format: OutputFormat;
  /** Output height (default: the input's size, short side at most 1080). */
  readonly height?: number;
  readonly crf?: number;
  /** Opens the frame stream once the output size is known (the pipeline upsamples to it). */
  readonly openStream: (width: number, height: number) => FrameSink & { close(): void };
  /** Frames submitted ahead of the one being encoded, so the batcher can fill its batches. */
  readonly inFlight?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TranscodeProgress) => void;
  readonly onSpawn?: (pid: number) => void;
}

export interface TranscodeResult {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly elapsedS: number;
}

/** Below this share of the container's frame count, a cleanly ending decode means a cut-off file. */
const TRUNCATION_RATIO = 0.9;

export function temporaryPath(output: string): string {
  return join(dirname(output), `.${basename(output)}.partial-${randomBytes(4).toString('hex')}`);
}

function noop(): void {}

/**
 * Decode -> pipeline -> encode, in order, every frame. A bounded number of frames is in flight
 * in the pipeline; the decoder is only pulled when a slot frees up and the encoder's stdin
 * back-pressure is awaited, so memory stays flat for any length.
 */
export async function transcode(opts: TranscodeOptions): Promise<TranscodeResult> {
  const { info } = opts;
  const geo = outputGeometry(info, opts.height);
  checkOutputSize(geo);
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const tmp = temporaryPath(opts.output);
  const stream = opts.openStream(geo.width, geo.height);
  const encoder = new FrameEncoder({
    output: tmp,
    format: opts.format,
    width: geo.width,
    height: geo.height,
    frameRate: info.video.frameRate,
    sar: geo.sar,
    crf: opts.crf,
    audio: info.audio ? { path: opts.input, codec: info.audio.codec } : undefined,
    signal: opts.signal,
    onSpawn: opts.onSpawn,
  });
  const depth = Math.max(1, opts.inFlight ?? 4);
  const pending: Promise<StreamResult>[] = [];
  let decoded = 0;
  let written = 0;
  let total = info.video.frameCount;
  const msPerFrame = (1000 * info.video.frameRate.den) / info.video.frameRate.num;

  const writeOldest = async (): Promise<void> => {
    const result = await pending.shift();
    if (!result) throw new Error('the pipeline dropped a frame in offline mode');
    await encoder.write(result.frame);
    written++;
    if (written > total) total = written;
    opts.onProgress?.({ framesDone: written, framesTotal: total, elapsedS: elapsed() });
  };

  try {
    const frames = decodeFrames(opts.input, {
      width: geo.width,
      height: geo.height,
      constantRate: info.video.variableFrameRate ? info.video.frameRate : undefined,
      signal: opts.signal,
      onSpawn: opts.onSpawn,
    });
    for await (const frame of frames) {
      const p = stream.submit(frame, decoded * msPerFrame);
      p.catch(noop); // awaited in order by writeOldest; avoid an unhandled rejection meanwhile
      pending.push(p);
      decoded++;
      if (pending.length >= depth) await writeOldest();
    }
    while (pending.length > 0) await writeOldest();
    if (decoded === 0) throw new MediaError('decode_failed', 'no frame could be decoded from the video');
    if (info.video.frameCountExact && decoded < info.video.frameCount * TRUNCATION_RATIO) {
      throw new MediaError(
        'truncated',
        `the video stopped after ${decoded} of ${info.video.frameCount} frames: the file looks truncated or damaged`,
      );
    }
    await encoder.finish();
    await rename(tmp, opts.output);
    opts.onProgress?.({ framesDone: written, framesTotal: written, elapsedS: elapsed() });
    return { frames: written, width: geo.width, height: geo.height, elapsedS: elapsed() };
  } catch (err) {
    await encoder.kill();
    await Promise.allSettled(pending);
    await unlink(tmp).catch(noop);
    if (opts.signal?.aborted) throw new MediaError('cancelled', 'cancelled');
    throw err;
  } finally {
    stream.close();
  }
}
