/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeClip } from './media-helpers';
import { collectWrtcGarbage, invertModelDir, startLiveServer, type LiveServer } from './transport-helpers';
import { repo, tempDir } from '../support/fixtures';

const bin = join(repo, 'bin', 'toonstream.js');

/** A models dir holding only the colour-inverting test model: its "cartoon" is 255 - x. */
function invertModels(): string {
  const dir = tempDir('toonstream-camera-models-');
  for (const f of ['toon-invert.json', 'toon-invert.onnx']) copyFileSync(join(invertModelDir, f), join(dir, f));
  return dir;
}
const modelsDir = invertModels();

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: Buffer;
  /** performance.now() when each stdout chunk arrived, with the byte count so far. */
  readonly chunks: ReadonlyArray<{ readonly at: number; readonly bytes: number }>;
}

/** Runs the built CLI; `onStart` gets the child (to signal it). */
function toonstream(args: string[], opts: { env?: Record<string, string>; onStart?: (pid: number) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'camera', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TOONSTREAM_MODELS_DIR: modelsDir, TOONSTREAM_THREADS: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const chunks: Array<{ at: number; bytes: number }> = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      bytes += b.length;
      chunks.push({ at: performance.now(), bytes });
    });
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout: Buffer.concat(out), chunks });
    });
    if (child.pid !== undefined) opts.onStart?.(child.pid);
  });
}

interface Facts {
  readonly width: number;
  readonly height: number;
  readonly rate: string;
  readonly frames: number;
}

function probe(path: string): Facts {
  const json = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,r_frame_rate,nb_read_frames', '-of', 'json', path]);
  const s = (JSON.parse(json.toString()) as { streams: Array<Record<string, string | number>> }).streams[0];
  return { width: Number(s.width), height: Number(s.height), rate: String(s.r_frame_rate), frames: Number(s.nb_read_frames) };
}

/** Every frame of a video as rgb24. */
function decode(path: string, width: number, height: number): Buffer[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
  return split(raw, width * height * 3);
}

function split(raw: Buffer, frameBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let o = 0; o + frameBytes <= raw.length; o += frameBytes) frames.push(raw.subarray(o, o + frameBytes));
  return frames;
}

function meanDiff(a: Buffer, b: Buffer, invert: boolean): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 5) sum += Math.abs(a[i] - (invert ? 255 - b[i] : b[i]));
  return sum / Math.ceil(a.length / 5);
}

/**
 * The output frame is the input frame with its colours inverted (the test model's cartoon), not
 * the original: compared with the input frames around the same index, since a frame can be a
 * repeat of the one before.
 */
function expectInverted(out: Buffer, inputs: readonly Buffer[], index: number, tolerance: number): void {
  const near = inputs.slice(Math.max(0, index - 3), index + 4);
  const toInverted = Math.min(...near.map((f) => meanDiff(out, f, true)));
  const toOriginal = Math.min(...near.map((f) => meanDiff(out, f, false)));
  expect(toInverted).toBeLessThan(tolerance);
  expect(toOriginal).toBeGreaterThan(3 * toInverted + 20);
}

/** An error is one line on stderr, prefixed, with no stack trace, and a non-zero exit. */
function expectOneLineError(r: Run, message: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toEqual([expect.stringMatching(/^toonstream: /)]);
  expect(lines[0]).toMatch(message);
}

