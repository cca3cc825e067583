/**
 * Worker-thread entry: hosts one ONNX Runtime session. onnxruntime-node runs a session
 * synchronously on the calling thread, so a session on the main thread blocks the event loop
 * (HTTP, WebRTC, ffmpeg pipes) for the whole run and serialises every model and graph in the
 * process. Here each session runs on its own thread: the model of one frame overlaps the
 * post-processing of the previous one, and the event loop stays free.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { env, InferenceSession, Tensor } from 'onnxruntime-node';
import { packTensors, type Reply, type Request, type TensorData, type ValueInfo, type WorkerSetup } from './protocol';

const SEVERITY = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;

function describe(meta: readonly InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, isTensor: true, type: String(m.type), shape: [...m.shape] }
      : { name: m.name, isTensor: false, type: '', shape: [] },
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tensorData(tensor: Tensor): TensorData {
  if (tensor.type !== 'uint8' && tensor.type !== 'float32') throw new Error(`output of type ${tensor.type} is not supported`);
  return { type: tensor.type, dims: tensor.dims, data: tensor.data as Uint8Array | Float32Array };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('session-worker must run in a worker thread');
  const setup = workerData as WorkerSetup;
  const post = (reply: Reply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);
  env.logLevel = setup.runtimeLogLevel;
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(setup.path, {
      ...(setup.options as InferenceSession.SessionOptions),
      logSeverityLevel: SEVERITY.indexOf(setup.runtimeLogLevel) as 0 | 1 | 2 | 3 | 4,
    });
  } catch (error) {
    post({ kind: 'open-failed', message: message(error) });
    return;
  }
  post({ kind: 'ready', inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) });

  // Requests are handled strictly in arrival order: a release waits for the runs before it.
  let tail: Promise<void> = Promise.resolve();
  port.on('message', (request: Request) => {
    tail = tail.then(() => handle(request));
  });

  async function handle(request: Request): Promise<void> {
    if (request.kind === 'release') {
      await session.release().catch(() => undefined);
      port?.close(); // the worker ends; the main thread waits for its exit
      return;
    }
    try {
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) feeds[name] = new Tensor(t.type, t.data, t.dims);
      const started = process.hrtime.bigint();
      const results = await session.run(feeds, [...request.fetches]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const fetched = Object.fromEntries(request.fetches.map((name) => [name, tensorData(results[name])]));
      const { tensors: outputs, transfer } = packTensors(fetched, false);
      post({ kind: 'result', id: request.id, outputs, seconds }, transfer);
    } catch (error) {
      post({ kind: 'run-failed', id: request.id, message: message(error) });
    }
  }
}

void main();
