import { DynamicBatcher, type BatchItem, type Outcome } from '../../src/pipeline/batcher';
import { FakeClock, flush } from './pipeline-fake-clock';

interface Harness {
  clock: FakeClock;
  batcher: DynamicBatcher<string, string>;
  batches: Array<readonly BatchItem<string>[]>;
  /** Finishes the oldest running batch. */
  finish(): Promise<void>;
  /** Marks streams as recently active (as if each had just sent a frame) without queuing anything. */
  prime(streams: Array<[string, string]>): void;
}

function harness(maxBatchSize: number, maxQueueDelayMs: number, maxInflight = 1): Harness {
  const clock = new FakeClock();
  const batches: Array<readonly BatchItem<string>[]> = [];
  const pending: Array<() => void> = [];
  const batcher = new DynamicBatcher<string, string>({
    maxBatchSize,
    maxQueueDelayMs,
    maxInflight,
    clock,
    run: (items) => {
      batches.push(items);
      return new Promise((resolve) => pending.push(() => resolve(items.map((i) => `out:${i.payload}`))));
    },
  });
  return {
    clock,
    batcher,
    batches,
    finish: async () => {
      pending.shift()?.();
      await flush();
    },
    prime: (streams) => {
      for (const [id, shape] of streams) batcher.touch(id, shape);
    },
  };
}

const payloads = (b: readonly BatchItem<string>[]): string[] => b.map((i) => i.payload);

