import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteSession, type TensorData } from '../../src/ort/remote-session';
import { fixtureModelsDir, tempDir } from '../support/fixtures';

const tinyModel = join(fixtureModelsDir, 'tiny-test.onnx');
const options = { sessionOptions: { intraOpNumThreads: 1 } };

function frame(width: number, height: number, seed: number): TensorData {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 256;
  return { type: 'uint8', dims: [1, height, width, 3], data };
}

describe('RemoteSession: an ONNX Runtime session on its own worker thread', () => {
  let session: RemoteSession;

  beforeAll(async () => {
    session = await RemoteSession.open(tinyModel, options);
  });
  afterAll(() => session.release());

  it('describes its inputs and outputs like InferenceSession', () => {
    expect(session.inputs).toEqual([expect.objectContaining({ name: 'input', isTensor: true, type: 'uint8' })]);
    expect(session.inputs[0].shape).toHaveLength(4);
    expect(session.outputs.map((o) => o.name)).toHaveLength(1);
  });

  it('returns the same result as running the frame again, and leaves the caller its input', async () => {
    const input = frame(64, 48, 1);
    const before = Uint8Array.from(input.data);
    const output = session.outputs[0].name;
    const a = await session.run({ input }, [output]);
    const b = await session.run({ input }, [output]);
    expect(input.data.byteLength).toBe(before.byteLength); // not detached by the transfer
    expect(input.data).toEqual(before);
    expect(a.outputs[output].type).toBe('uint8');
    expect(a.outputs[output].dims).toEqual([1, 48, 64, 3]);
    expect(a.outputs[output].data).toEqual(b.outputs[output].data);
    // The fixture model changes the picture; an echo would pass the shape checks too.
    expect(a.outputs[output].data).not.toEqual(before);
    expect(a.seconds).toBeGreaterThan(0);
  });

  it('moves a handed-over input to its thread without a copy (detached here), with the same result', async () => {
    const output = session.outputs[0].name;
    const kept = frame(64, 48, 2);
    const given = frame(64, 48, 2);
    const a = await session.run({ input: kept }, [output]);
    const b = await session.run({ input: given }, [output], { handOver: true });
    expect(given.data.byteLength).toBe(0); // transferred, not copied
    expect(kept.data.byteLength).toBe(64 * 48 * 3);
    expect(b.outputs[output].data).toEqual(a.outputs[output].data);
    // A view into a larger buffer cannot be moved alone: it is copied even when handed over.
    const big = new Uint8Array(64 * 48 * 3 + 16);
    big.set(kept.data, 16);
    const view: TensorData = { type: 'uint8', dims: [1, 48, 64, 3], data: big.subarray(16) };
    const c = await session.run({ input: view }, [output], { handOver: true });
    expect(big.byteLength).toBe(64 * 48 * 3 + 16);
    expect(c.outputs[output].data).toEqual(a.outputs[output].data);
  });

  it('keeps concurrent runs apart and answers them in order', async () => {
    const output = session.outputs[0].name;
    const inputs = [0, 1, 2, 3].map((seed) => frame(32 + 8 * seed, 24, seed));
    const solo: TensorData[] = [];
    for (const input of inputs) solo.push((await session.run({ input }, [output])).outputs[output]);
    const together = await Promise.all(inputs.map((input) => session.run({ input }, [output])));
    together.forEach((r, i) => {
      expect(r.outputs[output].dims).toEqual(solo[i].dims);
      expect(r.outputs[output].data).toEqual(solo[i].data);
    });
  });

  it('rejects a bad run with ONNX Runtime\'s message and keeps working', async () => {
    const output = session.outputs[0].name;
    const wrongRank: TensorData = { type: 'uint8', dims: [48, 64, 3], data: new Uint8Array(48 * 64 * 3) };
    await expect(session.run({ input: wrongRank }, [output])).rejects.toThrow(/rank|dimension|shape/i);
    await expect(session.run({ input: frame(16, 16, 5) }, ['no-such-output'])).rejects.toThrow(/no-such-output|output/i);
    const ok = await session.run({ input: frame(16, 16, 5) }, [output]);
    expect(ok.outputs[output].dims).toEqual([1, 16, 16, 3]);
  });

  it('leaves the event loop free while a long run is in flight', async () => {
    const output = session.outputs[0].name;
    const big = frame(1920, 1080, 3);
    // Reference: how long one run takes.
    const t0 = performance.now();
    await session.run({ input: big }, [output]);
    const runMs = performance.now() - t0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const started = performance.now();
      await Promise.all([1, 2, 3].map(() => session.run({ input: big }, [output])));
      const elapsed = performance.now() - started;
      // A session on the main thread would hold it for the whole of every run: a tick between runs at most.
      expect(runMs).toBeGreaterThan(10); // long enough to tell the two apart
      expect(ticks).toBeGreaterThan(elapsed / 10);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('RemoteSession lifecycle', () => {
  it('refuses a file that is not a graph, or no file, with a readable error', async () => {
    const dir = tempDir('ort-worker-');
    const path = join(dir, 'broken.onnx');
    writeFileSync(path, 'not a graph');
    await expect(RemoteSession.open(path, options)).rejects.toThrow(/protobuf|parse|load|model/i);
    await expect(RemoteSession.open(join(dir, 'missing.onnx'), options)).rejects.toThrow(/missing\.onnx|exist|file/i);
  });

  it('finishes runs already submitted before it releases, then refuses new ones', async () => {
    const session = await RemoteSession.open(tinyModel, options);
    const output = session.outputs[0].name;
    const runs = [1, 2, 3].map((seed) => session.run({ input: frame(640, 360, seed) }, [output]));
    const released = session.release();
    const results = await Promise.all(runs);
    await released;
    expect(results.map((r) => r.outputs[output].dims)).toEqual([[1, 360, 640, 3], [1, 360, 640, 3], [1, 360, 640, 3]]);
    await expect(session.run({ input: frame(8, 8, 1) }, [output])).rejects.toThrow(/released/);
    await session.release(); // idempotent
  });
});
