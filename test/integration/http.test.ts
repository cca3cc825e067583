import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import {
  astronautJpeg,
  coffeeJpeg,
  fixtureModelsDir,
  freshRegistry,
  meanAbsDiff,
  pngWithHeaderSize,
  silentLogger,
  testConfig,
} from '../support/fixtures';

describe('HTTP API with the tiny-test model', () => {
  let app: FastifyInstance;
  let engine: OnnxEngine;
  const jpeg = readFileSync(astronautJpeg);

  beforeAll(async () => {
    const config = testConfig({ TOONSTREAM_MAX_BODY_BYTES: '2MB' });
    const registry = freshRegistry();
    const logger = silentLogger();
    engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, logger, registry });
    app = buildServer({ config, engine, logger, registry });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
  });

  async function expectHealthy(): Promise<void> {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', models: ['tiny-test'], device: 'cpu' });
  }

  it('GET /healthz lists the models and the device', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', models: ['tiny-test'], device: 'cpu', defaultModel: 'tiny-test' });
  });

  it('GET /api/models returns the cards', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.defaultModel).toBe('tiny-test');
    expect(body.models).toHaveLength(1);
    expect(body.models[0]).toMatchObject({ name: 'tiny-test', kind: 'fast', input: { layout: 'NHWC', dtype: 'uint8' } });
  });

  it('POST /api/cartoonize returns a JPEG cartoon of the same size that differs from the photo', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/cartoonize?model=tiny-test',
      headers: { 'content-type': 'image/jpeg' },
      payload: jpeg,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-toonstream-model']).toBe('tiny-test');
    expect(res.headers['x-toonstream-inference-size']).toBe('320x320');
    expect(res.headers['server-timing']).toMatch(/inference;dur=[0-9.]+/);
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 320]);
    const [a, b] = await Promise.all([sharp(jpeg).raw().toBuffer(), sharp(res.rawPayload).raw().toBuffer()]);
    expect(meanAbsDiff(a, b)).toBeGreaterThan(5);
  });

  it.each([
    ['png', 'image/png'],
    ['webp', 'image/webp'],
  ] as const)('answers a %s upload in the same format', async (format, mime) => {
    const body = await sharp(jpeg).resize(200, 150, { fit: 'fill' }).toFormat(format).toBuffer();
    const res = await app.inject({ method: 'POST', url: '/api/cartoonize', headers: { 'content-type': mime }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(mime);
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual([format, 200, 150]);
  });

  it('sniffs application/octet-stream and honours Accept', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/cartoonize',
      headers: { 'content-type': 'application/octet-stream', accept: 'image/webp' },
      payload: readFileSync(coffeeJpeg),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 640, 427]);
  });

  it('applies EXIF orientation and drops alpha', async () => {
    // 60x20 pixels stored, EXIF orientation 6 (rotate 90° clockwise): displayed as 20x60.
    const rotated = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#3080c0' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    let res = await app.inject({ method: 'POST', url: '/api/cartoonize', headers: { 'content-type': 'image/jpeg' }, payload: rotated });
    expect(res.statusCode).toBe(200);
    let meta = await sharp(res.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([20, 60]);

    const rgba = await sharp({ create: { width: 30, height: 10, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    res = await app.inject({ method: 'POST', url: '/api/cartoonize', headers: { 'content-type': 'image/png' }, payload: rgba });
    expect(res.statusCode).toBe(200);
    meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 30, 10, 3]);
  });

  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  const badInputs: Array<[string, { url?: string; type?: string; body: Buffer }, number, RegExp]> = [
    ['an empty body', { type: 'image/jpeg', body: Buffer.alloc(0) }, 400, /empty body/],
    ['a text file', { type: 'text/plain', body: readFileSync(__filename) }, 415, /not a JPEG, PNG or WebP/],
    ['a text file labelled image/jpeg', { type: 'image/jpeg', body: Buffer.from('just words') }, 415, /not a JPEG, PNG or WebP/],
    ['a truncated JPEG', { type: 'image/jpeg', body: truncated }, 400, /could not decode the JPEG/],
    ['a PNG whose header says 20000x20000', { type: 'image/png', body: pngWithHeaderSize(20000, 20000) }, 413, /20000x20000 .*limit is 40\.0 MP/],
    ['an unknown model', { url: '/api/cartoonize?model=nope', type: 'image/jpeg', body: jpeg }, 404, /unknown model "nope"; installed: tiny-test/],
    ['a body over the limit', { type: 'image/jpeg', body: Buffer.concat([jpeg, Buffer.alloc(3 * 1024 * 1024)]) }, 413, /larger than the limit/],
    ['a too-long model name', { url: `/api/cartoonize?model=${'x'.repeat(80)}`, type: 'image/jpeg', body: jpeg }, 400, /model/],
  ];

  it.each(badInputs)('rejects %s with a JSON 4xx quickly, then still serves', async (_name, input, status, message) => {
    const started = Date.now();
    const res = await app.inject({
      method: 'POST',
      url: input.url ?? '/api/cartoonize',
      headers: { 'content-type': input.type ?? 'image/jpeg' },
      payload: input.body,
    });
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
    expect(elapsed).toBeLessThan(1000);
    await expectHealthy();
  });

  it('gives unknown routes the same error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no route for GET /api/nothing-here' });
  });

  it('serves the built client at /', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('toonstream');
    const js = await app.inject({ method: 'GET', url: '/main.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('GET /metrics has request, inference and batch-size metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/toonstream_http_requests_total\{method="POST",route="\/api\/cartoonize",status="200"\} [1-9]/);
    expect(res.body).toMatch(/toonstream_http_requests_total\{method="POST",route="\/api\/cartoonize",status="413"\} [1-9]/);
    expect(res.body).toMatch(/toonstream_http_request_duration_seconds_bucket\{le="[0-9.]+",method="GET",route="\/healthz",status="200"\}/);
    expect(res.body).toMatch(/toonstream_inference_duration_seconds_count\{model="tiny-test"\} [1-9]/);
    expect(res.body).toMatch(/toonstream_inference_batch_size_count\{model="tiny-test"\} [1-9]/);
  });
});

