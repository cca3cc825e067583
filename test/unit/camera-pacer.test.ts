import { Pacer } from '../../src/camera';

/** A pacer on a hand-driven clock; `writes` logs [frame, fresh] for every output frame. */
function harness(options: { wallClock?: boolean; maxOpen?: number } = {}) {
  let now = 0;
  let timer: { at: number; fn: () => void } | undefined;
  const writes: Array<[string, boolean]> = [];
  const pacer = new Pacer<string>({
    intervalMs: 100,
    write: (frame, fresh) => writes.push([frame, fresh]),
    now: () => now,
    schedule: (fn, ms) => {
      const t = { at: now + ms, fn };
      timer = t;
      return () => {
        if (timer === t) timer = undefined;
      };
    },
    ...options,
  });
  /** Moves the clock to `t`, firing the timer on the way. */
  const advance = (t: number): void => {
    while (timer && timer.at <= t) {
      const { at, fn } = timer;
      timer = undefined;
      now = at;
      fn();
    }
    now = t;
  };
  return { pacer, writes, advance };
}

describe('camera pacer (output at the source rate)', () => {
  it('model faster than the source: one fresh cartoon per source frame, written when ready', () => {
    const { pacer, writes, advance } = harness();
    for (let i = 0; i < 5; i++) {
      advance(i * 100);
      pacer.sourceFrame();
      advance(i * 100 + 30);
      pacer.deliver(`c${i}`);
      expect(writes).toHaveLength(i + 1);
    }
    pacer.sourceEnded();
    pacer.finish();
    expect(writes).toEqual([0, 1, 2, 3, 4].map((i) => [`c${i}`, true]));
    expect(pacer.stats()).toEqual({ sourceFrames: 5, written: 5, fresh: 5, repeated: 0, skipped: 0 });
  });

  it('model slower than the source: the latest cartoon is repeated, never stalls', () => {
    const { pacer, writes, advance } = harness();
    // Cartoons take 250 ms; the source delivers every 100 ms.
    for (let i = 0; i < 10; i++) {
      advance(i * 100);
      pacer.sourceFrame();
      if (i % 3 === 2) pacer.deliver(`c${i}`);
    }
    pacer.sourceEnded();
    pacer.finish();
    expect(writes).toHaveLength(10);
    expect(writes.filter(([, fresh]) => fresh).map(([f]) => f)).toEqual(['c2', 'c5', 'c8']);
    expect(pacer.stats()).toMatchObject({ written: 10, fresh: 3, repeated: 7 });
  });

  it('slots waiting for the first cartoon are filled by it', () => {
    const { pacer, writes, advance } = harness({ wallClock: false });
    for (let i = 0; i < 4; i++) {
      advance(i * 100);
      pacer.sourceFrame();
    }
    expect(writes).toHaveLength(0);
    pacer.deliver('first');
    expect(writes).toEqual([['first', true], ['first', false], ['first', false], ['first', false]]);
  });

  it('a stalled camera: the wall clock keeps the output at the nominal rate', () => {
    const { pacer, writes, advance } = harness();
    advance(0);
    pacer.sourceFrame();
    pacer.deliver('c0');
    advance(1000); // no frame for a second
    // Slots for 0, 100 (opened at 150: half an interval of grace), ..., 900 (opened at 950); each
    // new one closed the one before with a repeat, the last one is open.
    expect(writes).toHaveLength(9);
    pacer.sourceFrame(); // a frame arrives at 1000: the clock is ahead of the source, no extra slot
    advance(1040);
    pacer.deliver('c1');
    expect(writes).toHaveLength(10);
    expect(writes.at(-1)).toEqual(['c1', true]);
  });

  it('a camera at half its nominal rate still gives the nominal rate out', () => {
    const { pacer, writes, advance } = harness();
    for (let i = 0; i < 10; i++) {
      advance(i * 200);
      pacer.sourceFrame();
      pacer.deliver(`c${i}`);
    }
    // Slots for 0..1700 ms, one every 100 ms; the one for 1800 ms opens at 1850 ms.
    expect(writes).toHaveLength(18);
    expect(pacer.stats()).toMatchObject({ sourceFrames: 10, fresh: 10, repeated: 8 });
  });

  it('a burst after a stall does not add frames beyond the wall clock', () => {
    const { pacer, writes, advance } = harness();
    advance(0);
    pacer.sourceFrame();
    pacer.deliver('c');
    advance(480); // ffmpeg starved for a while: slots 1-4 opened by the clock
    for (let i = 0; i < 4; i++) pacer.sourceFrame(); // then frames 1-4 arrive at once
    expect(pacer.stats().sourceFrames).toBe(5);
    expect(writes).toHaveLength(4); // slots 0-3 written, slot 4 open
    pacer.sourceEnded();
    pacer.finish();
    expect(writes).toHaveLength(5);
  });

  it('file inputs: the source frames are the clock (no wall-clock slots)', () => {
    const { pacer, writes, advance } = harness({ wallClock: false });
    advance(0);
    pacer.sourceFrame();
    pacer.deliver('c');
    advance(1000);
    expect(writes).toHaveLength(1);
    pacer.sourceFrame();
    pacer.sourceEnded();
    pacer.finish();
    expect(writes).toHaveLength(2);
  });

  it('after the source ends no slot opens; cartoons still to come fill the open one', () => {
    const { pacer, writes, advance } = harness();
    advance(0);
    pacer.sourceFrame();
    pacer.sourceEnded();
    advance(2000);
    pacer.deliver('last');
    pacer.finish();
    expect(writes).toEqual([['last', true]]);
  });

  it('gives up slots beyond maxOpen while no cartoon exists', () => {
    const { pacer, writes } = harness({ wallClock: false, maxOpen: 3 });
    for (let i = 0; i < 5; i++) pacer.sourceFrame();
    pacer.deliver('c');
    expect(writes).toHaveLength(3);
    expect(pacer.stats().skipped).toBe(2);
  });
});
