import { LatencyWindow } from '../pipeline/latency';
import { rationalValue } from '../media';
import { Pacer, type PacerStats } from './pacer';
import type { CartoonFrame, Processor } from './processor';
import { FfmpegSink, PipeSink, type FrameSink, type SinkEnd } from './sink';
import type { SinkEncoding } from './sink-args';
import { FrameSource } from './source';
import { RateMeter, StatusLine } from './status';
import { CameraError, type SinkSpec, type SourceInfo, type SourceSpec, type Size } from './types';

export interface CameraRunOptions {
  readonly source: SourceSpec;
  readonly info: SourceInfo;
  /** Output size (even sides). */
  readonly size: Size;
  readonly sink: SinkSpec;
  readonly bitrate: string;
  /** Starts the cartoonizer; it hands each cartoon to onCartoon. */
  openProcessor(onCartoon: (cartoon: CartoonFrame) => void): Promise<Processor>;
  /** Where `--output -` writes frames. */
  readonly stdout: NodeJS.WritableStream;
  /** The status line goes here; undefined for none. */
  readonly status?: { readonly out: NodeJS.WritableStream; readonly tty: boolean };
  /** Aborting stops the source; what was produced is finished properly (a playable file). */
  readonly signal?: AbortSignal;
  /** Keep every latency sample (benchmarks); otherwise the last 1000. */
  readonly keepLatencySamples?: boolean;
}

export interface CameraSummary extends PacerStats {
  readonly size: Size;
  /** Source frames that produced no cartoon (the model was busy with an earlier one). */
  readonly dropped: number;
  /** Output frames the sink could not take in time. */
  readonly sinkDropped: number;
  /** Frame read from ffmpeg → cartoon written to the sink, ms (local mode only; NaN otherwise). */
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  readonly latencySamples: readonly number[];
  readonly serverLatencyMedianMs?: number;
  readonly elapsedS: number;
  /** True when the reader of the output went away (stdout closed). */
  readonly outputClosed: boolean;
}

function openSink(spec: SinkSpec, enc: SinkEncoding, stdout: NodeJS.WritableStream): FrameSink {
  return spec.kind === 'pipe' ? new PipeSink(stdout) : new FfmpegSink(spec, enc);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * One camera session: source ffmpeg → processor (local pipeline or remote server) → pacer →
 * sink. Runs until the source ends, the signal aborts or the sink stops; always completes the
 * sink it opened, then reports.
 */
export async function runCamera(options: CameraRunOptions): Promise<CameraSummary> {
  const { size, info } = options;
  const fps = rationalValue(info.frameRate);
  const started = performance.now();
  const samples: number[] = [];
  const recent = new LatencyWindow(1000);
  const inMeter = new RateMeter();
  const outMeter = new RateMeter();
  const newMeter = new RateMeter();
  let sinkDropped = 0;
  let sink: FrameSink | undefined;

  const pacer = new Pacer<CartoonFrame>({
    intervalMs: 1000 / fps,
    wallClock: options.source.kind !== 'file',
    write: (cartoon, fresh) => {
      if (!sink?.write(cartoon.frame.data)) {
        sinkDropped++;
        return;
      }
      outMeter.add();
      if (!fresh) return;
      newMeter.add();
      if (Number.isFinite(cartoon.readAt)) {
        const ms = performance.now() - cartoon.readAt;
        recent.add(ms);
        if (options.keepLatencySamples) samples.push(ms);
      }
    },
  });
  const processor = await options.openProcessor((cartoon) => pacer.deliver(cartoon));
  const source = new FrameSource(options.source, { ...size, pixelFormat: processor.pixelFormat });
  sink = openSink(options.sink, { ...size, frameRate: info.frameRate, bitrate: options.bitrate }, options.stdout);

  let sinkEnd: SinkEnd | undefined;
  void sink.ended.then((end) => {
    sinkEnd = end;
    source.stop();
  });
  const onAbort = (): void => source.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) source.stop();

  const remote = (): boolean => processor.pixelFormat !== 'rgb24';
  const status = options.status
    ? new StatusLine(options.status.out, options.status.tty, () => {
        const p = processor.stats();
        return {
          inFps: inMeter.rate(),
          outFps: outMeter.rate(),
          cartoonFps: newMeter.rate(),
          latencyMedianMs: remote() ? p.serverLatencyMedianMs : recent.quantile(0.5),
          latencyLabel: remote() ? 'server latency' : 'latency',
          dropped: p.dropped + sinkDropped,
        };
      })
    : undefined;
  status?.start();

  let sourceError: unknown;
  try {
    for await (const frame of source.frames()) {
      if (sinkEnd) break;
      inMeter.add();
      pacer.sourceFrame();
      processor.push(frame);
    }
  } catch (error) {
    sourceError = error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  pacer.sourceEnded();
  if (!sinkEnd) await processor.drain();
  pacer.finish();
  const processorStats = processor.stats();
  await processor.close();
  status?.stop();

  const stats = pacer.stats();
  const end = sinkEnd as SinkEnd | undefined;
  if (end?.kind === 'failed') throw end.error;
  if (stats.written === 0 && end === undefined) {
    if (sink instanceof FfmpegSink) sink.kill();
    if (sourceError) throw sourceError;
    throw new CameraError(stats.sourceFrames === 0 ? 'the source delivered no frame' : 'no cartoon frame came out of the model');
  }
  if (end === undefined) {
    // A failing source is the story to tell; the output is still completed so it stays playable.
    try {
      await sink.finish();
    } catch (error) {
      if (!sourceError) throw error;
    }
  }
  if (sourceError) throw sourceError;

  const sorted = [...(options.keepLatencySamples ? samples : [])].sort((a, b) => a - b);
  return {
    ...stats,
    size,
    dropped: processorStats.dropped,
    sinkDropped,
    latencyMedianMs: options.keepLatencySamples ? quantile(sorted, 0.5) : remote() ? NaN : recent.quantile(0.5),
    latencyP95Ms: options.keepLatencySamples ? quantile(sorted, 0.95) : remote() ? NaN : recent.quantile(0.95),
    latencySamples: samples,
    serverLatencyMedianMs: processorStats.serverLatencyMedianMs,
    elapsedS: (performance.now() - started) / 1000,
    outputClosed: end?.kind === 'closed',
  };
}
