import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoRoot } from '../paths';
import { packTensors, type Reply, type Request, type RuntimeLogLevel, type TensorData, type ValueInfo, type WorkerSetup } from './protocol';

export type { RuntimeLogLevel, TensorData, TensorType, ValueInfo } from './protocol';

export interface RemoteSessionOptions {
  /** onnxruntime-node InferenceSession.SessionOptions (plain data: it is copied to the worker). */
  readonly sessionOptions: Record<string, unknown>;
  readonly runtimeLogLevel?: RuntimeLogLevel;
}

export interface RunResult {
  readonly outputs: Record<string, TensorData>;
  /** Time inside session.run on the worker, seconds. */
  readonly seconds: number;
}

/**
 * The compiled worker script. Under ts-jest this file is TypeScript and the worker cannot be,
 * so the build's copy is used (`npm test` builds first).
 */
function workerScript(): string {
  const sibling = join(__dirname, 'session-worker.js');
  if (existsSync(sibling)) return sibling;
  const built = join(repoRoot, 'dist', 'src', 'ort', 'session-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`${built} is missing; run npm run build`);
}

interface Pending {
  resolve(result: RunResult): void;
  reject(error: Error): void;
}

/**
 * An ONNX Runtime session living in its own worker thread (see session-worker.ts for why).
 * Inputs are copied (the caller keeps its buffers); outputs arrive without a copy. Runs are
 * executed one at a time in submission order. The worker keeps the process alive only while
 * a run is outstanding.
 */
export class RemoteSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private releasing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputs: readonly ValueInfo[],
    readonly outputs: readonly ValueInfo[],
  ) {
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`ONNX Runtime worker exited (code ${code})`)));
    worker.unref();
  }

  static open(path: string, options: RemoteSessionOptions): Promise<RemoteSession> {
    const setup: WorkerSetup = { path, options: options.sessionOptions, runtimeLogLevel: options.runtimeLogLevel ?? 'fatal' };
    const worker = new Worker(workerScript(), { workerData: setup });
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      const onExit = (code: number): void => reject(new Error(`ONNX Runtime worker exited (code ${code}) while opening ${path}`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (reply: Reply) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (reply.kind === 'ready') {
          resolve(new RemoteSession(worker, reply.inputs, reply.outputs));
        } else {
          void worker.terminate();
          reject(new Error(reply.kind === 'open-failed' ? reply.message : `unexpected ${reply.kind} from the ONNX Runtime worker`));
        }
      });
    });
  }

  /**
   * Runs the session on its thread. The feeds are copied into buffers of their own and moved
   * there, so the caller keeps its arrays; with `handOver` the caller gives them up and those
   * that fill their buffers are moved without a copy (and detached here).
   */
  run(feeds: Record<string, TensorData>, fetches: readonly string[], options: { readonly handOver?: boolean } = {}): Promise<RunResult> {
    if (this.releasing) return Promise.reject(new Error('the session is released'));
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    const { tensors: sent, transfer } = packTensors(feeds, options.handOver !== true);
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      const request: Request = { kind: 'run', id, feeds: sent, fetches };
      this.worker.postMessage(request, transfer);
    });
  }

  /** Lets outstanding runs finish, frees the session and ends the worker. */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      if (this.failure) return;
      this.worker.ref();
      const ended = new Promise<void>((done) => this.worker.once('exit', () => done()));
      this.worker.postMessage({ kind: 'release' } satisfies Request);
      await ended;
    })();
    return this.releasing;
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0 && !this.releasing) this.worker.unref();
    return p;
  }

  private onReply(reply: Reply): void {
    if (reply.kind === 'result') this.settle(reply.id)?.resolve({ outputs: reply.outputs, seconds: reply.seconds });
    else if (reply.kind === 'run-failed') this.settle(reply.id)?.reject(new Error(reply.message));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
