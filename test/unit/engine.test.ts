import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  createEngine,
  InvalidBatchError,
  providerInstalled,
  ProviderUnavailableError,
  UnknownModelError,
  type OnnxEngine,
} from '../../src/engine';
import {
  astronautJpeg,
  copyTinyModel,
  fixtureModelsDir,
  freshRegistry,
  meanAbsDiff,
  silentLogger,
  tempDir,
} from '../support/fixtures';

async function photo(width: number, height: number): Promise<Buffer> {
  return sharp(astronautJpeg).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

describe('engine on the tiny-test model (real ONNX Runtime)', () => {
  let engine: OnnxEngine;
  const registry = freshRegistry();

  beforeAll(async () => {
    engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, logger: silentLogger(), registry });
  });
  afterAll(() => engine.close());

  it('loads the fixture as the default model', () => {
    expect(engine.device).toBe('cpu');
    expect(engine.models().map((m) => m.name)).toEqual(['tiny-test']);
    expect(engine.has('tiny-test')).toBe(true);
    expect(engine.has('nope')).toBe(false);
    expect(engine.defaultModel()).toBe('tiny-test');
    expect(engine.skipped()).toEqual([]);
  });

  it('returns uint8 NHWC of the same shape that differs from the input', async () => {
    const data = await photo(96, 64);
    const out = await engine.run('tiny-test', { data, n: 1, height: 64, width: 96 });
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect([out.n, out.height, out.width, out.data.length]).toEqual([1, 64, 96, 64 * 96 * 3]);
    expect(meanAbsDiff(out.data, data)).toBeGreaterThan(5);
  });

  it('processes each frame of a batch independently', async () => {
    const a = await photo(40, 30);
    const b = Buffer.from(a).reverse();
    const batch = await engine.run('tiny-test', { data: Buffer.concat([a, b]), n: 2, height: 30, width: 40 });
    const single = await engine.run('tiny-test', { data: b, n: 1, height: 30, width: 40 });
    expect(batch.n).toBe(2);
    expect(Buffer.from(batch.data.subarray(a.length))).toEqual(Buffer.from(single.data));
  });

  it('serves concurrent callers correctly (runs queue per session)', async () => {
    const sizes = [[16, 16], [33, 17], [64, 48], [8, 120], [31, 31], [50, 10]] as const;
    const inputs = await Promise.all(sizes.map(([w, h]) => photo(w, h)));
    const outs = await Promise.all(
      sizes.map(([w, h], i) => engine.run('tiny-test', { data: inputs[i], n: 1, height: h, width: w })),
    );
    outs.forEach((o, i) => expect([o.width, o.height, o.data.length]).toEqual([sizes[i][0], sizes[i][1], inputs[i].length]));
    // Same input again, alone: identical result, so concurrent runs did not interfere.
    const again = await engine.run('tiny-test', { data: inputs[2], n: 1, height: 48, width: 64 });
    expect(Buffer.from(again.data)).toEqual(Buffer.from(outs[2].data));
  });

  it('rejects an unknown model and a malformed batch', async () => {
    await expect(engine.run('nope', { data: new Uint8Array(12), n: 1, height: 2, width: 2 })).rejects.toThrow(UnknownModelError);
    await expect(engine.run('tiny-test', { data: new Uint8Array(11), n: 1, height: 2, width: 2 })).rejects.toThrow(InvalidBatchError);
    await expect(engine.run('tiny-test', { data: new Uint8Array(0), n: 0, height: 2, width: 2 })).rejects.toThrow(InvalidBatchError);
  });

  it('records inference latency and batch size', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/toonstream_inference_duration_seconds_count\{model="tiny-test"\} [1-9]/);
    expect(text).toMatch(/toonstream_inference_batch_size_bucket\{le="2",model="tiny-test"\} [1-9]/);
  });
});

describe('engine with two sessions per model', () => {
  it('runs two batches of one model at once, each on its own session, with the same results', async () => {
    const engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, sessionsPerModel: 2, logger: silentLogger(), registry: freshRegistry() });
    try {
      expect(engine.sessionsPerModel).toBe(2);
      const input = await photo(64, 48);
      const alone = await engine.run('tiny-test', { data: input, n: 1, height: 48, width: 64 });
      const runs = [0, 1, 2, 3].map(() => engine.run('tiny-test', { data: input, n: 1, height: 48, width: 64 }));
      // Four batches were handed out: two to each session, none left idle.
      expect(engine.sessionDepths('tiny-test')).toEqual([2, 2]);
      for (const out of await Promise.all(runs)) expect(Buffer.from(out.data)).toEqual(Buffer.from(alone.data));
      expect(engine.sessionDepths('tiny-test')).toEqual([0, 0]);
    } finally {
      await engine.close();
    }
  });
});

