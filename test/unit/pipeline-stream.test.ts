import { Registry } from 'prom-client';
import type { Frame } from '../../src/engine/types';
import { DynamicBatcher } from '../../src/pipeline/batcher';
import { resolveConfig } from '../../src/pipeline/config';
import { pipelineMetrics } from '../../src/pipeline/metrics';
import type { PostprocessInput, PostprocessOutput } from '../../src/pipeline/postprocess';
import { PipelineStream, type StreamContext } from '../../src/pipeline/stream';
import { FakeClock, flush } from './pipeline-fake-clock';

const SIZE = 16;

function frame(value: number): Frame {
  return { data: new Uint8Array(SIZE * SIZE * 3).fill(value), width: SIZE, height: SIZE };
}

/**
 * A stream on a real batcher whose model and post-processing finish only when the test says so:
 * the order in which the two stages complete is what these tests are about.
 */
function harness() {
  const clock = new FakeClock();
  const modelRuns: Array<() => void> = [];
  const postRuns: Array<{ input: PostprocessInput; finish: () => void }> = [];
  const batcher = new DynamicBatcher<Frame, Uint8Array>({
    maxBatchSize: 1,
    maxQueueDelayMs: 0,
    maxInflight: 1,
    clock,
    run: (items) => new Promise((resolve) => modelRuns.push(() => resolve(items.map((i) => i.payload.data)))),
  });
  const postprocessor = {
    run: (input: PostprocessInput) =>
      new Promise<PostprocessOutput>((resolve) =>
        postRuns.push({
          input,
          finish: () =>
            resolve({
              frame: { data: input.cartoon, width: SIZE, height: SIZE },
              state: { low: input.low.data, smoothed: new Float32Array(3 * SIZE * SIZE), width: SIZE, height: SIZE, output: input.guide },
              change: 0,
              motion: [0, 0, 0],
            }),
        }),
      ),
  };
  const ctx: StreamContext = {
    lane: () => ({ batcher, workingShortSide: SIZE, bucketMultiple: 1 }),
    postprocessor,
    metrics: pipelineMetrics(new Registry()),
    clock,
    config: resolveConfig('cpu', { clock }, '/unused'),
    onClose: () => undefined,
  };
  const stream = new PipelineStream('cam', { model: 'm', mode: 'live', outputWidth: SIZE, outputHeight: SIZE }, ctx);
  const settle = async (): Promise<void> => {
    await clock.advance(1);
    await flush();
  };
  return { stream, modelRuns, postRuns, settle };
}

describe('PipelineStream, live mode, with the model and post-processing on their own threads', () => {
  it('drops a frame before post-processing when a newer frame of the stream has already been inferred', async () => {
    const { stream, modelRuns, postRuns, settle } = harness();
    const first = stream.submit(frame(1), 1);
    await settle();
    modelRuns.shift()!(); // frame 1 inferred; its post-processing starts
    await settle();
    expect(postRuns).toHaveLength(1);

    const second = stream.submit(frame(2), 2);
    await settle();
    modelRuns.shift()!(); // frame 2 inferred while frame 1 is still being post-processed
    await settle();
    const third = stream.submit(frame(3), 3);
    await settle();
    modelRuns.shift()!(); // and frame 3 too
    await settle();

    postRuns.shift()!.finish();
    await settle();
    // Frame 2 never reaches post-processing: frame 3 is newer and already inferred.
    expect(postRuns.map((p) => p.input.cartoon[0])).toEqual([3]);
    postRuns.shift()!.finish();
    expect((await first)?.timestampMs).toBe(1);
    expect(await second).toBeNull();
    expect((await third)?.timestampMs).toBe(3);
    expect(stream.stats()).toMatchObject({ received: 3, processed: 2, dropped: 1 });
  });

  it('post-processes every frame when the model is not ahead', async () => {
    const { stream, modelRuns, postRuns, settle } = harness();
    const results = [];
    for (const i of [1, 2, 3]) {
      results.push(stream.submit(frame(i), i));
      await settle();
      modelRuns.shift()!();
      await settle();
      postRuns.shift()!.finish();
      await settle();
    }
    expect((await Promise.all(results)).map((r) => r?.timestampMs)).toEqual([1, 2, 3]);
  });
});
