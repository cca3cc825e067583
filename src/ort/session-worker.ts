/**
 * Worker-thread entry: hosts one ONNX Runtime session. onnxruntime-node runs a session
 * synchronously on the calling thread, so a session on the main thread blocks the event loop
 * (HTTP, WebRTC, ffmpeg pipes) for the whole run and serialises every model and graph in the
 * process. Here each session runs on its own thread: the model of one frame overlaps the
 * post-processing of the previous one, and the event loop stays free.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { env, InferenceSession, Tensor } from 'onnxruntime-node';
import type { Reply, Request, TensorData, ValueInfo, WorkerSetup } from './protocol';

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

function toTransfer(tensor: Tensor): { value: TensorData; buffer: ArrayBuffer } {
  if (tensor.type !== 'uint8' && tensor.type !== 'float32') throw new Error(`output of type ${tensor.type} is not supported`);
  let data = tensor.data as Uint8Array | Float32Array;
  // Only a whole, unshared buffer can be handed over; anything else is copied once here.
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) {
    data = data.slice();
  }
  return { value: { type: tensor.type, dims: [...tensor.dims], data }, buffer: data.buffer as ArrayBuffer };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('session-worker must run in a worker thread');
  const setup = workerData as WorkerSetup;
  const post = (reply: Reply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);
  env.logLevel = setup.runtimeLogLevel;
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(setup.path, setup.options as InferenceSession.SessionOptions);
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
      post({ kind: 'released' });
      port?.close();
      return;
    }
    try {
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) feeds[name] = new Tensor(t.type, t.data, t.dims);
      const started = process.hrtime.bigint();
      const results = await session.run(feeds, [...request.fetches]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const outputs: Record<string, TensorData> = {};
      const transfer: ArrayBuffer[] = [];
      for (const name of request.fetches) {
        const { value, buffer } = toTransfer(results[name]);
        outputs[name] = value;
        transfer.push(buffer);
      }
      post({ kind: 'result', id: request.id, outputs, seconds }, transfer);
    } catch (error) {
      post({ kind: 'run-failed', id: request.id, message: message(error) });
    }
  }
}

void main();