describe('engine loading failures', () => {
  it('reports and skips a card whose .onnx is missing and a corrupt .onnx; the good model loads', async () => {
    const dir = tempDir();
    copyTinyModel(dir, 'good');
    copyTinyModel(dir, 'missing');
    copyTinyModel(dir, 'corrupt');
    copyTinyModel(dir, 'badcard', { kind: 'huge' });
    writeFileSync(join(dir, 'notjson.json'), '{ nope');
    writeFileSync(join(dir, 'corrupt.onnx'), Buffer.from('this is not an onnx protobuf at all'));
    rmSync(join(dir, 'missing.onnx'));
    const logged: string[] = [];
    const logger = silentLogger();
    logger.error = ((obj: { model?: string }, msg?: string) => {
      logged.push(`${obj.model}: ${msg}`);
    }) as typeof logger.error;

    const engine = await createEngine({ modelsDir: dir, logger, registry: freshRegistry() });
    try {
      expect(engine.models().map((m) => m.name)).toEqual(['good']);
      const skipped = Object.fromEntries(engine.skipped().map((s) => [s.name, s.reason]));
      expect(Object.keys(skipped).sort()).toEqual(['badcard', 'corrupt', 'missing', 'notjson']);
      expect(skipped.missing).toBe('model file missing.onnx is missing');
      expect(skipped.corrupt).toMatch(/^cannot load corrupt\.onnx: /);
      expect(skipped.badcard).toMatch(/badcard\.json: kind must be one of/);
      expect(skipped.notjson).toMatch(/notjson\.json is not valid JSON/);
      expect(logged.filter((l) => l.startsWith('missing: ')).length).toBe(1);
      expect(logged.filter((l) => l.startsWith('corrupt: ')).length).toBe(1);
      const out = await engine.run('good', { data: new Uint8Array(4 * 4 * 3), n: 1, height: 4, width: 4 });
      expect(out.data.length).toBe(48);
    } finally {
      await engine.close();
    }
  });

  it('skips a graph that breaks the uint8 NHWC contract', async () => {
    const dir = tempDir();
    copyTinyModel(dir, 'float-io');
    copyFileSync(join(fixtureModelsDir, '..', 'onnx', 'float-io.onnx'), join(dir, 'float-io.onnx'));
    const engine = await createEngine({ modelsDir: dir, registry: freshRegistry() });
    expect(engine.models()).toEqual([]);
    expect(engine.skipped()).toEqual([
      { name: 'float-io', reason: 'cannot load float-io.onnx: first input "input" must be a uint8 [N,H,W,3] tensor, got float32 rank 4' },
    ]);
    await engine.close();
  });

  it('refuses runs after close()', async () => {
    const engine = await createEngine({ modelsDir: fixtureModelsDir, registry: freshRegistry() });
    await engine.close();
    await expect(engine.run('tiny-test', { data: new Uint8Array(12), n: 1, height: 2, width: 2 })).rejects.toThrow('the engine is closed');
  });

  it('starts with no model from an empty or absent directory', async () => {
    const empty = await createEngine({ modelsDir: tempDir(), registry: freshRegistry() });
    expect(empty.models()).toEqual([]);
    expect(empty.defaultModel()).toBeUndefined();
    await empty.close();
    const absent = await createEngine({ modelsDir: join(tempDir(), 'does-not-exist'), registry: freshRegistry() });
    expect(absent.models()).toEqual([]);
    await absent.close();
  });

  it('loads fp32 on the CPU even when the card lists an fp16 file', async () => {
    const dir = tempDir();
    copyTinyModel(dir, 'withfp16', { files: { fp32: 'withfp16.onnx', fp16: 'withfp16.fp16.onnx' } });
    writeFileSync(join(dir, 'withfp16.fp16.onnx'), 'not loaded on cpu');
    const engine = await createEngine({ modelsDir: dir, registry: freshRegistry() });
    expect(engine.modelPath('withfp16')).toBe(join(dir, 'withfp16.onnx'));
    await engine.close();
  });

  it('prefers the configured default model, else the first fast one', async () => {
    const dir = tempDir();
    copyTinyModel(dir, 'a-hq', { kind: 'hq' });
    copyTinyModel(dir, 'b-fast');
    copyTinyModel(dir, 'c-fast');
    const auto = await createEngine({ modelsDir: dir, registry: freshRegistry() });
    expect(auto.defaultModel()).toBe('b-fast');
    await auto.close();
    const chosen = await createEngine({ modelsDir: dir, defaultModel: 'c-fast', registry: freshRegistry() });
    expect(chosen.defaultModel()).toBe('c-fast');
    await chosen.close();
  });

  // The project's npm install is CPU-only (.npmrc); after `npm ci --onnxruntime-node-install=cuda12`
  // the same tests check the other side: the provider is found (start-up may still fail without a GPU).
  it.each(['cuda', 'tensorrt'] as const)('fails clearly when %s is requested but its provider is not installed', async (device) => {
    const attempt = createEngine({ modelsDir: fixtureModelsDir, device, registry: freshRegistry() });
    if (!providerInstalled(device)) {
      await expect(attempt).rejects.toThrow(ProviderUnavailableError);
      await expect(attempt).rejects.toThrow(new RegExp(`TOONSTREAM_DEVICE=${device} .*npm ci --onnxruntime-node-install=cuda12`));
      return;
    }
    const outcome = await attempt.then((engine) => engine.close().then(() => null), (error: unknown) => error);
    expect(outcome).not.toBeInstanceOf(ProviderUnavailableError);
  });
});
