import type { Frame } from '../engine/types';
import type { DynamicBatcher, Outcome, Ticket } from './batcher';
import type { Clock } from './clock';
import type { ResolvedPipelineConfig } from './config';
import { LatencyWindow } from './latency';
import type { PipelineMetrics } from './metrics';
import type { Postprocessor, SmoothingState } from './postprocess';
import { resizeRgb } from './resize';
import { shapeKey, workingShape, type WorkingShape } from './shapes';
import type { FrameStream, StreamOptions, StreamResult, StreamStats } from './types';

/** What a stream needs from its pipeline for one model. */
export interface ModelLane {
  readonly batcher: DynamicBatcher<Frame, Uint8Array>;
  readonly workingShortSide: number;
  readonly bucketMultiple: number;
}

export interface StreamContext {
  lane(model: string): ModelLane;
  readonly postprocessor: Pick<Postprocessor, 'run'>;
  readonly metrics: PipelineMetrics;
  readonly clock: Clock;
  readonly config: ResolvedPipelineConfig;
  onClose(stream: FrameStream): void;
}

type Tunables = Pick<StreamOptions, 'model' | 'strength' | 'smoothing'>;

interface Prepared {
  readonly guide: Frame;
  readonly low: Frame;
}

const DROPPED_SUPERSEDED: Outcome<Uint8Array> = { status: 'dropped', reason: 'superseded' };
const DROPPED_CLOSED: Outcome<Uint8Array> = { status: 'dropped', reason: 'closed' };
const noop = (): void => undefined;

