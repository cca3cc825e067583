/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import type { JobView } from '../../src/jobs';
import { fixtureModelsDir, silentLogger, tempDir, testConfig } from '../support/fixtures';
import { badInputs, facts, makeClip, meanAbsDiff, rgbFrames } from './media-helpers';
import { getJson, post, readEvents, waitFor } from './jobs-helpers';

const LIMIT_ENV = {
  TOONSTREAM_MAX_UPLOAD_BYTES: '3MB',
  TOONSTREAM_MAX_VIDEO_DURATION: '5s',
  TOONSTREAM_MAX_VIDEO_PIXELS: String(1280 * 720),
  TOONSTREAM_MAX_VIDEO_FPS: '60',
  TOONSTREAM_MIN_FREE_DISK: '0',
};

interface Server {
  app: FastifyInstance;
  engine: OnnxEngine;
  base: string;
  dataDir: string;
}

async function startServer(env: Record<string, string>, modelsDir = fixtureModelsDir): Promise<Server> {
  const dataDir = tempDir('toonstream-jobs-');
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const registry = new Registry();
    const config = testConfig({ TOONSTREAM_DATA_DIR: dataDir, TOONSTREAM_MODELS_DIR: modelsDir });
    const engine = await createEngine({ modelsDir, intraOpThreads: 1, registry });
    const app = buildServer({ config, engine, logger: silentLogger(), registry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { app, engine, base: `http://127.0.0.1:${port}`, dataDir };
  } finally {
    process.env = saved;
  }
}

async function stopServer(s: Server | undefined): Promise<void> {
  if (!s) return;
  await s.app.close();
  await s.engine.close();
}

let s: Server;
beforeAll(async () => {
  s = await startServer(LIMIT_ENV);
});
afterAll(async () => {
  await stopServer(s);
});

async function finished(id: string): Promise<JobView> {
  const events = await readEvents(s.base, id);
  const last = events[events.length - 1];
  if (!last) throw new Error('no events');
  return last.job;
}

async function download(url: string, dest: string): Promise<Response> {
  const res = await fetch(url);
  writeFileSync(dest, Buffer.from(await res.arrayBuffer()));
  return res;
}

describe('POST /api/jobs -> events -> result', () => {
  test.each([
    ['854x480 30 fps with audio', { width: 854, height: 480, fps: 30, seconds: 1, audio: true }, [854, 480]],
    ['641x359 24 fps without audio', { width: 641, height: 359, fps: 24, seconds: 1 }, [642, 360]],
    ['rotated phone video 60 fps', { width: 320, height: 180, fps: 60, seconds: 1, audio: true, rotate: 90 as const }, [180, 320]],
  ])('%s', async (_name, spec, [w, h]) => {
    const input = makeClip(spec);
    const up = await post(s.base, { path: input, filename: 'holiday clip.mp4' });
    expect(up.status).toBe(202);
    const id = up.json.id as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(up.headers.get('location')).toBe(`/api/jobs/${id}`);

    const events = await readEvents(s.base, id);
    const types = events.map((e) => e.event);
    expect(types[types.length - 1]).toBe('done');
    expect(types.slice(0, -1).every((t) => t === 'progress')).toBe(true);
    const done = events[events.length - 1]?.job as JobView;
    const i = facts(input);
    expect(done.progress).toMatchObject({ framesDone: i.frames, framesTotal: i.frames, percent: 100 });
    expect(done.result).toMatchObject({ url: `/api/jobs/${id}/result`, contentType: 'video/mp4', filename: 'holiday clip-cartoon.mp4' });

    const out = join(s.dataDir, `check-${id}.mp4`);
    const res = await download(`${s.base}/api/jobs/${id}/result`, out);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-disposition')).toContain('attachment; filename="holiday clip-cartoon.mp4"');
    const o = facts(out);
    expect([o.width, o.height]).toEqual([w, h]);
    expect(o.frames).toBe(i.frames);
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(i.durationS / i.frames + 1e-3);
    expect(o.hasAudio).toBe(i.hasAudio);
    expect(o.rotation).toBe(0);
    // Cartoonized: clearly different from the input, but the same picture (not noise, not flipped).
    const [a] = rgbFrames(input, w, h, 1);
    const [b] = rgbFrames(out, w, h, 1);
    const diff = meanAbsDiff(a as Buffer, b as Buffer);
    expect(diff).toBeGreaterThan(4);
    expect(diff).toBeLessThan(60);
  });

  test('options: WebM, height, strength 0 (the original), crf', async () => {
    const input = makeClip({ width: 640, height: 360, fps: 25, seconds: 1, audio: true });
    const up = await post(s.base, { path: input, fields: { format: 'webm', height: '240', strength: '0', crf: '40' } });
    expect(up.status).toBe(202);
    const job = await finished(up.json.id as string);
    expect(job.state).toBe('done');
    expect(job.options).toEqual({ model: 'tiny-test', height: 240, strength: 0, format: 'webm', crf: 40 });
    const out = join(s.dataDir, 'webm-check.webm');
    const res = await download(`${s.base}${job.result?.url}`, out);
    expect(res.headers.get('content-type')).toBe('video/webm');
    const o = facts(out);
    expect([o.width, o.height, o.codec, o.audioCodec, o.frames]).toEqual([426, 240, 'vp9', 'opus', 25]);
    // Strength 0 leaves the picture as it was.
    const [a] = rgbFrames(input, 426, 240, 1);
    const [b] = rgbFrames(out, 426, 240, 1);
    expect(meanAbsDiff(a as Buffer, b as Buffer)).toBeLessThan(6);
  });

  test('Range requests, HEAD and the job list', async () => {
    const up = await post(s.base, { path: makeClip({ width: 320, height: 240, fps: 30, seconds: 1 }) });
    const id = up.json.id as string;
    const job = await finished(id);
    const size = job.result?.bytes as number;
    const url = `${s.base}/api/jobs/${id}/result`;
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(full.length).toBe(size);

    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(full.subarray(100, 200))).toBe(true);

    const tail = await fetch(url, { headers: { range: 'bytes=-50' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(full.subarray(size - 50))).toBe(true);

    const open = await fetch(url, { headers: { range: `bytes=${size - 10}-` } });
    expect(Buffer.from(await open.arrayBuffer()).equals(full.subarray(size - 10))).toBe(true);

    const bad = await getJson(url, { headers: { range: `bytes=${size + 5}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(bad.json.error).toMatch(/range/);

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(size);

    const list = await getJson(`${s.base}/api/jobs?limit=5`);
    expect((list.json.jobs as JobView[]).map((j) => j.id)).toContain(id);
    expect((await getJson(`${s.base}/api/jobs?state=done`)).status).toBe(200);
    expect((await getJson(`${s.base}/api/jobs?state=bogus`)).status).toBe(400);
    const metrics = await (await fetch(`${s.base}/metrics`)).text();
    expect(metrics).toMatch(/^toonstream_jobs_finished_total\{state="done"\} [1-9]/m);
    expect(metrics).toMatch(/^toonstream_jobs\{state="done"\} [1-9]/m);
    expect(metrics).toMatch(/^toonstream_job_realtime_factor_count [1-9]/m);
    expect((await getJson(`${s.base}/api/jobs?limit=0`)).status).toBe(400);
  });
});

describe('bad input', () => {
  const bad = badInputs();

  test.each([
    ['a zero-byte file', 'empty', 400, /empty/],
    ['a text file named .mp4', 'text', 415, /not a video/],
    ['an image named .mp4', 'image', 415, /still image/],
    ['a truncated MP4 (moov missing)', 'truncated', 415, /truncated/],
    ['an audio-only file', 'audioOnly', 415, /no video stream/],
    ['an unsupported codec', 'unknownCodec', 415, /unsupported video codec/],
  ])('%s is refused at upload', async (_name, key, status, message) => {
    const res = await post(s.base, { path: bad[key] as string });
    expect(res.status).toBe(status);
    expect(res.json.error).toMatch(message);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('a file over the size limit gets 413 and leaves nothing on disk', async () => {
    const before = readdirSync(join(s.dataDir, 'uploads'));
    const big = join(s.dataDir, 'big.bin');
    writeFileSync(big, Buffer.alloc(3 * 1024 * 1024 + 1000, 7));
    const res = await post(s.base, { path: big, filename: 'big.mp4' });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/larger than the upload limit \(3\.0 MiB\)/);
    // Without a Content-Length the limit is enforced while streaming.
    const { multipart } = await import('./jobs-helpers');
    const { body, contentType } = multipart({ path: big, filename: 'big.mp4' });
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < body.length; o += 65536) c.enqueue(body.subarray(o, o + 65536));
        c.close();
      },
    });
    const res2 = await fetch(`${s.base}/api/jobs`, {
      method: 'POST', body: chunked, headers: { 'content-type': contentType }, duplex: 'half',
    } as RequestInit);
    expect(res2.status).toBe(413);
    expect(readdirSync(join(s.dataDir, 'uploads'))).toEqual(before);
  });

  test.each([
    ['longer than the duration limit', { width: 64, height: 64, fps: 10, seconds: 6 }, /6\.0 s long; the limit is 5 s/],
    ['larger than the pixel limit', { width: 1280, height: 800, fps: 10, seconds: 0.2 }, /1280x800 .* the limit is 921600 pixels/],
    ['faster than the frame-rate limit', { width: 64, height: 64, fps: 120, seconds: 0.5 }, /120\.00 fps; the limit is 60 fps/],
  ])('a video %s gets 422', async (_name, spec, message) => {
    const res = await post(s.base, { path: makeClip(spec) });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(message);
  });

  test('requests without a video field, or not multipart', async () => {
    const clip = makeClip({ width: 160, height: 120, fps: 30, seconds: 1 });
    const none = await post(s.base, { fields: { model: 'tiny-test' } });
    expect(none.status).toBe(400);
    expect(none.json.error).toMatch(/field named "video"/);
    const wrong = await post(s.base, { path: clip, field: 'file' });
    expect(wrong.status).toBe(400);
    const json = await getJson(`${s.base}/api/jobs`, { method: 'POST', body: '{"video":1}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    expect(json.json.error).toMatch(/multipart/);
  });

  test('malformed or cut-short multipart bodies get 400 and leave no temporary file', async () => {
    const noBoundary = await getJson(`${s.base}/api/jobs`, { method: 'POST', body: 'xx', headers: { 'content-type': 'multipart/form-data' } });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.json.error).toMatch(/malformed multipart form: .*Boundary not found/);
    const body = '--abc\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\npartial data, no closing boundary';
    const cut = await getJson(`${s.base}/api/jobs`, { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=abc' } });
    expect(cut.status).toBe(400);
    expect(cut.json.error).toMatch(/the upload ended before the form was complete|unexpected end of multipart data/);
    expect(readdirSync(join(s.dataDir, 'uploads')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('a client that disconnects mid-upload leaves nothing behind', async () => {
    const { port } = new URL(s.base);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      'POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=abc\r\nContent-Length: 1000000\r\n\r\n' +
        '--abc\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\n' + 'x'.repeat(50_000),
    );
    await waitFor('the temporary upload file', async () =>
      readdirSync(join(s.dataDir, 'uploads')).some((f) => f.endsWith('.uploading')) ? true : undefined);
    socket.destroy();
    await waitFor('the temporary file to be removed', async () =>
      readdirSync(join(s.dataDir, 'uploads')).some((f) => f.endsWith('.uploading')) ? undefined : true, 10_000);
    expect((await getJson(`${s.base}/healthz`)).status).toBe(200);
  });

  test.each([
    [{ model: 'nope' }, /unknown model "nope"; available: tiny-test/],
    [{ height: '5' }, /height must be a whole number 16-2160/],
    [{ height: 'tall' }, /height/],
    [{ strength: '1.5' }, /strength must be a number 0-1/],
    [{ format: 'avi' }, /format must be mp4 or webm/],
    [{ crf: '99' }, /crf must be a whole number 0-63/],
    [{ crf: '55' }, /crf must be a whole number 0-51/],
    [{ format: 'webm', crf: '60' }, undefined],
  ])('options %j', async (fields, message) => {
    const res = await post(s.base, { path: makeClip({ width: 160, height: 120, fps: 30, seconds: 1 }), fields });
    if (message === undefined) {
      expect(res.status).toBe(202);
      return;
    }
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
  });

  test('filenames with ../ and control characters are sanitised, never used as paths', async () => {
    const clip = makeClip({ width: 160, height: 120, fps: 30, seconds: 1 });
    const res = await post(s.base, { path: clip, filename: '../../../tmp/evil\u0001\u001b[31m\u202Ename.mp4' });
    expect(res.status).toBe(202);
    const job = await finished(res.json.id as string);
    expect(job.filename).toBe('evil[31mname.mp4');
    expect(existsSync('/tmp/evil.mp4')).toBe(false);
    expect(readdirSync(join(s.dataDir, 'uploads')).every((f) => /^[A-Za-z0-9_-]{16}\.upload$/.test(f))).toBe(true);
    const r = await fetch(`${s.base}${job.result?.url}`);
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="evil[31mname-cartoon.mp4"; filename*=UTF-8''evil%5B31mname-cartoon.mp4`,
    );
    await r.arrayBuffer();
    const win = await post(s.base, { path: clip, filename: '..\\..\\windows\\system32\\x.mp4' });
    expect((await getJson(`${s.base}/api/jobs/${win.json.id}`)).json.filename).toBe('x.mp4');
  });

  test('unknown job ids get 404 on every route', async () => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA', '..%2F..%2Fetc']) {
      for (const [method, suffix] of [['GET', ''], ['GET', '/events'], ['GET', '/result'], ['DELETE', '']] as const) {
        const res = await getJson(`${s.base}/api/jobs/${id}${suffix}`, { method });
        expect(res.status).toBe(404);
        expect(res.json.error).toMatch(/no job with id/);
      }
    }
  });

  test('a file only decoding shows broken fails as a job, and other jobs are unaffected', async () => {
    const broken = await post(s.base, { path: bad.cutMdat as string });
    expect(broken.status).toBe(202);
    const good = await post(s.base, { path: makeClip({ width: 320, height: 240, fps: 30, seconds: 1, audio: true }) });
    expect(good.status).toBe(202);
    const failed = await finished(broken.json.id as string);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/truncated|damaged/);
    expect(failed.result).toBeUndefined();
    const res = await getJson(`${s.base}/api/jobs/${broken.json.id}/result`);
    expect(res.status).toBe(409);
    expect(res.json.error).toMatch(/the job failed: .*truncated/);
    expect((await finished(good.json.id as string)).state).toBe('done');
    expect((await getJson(`${s.base}/healthz`)).status).toBe(200);
  });
});

describe('cancel and delete', () => {
  test('DELETE on a running job kills its ffmpeg processes; the result is never served', async () => {
    const input = makeClip({ width: 640, height: 360, fps: 30, seconds: 5, audio: true });
    const up = await post(s.base, { path: input });
    const id = up.json.id as string;
    const eventsP = readEvents(s.base, id);
    await waitFor('progress', async () => {
      const j = (await getJson(`${s.base}/api/jobs/${id}`)).json as unknown as JobView;
      return j.state === 'running' && j.progress.framesDone > 5 ? j : undefined;
    });
    const early = await getJson(`${s.base}/api/jobs/${id}/result`);
    expect(early.status).toBe(409);
    expect(early.json.error).toMatch(/running/);
    const pgrep = (): string[] => {
      try {
        return execFileSync('pgrep', ['-f', '--', `${id}.upload`], { encoding: 'utf8' }).trim().split('\n');
      } catch {
        return [];
      }
    };
    expect(pgrep().length).toBe(2); // decoder, and encoder reading the audio
    const del = await getJson(`${s.base}/api/jobs/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.json.state).toBe('cancelled');
    expect(pgrep()).toEqual([]);
    const events = await eventsP;
    expect(events[events.length - 1]?.event).toBe('cancelled');
    expect(readdirSync(join(s.dataDir, 'results')).filter((f) => f.includes(id))).toEqual([]);
    expect((await getJson(`${s.base}/api/jobs/${id}/result`)).status).toBe(409);
    // A second DELETE removes the finished job entirely.
    expect((await getJson(`${s.base}/api/jobs/${id}`, { method: 'DELETE' })).json).toEqual({ id, deleted: true });
    expect((await getJson(`${s.base}/api/jobs/${id}`)).status).toBe(404);
  });

  test('a queued job can be cancelled before it starts', async () => {
    const a = await post(s.base, { path: makeClip({ width: 640, height: 360, fps: 30, seconds: 3 }) });
    const b = await post(s.base, { path: makeClip({ width: 160, height: 120, fps: 30, seconds: 1 }) });
    expect((await getJson(`${s.base}/api/jobs/${b.json.id}`)).json.state).toBe('queued');
    const del = await getJson(`${s.base}/api/jobs/${b.json.id}`, { method: 'DELETE' });
    expect(del.json.state).toBe('cancelled');
    const ev = await readEvents(s.base, b.json.id as string);
    expect(ev.map((e) => e.event)).toEqual(['cancelled']);
    await getJson(`${s.base}/api/jobs/${a.json.id}`, { method: 'DELETE' });
  });
});

describe('server limits from the environment', () => {
  test('with no model installed, uploads get 503', async () => {
    let t: Server | undefined;
    try {
      t = await startServer({}, tempDir('toonstream-no-models-'));
      const res = await post(t.base, { path: makeClip({ width: 160, height: 120, fps: 30, seconds: 1 }) });
      expect(res.status).toBe(503);
      expect(res.json.error).toMatch(/no model is installed/);
    } finally {
      await stopServer(t);
    }
  });

  test("the server's request timeout is raised so long uploads are not cut off", () => {
    expect(s.app.server.requestTimeout).toBe(3600_000);
  });

  test('the disk-space guard refuses uploads with 507', async () => {
    let t: Server | undefined;
    try {
      t = await startServer({ TOONSTREAM_MIN_FREE_DISK: '1000000GB' });
      const res = await post(t.base, { path: makeClip({ width: 160, height: 120, fps: 30, seconds: 1 }) });
      expect(res.status).toBe(507);
      expect(res.json.error).toMatch(/low on disk space/);
    } finally {
      await stopServer(t);
    }
  });
});
