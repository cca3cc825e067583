/**
 * Runs tasks one at a time in submission order. An ONNX Runtime session already parallelises
 * one run across its intra-op threads; overlapping runs would only contend for those cores.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks submitted and not yet finished (including the running one). */
  get depth(): number {
    return this.waiting;
  }

  push<T>(task: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(task);
    // The chain continues whether the task resolves or rejects.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.waiting -= 1;
    });
  }

  /** Resolves when every task submitted so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
