import { ModelSession, type SessionOptions } from './session';
import type { FrameBatch } from './types';

/**
 * One model's sessions: `count` copies of the graph, each on its own worker thread. A batch goes
 * to the least busy one, so up to `count` batches run at once. On a small CPU, two single-thread
 * sessions get more frames through than one two-thread session (convolutions at these sizes
 * scale poorly across threads: docs/BENCHMARKS.md); with one session this is just that session.
 */
export class SessionPool {
  private constructor(private readonly sessions: readonly ModelSession[]) {}

  static async open(path: string, options: SessionOptions, count: number): Promise<SessionPool> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`sessions per model must be a positive integer, got ${count}`);
    const sessions: ModelSession[] = [];
    try {
      for (let i = 0; i < count; i++) sessions.push(await ModelSession.open(path, options));
    } catch (error) {
      await Promise.all(sessions.map((s) => s.close()));
      throw error;
    }
    return new SessionPool(sessions);
  }

  /** Runs `task` on every session, one after the other (warm-up). */
  async each(task: (session: ModelSession) => Promise<void>): Promise<void> {
    for (const s of this.sessions) await task(s);
  }

  /** Batches queued or running on each session. */
  get depths(): number[] {
    return this.sessions.map((s) => s.queueDepth);
  }

  run(batch: FrameBatch, onDone?: (seconds: number) => void): Promise<FrameBatch> {
    let best = this.sessions[0];
    for (const s of this.sessions) if (s.queueDepth < best.queueDepth) best = s;
    return best.run(batch, onDone);
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }
}