describe('DynamicBatcher', () => {
  test('sends a batch as soon as it reaches maxBatchSize', async () => {
    const h = harness(3, 100);
    h.prime([['a', 'k'], ['b', 'k'], ['c', 'k'], ['d', 'k']]);
    h.batcher.submit('a', 'k', 'a1');
    h.batcher.submit('b', 'k', 'b1');
    await flush();
    expect(h.batches).toHaveLength(0);
    h.batcher.submit('c', 'k', 'c1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['a1', 'b1', 'c1']]);
  });

  test('sends a partial batch when the oldest frame has waited maxQueueDelayMs', async () => {
    const h = harness(8, 10);
    h.prime([['a', 'k'], ['b', 'k'], ['c', 'k']]);
    h.batcher.submit('a', 'k', 'a1');
    await h.clock.advance(4);
    h.batcher.submit('b', 'k', 'b1');
    await h.clock.advance(5);
    expect(h.batches).toHaveLength(0);
    await h.clock.advance(1);
    expect(h.batches.map(payloads)).toEqual([['a1', 'b1']]);
    expect(h.clock.now()).toBe(10);
  });

  test('maxQueueDelayMs 0 sends immediately', async () => {
    const h = harness(8, 0);
    h.batcher.submit('a', 'k', 'a1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['a1']]);
  });

  test('never runs more than maxInflight batches; queued frames go out when one finishes', async () => {
    const h = harness(2, 0);
    const first = h.batcher.submit('a', 'k', 'a1');
    await flush();
    h.batcher.submit('a', 'k', 'a2');
    h.batcher.submit('b', 'k', 'b1');
    h.batcher.submit('c', 'k', 'c1');
    await h.clock.advance(50);
    expect(h.batches).toHaveLength(1);
    await h.finish();
    await expect(first.outcome).resolves.toEqual({ status: 'done', result: 'out:a1' });
    expect(h.batches).toHaveLength(2);
    expect(h.batches[1]).toHaveLength(2);
  });

  test('drops a frame whose deadline passed before its batch formed, and never runs it', async () => {
    const h = harness(4, 0);
    h.batcher.submit('x', 'k', 'busy');
    await flush();
    const late = h.batcher.submit('a', 'k', 'a1', h.clock.now() + 30);
    const fine = h.batcher.submit('b', 'k', 'b1', h.clock.now() + 100);
    await h.clock.advance(50);
    await h.finish();
    await expect(late.outcome).resolves.toEqual({ status: 'dropped', reason: 'deadline' });
    expect(h.batches.map(payloads)).toEqual([['busy'], ['b1']]);
    await h.finish();
    await expect(fine.outcome).resolves.toEqual({ status: 'done', result: 'out:b1' });
  });

  test('serves streams round-robin so a busy stream cannot starve others', async () => {
    const h = harness(4, 0);
    h.batcher.submit('x', 'k', 'busy');
    await flush();
    for (let i = 1; i <= 6; i++) h.batcher.submit('a', 'k', `a${i}`);
    h.batcher.submit('b', 'k', 'b1');
    h.batcher.submit('b', 'k', 'b2');
    h.batcher.submit('c', 'k', 'c1');
    await h.finish();
    // One per stream per round, each stream's frames in its own order.
    expect(payloads(h.batches[1]).sort()).toEqual(['a1', 'a2', 'b1', 'c1']);
    await h.finish();
    // b and c, served less recently than a, come first in the next round.
    expect(payloads(h.batches[2]).sort()).toEqual(['a3', 'a4', 'a5', 'b2']);
  });

  test('keeps one stream in submission order inside and across batches', async () => {
    const h = harness(3, 0);
    h.batcher.submit('x', 'k', 'busy');
    await flush();
    for (let i = 1; i <= 7; i++) h.batcher.submit('a', 'k', `a${i}`);
    await h.finish();
    await h.finish();
    await h.finish();
    expect(h.batches.slice(1).map(payloads)).toEqual([['a1', 'a2', 'a3'], ['a4', 'a5', 'a6'], ['a7']]);
  });

  test('only batches frames of the same shape; the oldest frame\'s group goes first', async () => {
    const h = harness(4, 5);
    h.prime([['a', '448x256'], ['b', '352x256'], ['c', '448x256'], ['d', '448x256'], ['e', '352x256']]);
    h.batcher.submit('a', '448x256', 'a1');
    h.batcher.submit('b', '352x256', 'b1');
    h.batcher.submit('c', '448x256', 'c1');
    await h.clock.advance(5);
    expect(h.batches.map(payloads)).toEqual([['a1', 'c1']]);
    expect(h.batches[0].every((i) => i.shapeKey === '448x256')).toBe(true);
    await h.finish();
    // b1 has waited long enough by now: it leaves alone, in its own shape group.
    expect(h.batches.map(payloads)).toEqual([['a1', 'c1'], ['b1']]);
  });

  test('a full group of another shape goes before a partial older group', async () => {
    const h = harness(2, 100);
    h.prime([['a', 'small'], ['b', 'big'], ['c', 'big'], ['d', 'small']]);
    h.batcher.submit('a', 'small', 'a1');
    h.batcher.submit('b', 'big', 'b1');
    h.batcher.submit('c', 'big', 'c1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['b1', 'c1']]);
  });

  test('cancel withdraws a waiting frame (superseded) but not one already in a batch', async () => {
    const h = harness(4, 10);
    h.prime([['a', 'k'], ['b', 'k']]);
    const t1 = h.batcher.submit('a', 'k', 'a1');
    expect(t1.cancel()).toBe(true);
    await expect(t1.outcome).resolves.toEqual<Outcome<string>>({ status: 'dropped', reason: 'superseded' });
    const t2 = h.batcher.submit('a', 'k', 'a2');
    await h.clock.advance(10);
    expect(t2.cancel()).toBe(false);
    expect(h.batches.map(payloads)).toEqual([['a2']]);
  });

  test('a failing batch rejects its frames and the batcher keeps going', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const batcher = new DynamicBatcher<string, string>({
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
      maxInflight: 1,
      clock,
      run: async (items) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return items.map((i) => i.payload);
      },
    });
    const bad = batcher.submit('a', 'k', 'a1');
    const good = batcher.submit('a', 'k', 'a2');
    await expect(bad.outcome).rejects.toThrow('boom');
    await expect(good.outcome).resolves.toEqual({ status: 'done', result: 'a2' });
  });

  test('close drops waiting frames and waits for the running batch', async () => {
    const h = harness(1, 0);
    const running = h.batcher.submit('a', 'k', 'a1');
    const waiting = h.batcher.submit('b', 'k', 'b1');
    await flush();
    let closed = false;
    const closing = h.batcher.close().then(() => (closed = true));
    await expect(waiting.outcome).resolves.toEqual({ status: 'dropped', reason: 'closed' });
    await flush();
    expect(closed).toBe(false);
    await h.finish();
    await closing;
    await expect(running.outcome).resolves.toEqual({ status: 'done', result: 'out:a1' });
  });

  test('a lone active stream never waits for company', async () => {
    const h = harness(8, 100);
    h.batcher.submit('a', 'k', 'a1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['a1']]);
  });

  test('waits only while another recently active stream of the same shape may still send', async () => {
    const h = harness(8, 100);
    h.prime([['a', 'k'], ['b', 'k'], ['x', 'other']]);
    h.batcher.submit('a', 'k', 'a1');
    await h.clock.advance(10);
    expect(h.batches).toHaveLength(0);
    h.batcher.submit('b', 'k', 'b1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['a1', 'b1']]);
  });

  test('a stream silent for over a second no longer holds batches back', async () => {
    const h = harness(8, 5000);
    h.prime([['a', 'k'], ['b', 'k']]);
    await h.clock.advance(1500);
    h.batcher.submit('a', 'k', 'a1');
    await flush();
    expect(h.batches.map(payloads)).toEqual([['a1']]);
  });

  test('rejects nonsense limits', () => {
    const clock = new FakeClock();
    const run = async (): Promise<string[]> => [];
    expect(() => new DynamicBatcher({ maxBatchSize: 0, maxQueueDelayMs: 0, maxInflight: 1, clock, run })).toThrow(RangeError);
    expect(() => new DynamicBatcher({ maxBatchSize: 1, maxQueueDelayMs: -1, maxInflight: 1, clock, run })).toThrow(RangeError);
  });
});