export function checkFrame(frame: Frame): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`frame size must be positive integers, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RangeError(`frame data must be ${width}x${height}x3 = ${width * height * 3} RGB bytes, got ${data?.length}`);
  }
}

function checkUnit(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
}

/**
 * One video stream. Frames are resized (sharp), batched with other streams' frames, and then
 * post-processed strictly in submission order, because each frame's smoothing depends on the
 * previous frame's result.
 */
export class PipelineStream implements FrameStream {
  private tunables: Tunables;
  private state: SmoothingState | null = null;
  /** The smoothed state before `state`, which no frame reads any more: the next one's to write. */
  private spareState: Float32Array | null = null;
  /** The model whose cartoon `state` holds. */
  private stateModel = '';
  private lastSeq = 0;
  /** Newest frame whose inference has finished (live mode drops older ones before post-processing). */
  private newestInferred = 0;
  private waiting: Ticket<Uint8Array> | undefined;
  private enqueueTail: Promise<unknown> = Promise.resolve();
  private postTail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private received = 0;
  private processed = 0;
  private dropped = 0;
  private readonly latency = new LatencyWindow();

  constructor(
    readonly id: string,
    private readonly options: StreamOptions,
    private readonly ctx: StreamContext,
  ) {
    this.tunables = { model: options.model, strength: options.strength, smoothing: options.smoothing };
    checkUnit('strength', options.strength);
    checkUnit('smoothing', options.smoothing);
    ctx.lane(options.model);
  }

  submit(frame: Frame, timestampMs?: number): Promise<StreamResult> {
    if (this.closed) return Promise.reject(new Error(`stream ${this.id} is closed`));
    try {
      checkFrame(frame);
    } catch (error) {
      return Promise.reject(error);
    }
    const { clock, config } = this.ctx;
    const submittedAt = clock.now();
    const timestamp = timestampMs ?? Date.now();
    const seq = ++this.lastSeq;
    this.received++;
    const live = this.options.mode === 'live';
    const tunables = this.tunables;
    const lane = this.ctx.lane(tunables.model);
    const shape = workingShape(
      this.options.outputWidth,
      this.options.outputHeight,
      this.options.workingShortSide || config.workingShortSide || lane.workingShortSide,
      lane.bucketMultiple,
    );
    if (live) this.supersedeWaiting();
    const prepared = this.prepare(frame, shape);
    const deadlineMs = this.options.deadlineMs ?? config.deadlineMs;
    const deadlineAt = live && deadlineMs !== undefined ? submittedAt + deadlineMs : undefined;

    // Frames enter the batcher in submission order even if their resizes finish out of order.
    const enqueued = this.enqueueTail.then(async (): Promise<Ticket<Uint8Array> | Outcome<Uint8Array>> => {
      const { low } = await prepared;
      if (this.closed) return DROPPED_CLOSED;
      if (live && seq !== this.lastSeq) return DROPPED_SUPERSEDED;
      const ticket = lane.batcher.submit(this.id, shapeKey(shape), low, deadlineAt);
      if (live) this.waiting = ticket;
      return ticket;
    });
    this.enqueueTail = enqueued.then(noop, noop);
    const inferred = enqueued
      .then((t) => ('outcome' in t ? t.outcome : t))
      .then((outcome) => {
        if (outcome.status === 'done') this.newestInferred = Math.max(this.newestInferred, seq);
        return outcome;
      });

    const previousPost = this.postTail;
    const result = (async (): Promise<StreamResult> => {
      let outcome = await inferred;
      await previousPost;
      // Live: the model runs on its own thread now, so it can finish a newer frame of this stream
      // while this one waits for post-processing; that newer frame wins, and post-processing never
      // builds a backlog behind a camera it cannot keep up with.
      if (live && outcome.status === 'done' && this.newestInferred > seq) outcome = DROPPED_SUPERSEDED;
      if (outcome.status === 'dropped') {
        this.dropped++;
        this.ctx.metrics.dropped(this.id, outcome.reason);
        return null;
      }
      const { guide, low } = await prepared;
      const postStart = clock.now();
      const post = await this.ctx.postprocessor.run({
        guide,
        low,
        cartoon: outcome.result,
        // A frame still in flight when the model changed comes back after update() reset the
        // state; another model's cartoon must not be blended into this one's.
        previous: this.stateModel === tunables.model ? this.state : null,
        smoothing: tunables.smoothing ?? config.smoothing,
        strength: tunables.strength ?? config.strength,
        cutThreshold: config.cutThreshold,
        motionTau: config.motionTau,
        guidedEps: config.guidedEps,
        guidedDetail: config.guidedDetail,
        fullResSmoothing: config.fullResSmoothing,
        spareState: this.spareState,
      });
      this.spareState = this.state && this.state.smoothed !== post.state.smoothed ? this.state.smoothed : null;
      this.state = post.state;
      this.stateModel = tunables.model;
      if (post.change > config.cutThreshold) this.ctx.metrics.sceneCut(this.id);
      const done = clock.now();
      this.processed++;
      this.latency.add(done - submittedAt);
      this.ctx.metrics.processed(tunables.model, done - submittedAt, done - postStart);
      return { frame: post.frame, timestampMs: timestamp };
    })();
    this.postTail = result.then(noop, noop);
    return result;
  }

  update(options: Partial<Tunables>): void {
    checkUnit('strength', options.strength);
    checkUnit('smoothing', options.smoothing);
    if (options.model !== undefined) {
      this.ctx.lane(options.model);
    }
    const next = { ...this.tunables };
    for (const key of ['model', 'strength', 'smoothing'] as const) {
      if (options[key] !== undefined) Object.assign(next, { [key]: options[key] });
    }
    this.tunables = next;
  }

  reset(): void {
    this.state = null;
    this.spareState = null;
  }

  stats(): StreamStats {
    return {
      received: this.received,
      processed: this.processed,
      dropped: this.dropped,
      latencyMedianMs: this.latency.quantile(0.5),
      latencyP95Ms: this.latency.quantile(0.95),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.supersedeWaiting();
    this.state = null;
    this.spareState = null;
    this.ctx.lane(this.tunables.model).batcher.forget(this.id);
    this.ctx.onClose(this);
    void this.postTail.then(() => this.ctx.metrics.forgetStream(this.id));
  }

  /** Resolves when every frame submitted so far has its result. */
  settled(): Promise<void> {
    return this.postTail.then(noop);
  }

  private supersedeWaiting(): void {
    this.waiting?.cancel();
    this.waiting = undefined;
  }

  private async prepare(frame: Frame, shape: WorkingShape): Promise<Prepared> {
    const { outputWidth, outputHeight } = this.options;
    const [guide, low] = await Promise.all([
      resizeRgb(frame, outputWidth, outputHeight),
      resizeRgb(frame, shape.width, shape.height),
    ]);
    return { guide, low };
  }
}