describe('HTTP with a small inference cap (TOONSTREAM_MAX_INFER_PIXELS)', () => {
  it('runs the model downscaled and answers at the input size', async () => {
    const registry = freshRegistry();
    const engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, registry });
    const app = buildServer({ config: testConfig({ TOONSTREAM_MAX_INFER_PIXELS: '25600' }), engine, logger: silentLogger(), registry });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/api/cartoonize',
        headers: { 'content-type': 'image/jpeg' },
        payload: readFileSync(coffeeJpeg),
      });
      expect(res.statusCode).toBe(200);
      const [w, h] = String(res.headers['x-toonstream-inference-size']).split('x').map(Number);
      expect(w * h).toBeLessThanOrEqual(25600);
      expect(w / h).toBeCloseTo(640 / 427, 1);
      const meta = await sharp(res.rawPayload).metadata();
      expect([meta.width, meta.height]).toEqual([640, 427]);
    } finally {
      await app.close();
      await engine.close();
    }
  });

  it('caps after EXIF orientation (quarter turns swap width and height)', async () => {
    const registry = freshRegistry();
    const engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, registry });
    const app = buildServer({ config: testConfig({ TOONSTREAM_MAX_INFER_PIXELS: '800' }), engine, logger: silentLogger(), registry });
    try {
      const rotated = await sharp({ create: { width: 80, height: 40, channels: 3, background: '#808040' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const res = await app.inject({ method: 'POST', url: '/api/cartoonize', headers: { 'content-type': 'image/jpeg' }, payload: rotated });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-toonstream-inference-size']).toBe('20x40');
      const meta = await sharp(res.rawPayload).metadata();
      expect([meta.width, meta.height]).toEqual([40, 80]);
    } finally {
      await app.close();
      await engine.close();
    }
  });
});

describe('HTTP over a real socket', () => {
  it('rejects an oversized upload from its Content-Length and keeps serving', async () => {
    const config = testConfig({ TOONSTREAM_MAX_BODY_BYTES: '64k' });
    const registry = freshRegistry();
    const engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, registry });
    const app = buildServer({ config, engine, logger: silentLogger(), registry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const big = await fetch(`${base}/api/cartoonize`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: Buffer.alloc(1024 * 1024, 0xff),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ error: expect.stringMatching(/larger than the limit/) });
      const ok = await fetch(`${base}/api/cartoonize`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: readFileSync(astronautJpeg),
      });
      expect(ok.status).toBe(200);
      expect((await sharp(Buffer.from(await ok.arrayBuffer())).metadata()).width).toBe(320);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
      await engine.close();
    }
  });
});
