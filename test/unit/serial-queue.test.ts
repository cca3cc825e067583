import { SerialQueue } from '../../src/engine/serial-queue';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SerialQueue (one run in flight per session)', () => {
  it('runs tasks one at a time, in submission order, and survives a failing task', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const task = (id: number, fail = false) => async (): Promise<number> => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await tick(5 + ((id * 7) % 4));
      order.push(id);
      running -= 1;
      if (fail) throw new Error(`task ${id} failed`);
      return id;
    };
    const results = [0, 1, 2, 3, 4, 5].map((id) => queue.push(task(id, id === 2)));
    expect(queue.depth).toBe(6);
    const settled = await Promise.allSettled(results);
    expect(maxRunning).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(queue.depth).toBe(0);
    await expect(queue.push(async () => 'after')).resolves.toBe('after');
  });

  it('drain() waits for everything submitted so far', async () => {
    const queue = new SerialQueue();
    let done = 0;
    for (let i = 0; i < 3; i++) void queue.push(async () => (await tick(3), done++));
    await queue.drain();
    expect(done).toBe(3);
  });
});
