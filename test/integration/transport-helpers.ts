import { copyFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
export { collectWrtcGarbage } from '../../scripts/bench/live-client';
import sharp from 'sharp';
import type { Engine, Frame } from '../../src/engine';
import { createEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { rgbToI420 } from '../../src/transport/webrtc/color';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { astronautJpeg, copyTinyModel, freshRegistry, repo, silentLogger, tempDir, testConfig } from '../support/fixtures';

export const invertModelDir = join(repo, 'test', 'fixtures', 'transport-models');

/**
 * A models dir with tiny-test (the default live model) and toon-invert (the second style), plus
 * any shipped models named (copied from models/, e.g. toon-fast for screenshots of the real look).
 */
export function liveModelsDir(shipped: readonly string[] = []): string {
  const dir = tempDir('toonstream-live-models-');
  copyTinyModel(dir, 'tiny-test');
  for (const f of ['toon-invert.json', 'toon-invert.onnx']) copyFileSync(join(invertModelDir, f), join(dir, f));
  for (const name of shipped) {
    for (const f of [`${name}.json`, `${name}.onnx`]) copyFileSync(join(repo, 'models', f), join(dir, f));
  }
  return dir;
}

export interface LiveServer {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly url: string;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1; `wrap` can replace the engine (e.g. a slow one). */
export async function startLiveServer(
  env: Record<string, string> = {},
  wrap?: (e: Engine) => Engine,
  shipped: readonly string[] = [],
): Promise<LiveServer> {
  const modelsDir = liveModelsDir(shipped);
  const registry = freshRegistry();
  const real = await createEngine({ modelsDir, intraOpThreads: 1, registry });
  const engine = wrap ? wrap(real) : real;
  const config = testConfig({ TOONSTREAM_MODELS_DIR: modelsDir, TOONSTREAM_DEFAULT_MODEL: 'tiny-test', ...env });
  const app = buildServer({ config, engine, logger: silentLogger(), registry });
  // The live plugin reads its settings from the environment when the server starts.
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    engine,
    url,
    async close() {
      await app.close();
      await real.close();
    },
  };
}

/** The astronaut photo as RGB at width x height. */
export async function photoRgb(width: number, height: number): Promise<Frame> {
  const data = await sharp(astronautJpeg).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

export async function photoI420(width: number, height: number): Promise<I420Frame> {
  return rgbToI420(await photoRgb(width, height));
}

/** Mean of the Y (luma) plane of an I420 frame, 0..255. */
export function meanLuma(frame: I420Frame): number {
  const y = frame.data.subarray(0, frame.width * frame.height);
  let sum = 0;
  for (let i = 0; i < y.length; i += 7) sum += y[i];
  return sum / Math.ceil(y.length / 7);
}

/** Mean absolute difference of two frames' Y planes (same size). */
export function lumaDiff(a: I420Frame, b: I420Frame): number {
  const n = a.width * a.height;
  let sum = 0;
  for (let i = 0; i < n; i += 7) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / Math.ceil(n / 7);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** Polls GET /api/live/sessions until no session is left (or the time is up); returns what is left. */
export async function sessionsGone(baseUrl: string, timeoutMs: number): Promise<unknown[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { sessions } = await getJson<{ sessions: unknown[] }>(`${baseUrl}/api/live/sessions`);
    if (sessions.length === 0 || Date.now() > until) return sessions;
    await sleep(100);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

