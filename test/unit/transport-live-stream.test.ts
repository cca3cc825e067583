import type { Frame } from '../../src/engine/types';
import type { FrameStream, Pipeline, StreamOptions, StreamResult } from '../../src/pipeline';
import { LiveStream, type LiveResult } from '../../src/transport/live-stream';

/** A pipeline whose frames finish only when the test says so. */
class ManualPipeline implements Pipeline {
  readonly pending: Array<{ frame: Frame; resolve: (r: StreamResult) => void }> = [];
  readonly opened: StreamOptions[] = [];
  updates: unknown[] = [];

  openStream(options: StreamOptions): FrameStream {
    this.opened.push(options);
    return {
      id: options.id ?? 's',
      submit: (frame) => new Promise<StreamResult>((resolve) => this.pending.push({ frame, resolve })),
      update: (u) => void this.updates.push(u),
      reset: () => undefined,
      stats: () => ({ received: 0, processed: 0, dropped: 0, latencyMedianMs: 0, latencyP95Ms: 0 }),
      close: () => undefined,
    };
  }

  finishNext(): void {
    const p = this.pending.shift()!;
    p.resolve({ frame: p.frame, timestampMs: 0 });
  }

  async close(): Promise<void> {}
}

const frame = (id: number, width = 4, height = 2): Frame => ({ data: new Uint8Array(width * height * 3).fill(id), width, height });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(maxInFlight = 2) {
  const pipeline = new ManualPipeline();
  const results: Array<LiveResult<number>> = [];
  const live = new LiveStream<number>({
    id: 't',
    pipeline,
    settings: { model: 'm', strength: 1, passthrough: false },
    deadlineMs: 100,
    maxInFlight,
    toRgb: async (n) => frame(n),
    onResult: (r) => results.push(r),
  });
  return { pipeline, results, live };
}

describe('LiveStream (newest wins, bounded in-flight)', () => {
  it('keeps at most maxInFlight frames running and one waiting; older waiting frames are dropped', async () => {
    const { pipeline, results, live } = setup(2);
    for (let i = 1; i <= 6; i++) live.push(i);
    await flush();
    expect(pipeline.pending.map((p) => p.frame.data[0])).toEqual([1, 2]);
    // 3, 4 and 5 were each replaced in the mailbox by a newer frame.
    expect(results.filter((r) => r.kind === 'dropped').map((r) => r.input)).toEqual([3, 4, 5]);
    pipeline.finishNext();
    await flush();
    expect(pipeline.pending.map((p) => p.frame.data[0])).toEqual([2, 6]);
    pipeline.finishNext();
    pipeline.finishNext();
    await flush();
    expect(results.filter((r) => r.kind === 'cartoon').map((r) => r.input)).toEqual([1, 2, 6]);
    expect(live.stats()).toMatchObject({ received: 6, processed: 3, dropped: 3, passedThrough: 0 });
  });

  it('delivers results in arrival order even when a later frame finishes first', async () => {
    const { pipeline, results, live } = setup(2);
    live.push(1);
    live.push(2);
    await flush();
    const [first, second] = pipeline.pending.splice(0, 2);
    second.resolve({ frame: second.frame, timestampMs: 0 });
    await flush();
    expect(results).toHaveLength(0);
    first.resolve({ frame: first.frame, timestampMs: 0 });
    await flush();
    expect(results.map((r) => r.input)).toEqual([1, 2]);
  });

  it('passes frames through untouched when passthrough is on, and applies changes to the next frame', async () => {
    const { pipeline, results, live } = setup(1);
    live.push(1);
    await flush();
    live.apply({ passthrough: true, strength: 0.5 });
    pipeline.finishNext();
    await flush();
    live.push(2);
    await flush();
    expect(results.map((r) => r.kind)).toEqual(['cartoon', 'passthrough']);
    expect(pipeline.updates).toEqual([{ model: 'm', strength: 0.5 }]);
    expect(live.stats()).toMatchObject({ processed: 1, passedThrough: 1 });
  });

  it('opens a new pipeline stream when the frame size changes (sender adaptation, camera switch)', async () => {
    const pipeline = new ManualPipeline();
    const sizes = [frame(1, 640, 360), frame(2, 640, 360), frame(3, 480, 480)];
    const live = new LiveStream<number>({
      id: 't', pipeline, settings: { model: 'm', strength: 1, passthrough: false }, deadlineMs: 100, maxInFlight: 3,
      toRgb: async (n) => sizes[n - 1], onResult: () => undefined,
    });
    live.push(1);
    live.push(2);
    live.push(3);
    await flush();
    expect(pipeline.opened.map((o) => `${o.outputWidth}x${o.outputHeight}`)).toEqual(['640x360', '480x480']);
    expect(pipeline.opened.map((o) => o.id)).toEqual(['t', 't.2']);
  });
});