/** A port nothing listens on (just closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const clip15 = makeClip({ width: 320, height: 240, fps: 15, seconds: 3 });
const clip30 = makeClip({ width: 320, height: 240, fps: 30, seconds: 2 });

describe('toonstream camera (real ffmpeg and ONNX Runtime)', () => {
  it.each([
    [clip15, 15, 45],
    [clip30, 30, 60],
  ])('a file input played like a camera into out.mp4 keeps its rate and frame count, and is cartoonized (%s)', async (clip, fps, frames) => {
    const out = join(tempDir(), 'out.mp4');
    const r = await toonstream(['--input', clip, '--output', out]);
    expect(r.stderr).toMatch(/out\.mp4: \d+ frames 320x240 at \d+\.00 fps/);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
    const facts = probe(out);
    expect(facts).toMatchObject({ width: 320, height: 240, rate: `${fps}/1` });
    expect(Math.abs(facts.frames - frames)).toBeLessThanOrEqual(2);
    const inputs = decode(clip, 320, 240);
    const outputs = decode(out, 320, 240);
    for (const k of [5, Math.floor(outputs.length / 2), outputs.length - 3]) expectInverted(outputs[k], inputs, k, 20);
  });

  it('--output - writes whole rgb24 frames on stdout at the input rate, and nothing else', async () => {
    const r = await toonstream(['--input', clip15, '--output', '-', '--size', '160x120']);
    expect(r.code).toBe(0);
    const frameBytes = 160 * 120 * 3;
    expect(r.stdout.length % frameBytes).toBe(0);
    const frames = split(r.stdout, frameBytes);
    expect(Math.abs(frames.length - 45)).toBeLessThanOrEqual(2);
    // Paced like the camera, not dumped at the end: the frames are spread over the clip's 3 s.
    const firstAt = r.chunks.find((c) => c.bytes >= frameBytes)?.at ?? 0;
    const lastAt = r.chunks.at(-1)?.at ?? 0;
    expect(lastAt - firstAt).toBeGreaterThan(0.7 * ((45 - 1) / 15) * 1000);
    const inputs = execFileSync('ffmpeg', ['-v', 'error', '-i', clip15, '-vf', 'scale=160:120:flags=bicubic', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
    expectInverted(frames[20], split(inputs, frameBytes), 20, 15);
  });

  it('SIGINT stops a looping input and finishes the mp4 so it plays', async () => {
    const out = join(tempDir(), 'interrupted.mp4');
    let pid = 0;
    const running = toonstream(['--input', clip30, '--loop', '--output', out], { onStart: (p) => (pid = p) });
    await new Promise((r) => setTimeout(r, 4000));
    process.kill(pid, 'SIGINT');
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/interrupted\.mp4: \d+ frames/);
    const facts = probe(out);
    expect(facts).toMatchObject({ width: 320, height: 240, rate: '30/1' });
    expect(facts.frames).toBeGreaterThan(10);
  });

  describe('--server (a remote toonstream server cartoonizes over WebRTC)', () => {
    let server: LiveServer;
    beforeAll(async () => {
      server = await startLiveServer();
    });
    afterAll(async () => {
      await server.close();
      await collectWrtcGarbage();
    });

    it('sends the frames to the server and writes the cartoon track back', async () => {
      const out = join(tempDir(), 'remote.mkv');
      const r = await toonstream(['--input', clip15, '--output', out, '--server', server.url, '--model', 'toon-invert']);
      expect(r.stderr).toMatch(/remote\.mkv: \d+ frames 320x240 at 15\.00 fps/);
      expect(r.code).toBe(0);
      const facts = probe(out);
      expect(facts).toMatchObject({ width: 320, height: 240, rate: '15/1' });
      expect(Math.abs(facts.frames - 45)).toBeLessThanOrEqual(2);
      const outputs = decode(out, 320, 240);
      const inputs = decode(clip15, 320, 240);
      // WebRTC's encoder adds its own loss; the last frames are the settled ones.
      expectInverted(outputs[outputs.length - 5], inputs, outputs.length - 5, 30);
    });

    it('says which model the server refused', async () => {
      const r = await toonstream(['--input', clip15, '--output', join(tempDir(), 'x.mkv'), '--server', server.url, '--model', 'nope']);
      expectOneLineError(r, /refused the stream: unknown model "nope"/);
    });
  });

  describe('failures are one readable line and a non-zero exit', () => {
    it.each([
      ['a missing input', ['--input', '/nonexistent/clip.mp4', '--output', 'OUT/o.mp4'], /cannot read \/nonexistent\/clip\.mp4: no such file/],
      ['an input that is not a video', ['--input', 'NOTVIDEO', '--output', 'OUT/o.mp4'], /not a video file/],
      ['no camera', ['--camera', '/dev/video99', '--output', 'OUT/o.mp4'], /cannot open camera \/dev\/video99: /],
      ['an unknown model', ['--input', clip15, '--output', 'OUT/o.mp4', '--model', 'nope'], /unknown model "nope"; installed: toon-invert/],
      ['an unwritable output', ['--input', clip15, '--output', '/nonexistent/dir/o.mp4'], /cannot write \/nonexistent\/dir\/o\.mp4: no such directory/],
      ['a missing virtual camera', ['--input', clip15, '--output', '/dev/video98'], /cannot write \/dev\/video98: no such device \(load v4l2loopback/],
      ['a bad flag value', ['--input', clip15, '--output', 'OUT/o.mp4', '--strength', '3'], /--strength must be a number from 0 to 1/],
      ['an unreachable server', ['--input', clip15, '--output', 'OUT/o.mp4', '--server', 'http://127.0.0.1:PORT'], /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/],
    ])('%s', async (_what, args, message) => {
      const dir = tempDir();
      const notVideo = join(dir, 'notes.mp4');
      writeFileSync(notVideo, 'this is not a video\n');
      const port = String(await closedPort());
      const r = await toonstream(args.map((a) => a.replace('OUT', dir).replace('NOTVIDEO', notVideo).replace('PORT', port)));
      expectOneLineError(r, message);
    });
  });
});
