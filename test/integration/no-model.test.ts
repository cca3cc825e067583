import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { astronautJpeg, copyTinyModel, freshRegistry, silentLogger, tempDir, testConfig } from '../support/fixtures';

describe('server with no model installed', () => {
  let app: FastifyInstance;
  let engine: OnnxEngine;
  const modelsDir = tempDir();

  beforeAll(async () => {
    const registry = freshRegistry();
    engine = await createEngine({ modelsDir, registry });
    app = buildServer({ config: testConfig({ TOONSTREAM_MODELS_DIR: modelsDir }), engine, logger: silentLogger(), registry });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
  });

  it('is live: /healthz answers 200 with status no-model and how to get one', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'no-model', models: [], device: 'cpu' });
    expect(body.message).toContain(`No model is installed in ${modelsDir}`);
    expect(body.message).toContain('docs/MODEL.md');
  });

  it('lists no models and answers cartoonize with 503 and the same message', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/models' })).json()).toEqual({ defaultModel: null, models: [] });
    const res = await app.inject({
      method: 'POST',
      url: '/api/cartoonize',
      headers: { 'content-type': 'image/jpeg' },
      payload: readFileSync(astronautJpeg),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toContain('No model is installed');
  });

  it('still serves the page', async () => {
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });
});

describe('server whose models partly fail to load', () => {
  it('reports skipped models in /healthz and serves the good one', async () => {
    const modelsDir = tempDir();
    copyTinyModel(modelsDir, 'good');
    copyTinyModel(modelsDir, 'gone');
    rmSync(join(modelsDir, 'gone.onnx'));
    const registry = freshRegistry();
    const engine = await createEngine({ modelsDir, registry });
    const app = buildServer({ config: testConfig({ TOONSTREAM_MODELS_DIR: modelsDir }), engine, logger: silentLogger(), registry });
    try {
      const body = (await app.inject({ method: 'GET', url: '/healthz' })).json();
      expect(body).toMatchObject({ status: 'ok', models: ['good'], skipped: [{ name: 'gone', reason: 'model file gone.onnx is missing' }] });
    } finally {
      await app.close();
      await engine.close();
    }
  });
});
