import type { Frame } from '../engine/types';
import { LatencyWindow } from '../pipeline/latency';
import type { FrameStream, Pipeline } from '../pipeline';
import type { LiveConfig } from './config';
import type { LiveSettings } from './settings';

/** Per-session counters, as /api/live/sessions and /metrics report them. */
export interface LiveStats {
  readonly received: number;
  /** Frames cartoonized and sent back. */
  readonly processed: number;
  /** Frames sent back unprocessed (passthrough on). */
  readonly passedThrough: number;
  /** Frames dropped before inference because newer ones arrived (newest wins). */
  readonly dropped: number;
  /** Server-added latency (frame received → result ready), ms, over recent frames. */
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  /** Frames sent back per second over the last few seconds. */
  readonly fps: number;
}

export type LiveResult<In> =
  | { readonly kind: 'cartoon'; readonly input: In; readonly frame: Frame; readonly receivedAt: number; readonly doneAt: number }
  | { readonly kind: 'passthrough'; readonly input: In; readonly receivedAt: number; readonly doneAt: number }
  | { readonly kind: 'dropped'; readonly input: In; readonly receivedAt: number };

export interface LiveStreamOptions<In> {
  readonly id: string;
  readonly pipeline: Pipeline;
  readonly settings: LiveSettings;
  /** Live-mode deadline handed to the pipeline, ms. */
  readonly deadlineMs: number;
  /** Short side (px) frames are cartoonized at; 0 = the model card's. */
  readonly workingShortSide?: number;
  /** Frames between arrival and result at once; further arrivals wait in a one-slot mailbox. */
  readonly maxInFlight: number;
  /** Turns a transport frame (I420, JPEG, …) into RGB24; only called for frames that will be processed. */
  toRgb(input: In): Promise<Frame>;
  /** Called once per pushed frame, in arrival order for frames that are not dropped. */
  onResult(result: LiveResult<In>): void;
  onError?(error: unknown): void;
  readonly now?: () => number;
}

interface Pending<In> {
  readonly input: In;
  readonly receivedAt: number;
}

const FPS_WINDOW_MS = 3000;

/**
 * A live session's frame flow: at most `maxInFlight` frames between arrival and result, and
 * one waiting frame that a newer arrival replaces (counted as dropped). So when the model is
 * slower than the camera the backlog is at most maxInFlight + 1 frames and latency stays
 * bounded. Passthrough frames skip conversion and inference.
 */
export class LiveStream<In> {
  private settings: LiveSettings;
  private stream: FrameStream | null = null;
  private streamSize = { width: 0, height: 0 };
  private opened = 0;
  private inFlight = 0;
  private mailbox: Pending<In> | null = null;
  private closed = false;
  private received = 0;
  private processed = 0;
  private passedThrough = 0;
  private dropped = 0;
  private readonly latency = new LatencyWindow(300);
  private readonly sent: number[] = [];
  /** Results are delivered in arrival order even when a later frame finishes first. */
  private deliverTail: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: LiveStreamOptions<In>) {
    this.settings = options.settings;
    this.now = options.now ?? (() => performance.now());
  }

  get current(): LiveSettings {
    return this.settings;
  }

  /** Applies to the next frame taken from the mailbox. The caller has validated the values. */
  apply(change: Partial<LiveSettings>): LiveSettings {
    this.settings = { ...this.settings, ...change };
    this.stream?.update({ model: this.settings.model, strength: this.settings.strength });
    return this.settings;
  }

  push(input: In): void {
    if (this.closed) return;
    this.received++;
    const pending = { input, receivedAt: this.now() };
    if (this.inFlight < this.options.maxInFlight) {
      this.start(pending);
      return;
    }
    if (this.mailbox) this.drop(this.mailbox);
    this.mailbox = pending;
  }

  stats(): LiveStats {
    const now = this.now();
    while (this.sent.length > 0 && this.sent[0] < now - FPS_WINDOW_MS) this.sent.shift();
    return {
      received: this.received,
      processed: this.processed,
      passedThrough: this.passedThrough,
      dropped: this.dropped,
      latencyMedianMs: round(this.latency.quantile(0.5)),
      latencyP95Ms: round(this.latency.quantile(0.95)),
      fps: round((this.sent.length * 1000) / FPS_WINDOW_MS),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mailbox = null;
    this.stream?.close();
    this.stream = null;
  }

  private drop(pending: Pending<In>): void {
    this.dropped++;
    this.options.onResult({ kind: 'dropped', input: pending.input, receivedAt: pending.receivedAt });
  }

  private start(pending: Pending<In>): void {
    this.inFlight++;
    const settings = this.settings;
    const work = this.run(pending, settings).catch((error: unknown) => {
      this.options.onError?.(error);
      return { kind: 'dropped', input: pending.input, receivedAt: pending.receivedAt } as const;
    });
    const previous = this.deliverTail;
    this.deliverTail = (async () => {
      const result = await work;
      await previous;
      this.inFlight--;
      if (!this.closed) this.deliver(result);
      const next = this.mailbox;
      if (next && !this.closed) {
        this.mailbox = null;
        this.start(next);
      }
    })();
  }

  private deliver(result: LiveResult<In>): void {
    if (result.kind === 'dropped') this.dropped++;
    else {
      if (result.kind === 'cartoon') this.processed++;
      else this.passedThrough++;
      this.latency.add(result.doneAt - result.receivedAt);
      this.sent.push(result.doneAt);
    }
    this.options.onResult(result);
  }

  private async run(pending: Pending<In>, settings: LiveSettings): Promise<LiveResult<In>> {
    const { input, receivedAt } = pending;
    if (settings.passthrough) return { kind: 'passthrough', input, receivedAt, doneAt: this.now() };
    const rgb = await this.options.toRgb(input);
    if (this.closed) return { kind: 'dropped', input, receivedAt };
    const result = await this.streamFor(rgb).submit(rgb);
    if (!result) return { kind: 'dropped', input, receivedAt };
    return { kind: 'cartoon', input, frame: result.frame, receivedAt, doneAt: this.now() };
  }

  /**
   * The cartoon has the size of the frames coming in. WebRTC senders change it now and then
   * (they start small and step up as the bandwidth estimate grows, or step down under load);
   * each change opens a new pipeline stream, which restarts temporal smoothing.
   */
  private streamFor(frame: Frame): FrameStream {
    const { width, height } = this.streamSize;
    if (this.stream && frame.width === width && frame.height === height) return this.stream;
    this.stream?.close();
    this.streamSize = { width: frame.width, height: frame.height };
    this.stream = this.options.pipeline.openStream({
      // A fresh id per reopen: the old stream's metrics are forgotten asynchronously.
      id: ++this.opened === 1 ? this.options.id : `${this.options.id}.${this.opened}`,
      model: this.settings.model,
      mode: 'live',
      outputWidth: frame.width,
      outputHeight: frame.height,
      strength: this.settings.strength,
      deadlineMs: this.options.deadlineMs,
      workingShortSide: this.options.workingShortSide || undefined,
    });
    return this.stream;
  }
}

/** The options every transport's LiveStream takes from the live config and the shared pipeline. */
export function liveStreamBase(pipeline: Pipeline, config: LiveConfig): Pick<LiveStreamOptions<unknown>, 'pipeline' | 'deadlineMs' | 'workingShortSide' | 'maxInFlight'> {
  return { pipeline, deadlineMs: config.deadlineMs, workingShortSide: config.workingShortSide, maxInFlight: config.pipelineDepth };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
