import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { astronautJpeg, copyTinyModel, fixtureModelsDir, meanAbsDiff, repo, tempDir } from '../support/fixtures';

const exec = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
const bin = join(repo, 'bin', 'toonstream.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function toonstream(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TOONSTREAM_MODELS_DIR: fixtureModelsDir, TOONSTREAM_THREADS: '1', TOONSTREAM_DATA_DIR: tempDir(), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** An error is one line on stderr, prefixed, with no stack trace, and a non-zero exit. */
function expectOneLineError(r: Result, message: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^toonstream: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('toonstream CLI (built bin)', () => {
  it('image IN OUT writes a cartoon of the same size in the format of OUT', async () => {
    const out = join(tempDir(), 'cartoon.png');
    const r = await toonstream(['image', astronautJpeg, out, '--model', 'tiny-test']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/cartoon\.png: 320x320 png, model tiny-test, inference \d+ ms/);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 320, 320]);
    const [a, b] = await Promise.all([sharp(astronautJpeg).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(meanAbsDiff(a, b)).toBeGreaterThan(5);
  });

  it('models prints a table of the loaded models and skipped ones', async () => {
    const dir = tempDir();
    copyTinyModel(dir, 'alpha');
    copyTinyModel(dir, 'broken');
    rmSync(join(dir, 'broken.onnx'));
    const r = await toonstream(['models'], { TOONSTREAM_MODELS_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+KIND\s+STYLE\s+PARAMS\s+GFLOPS@256/m);
    expect(r.stdout).toMatch(/^alpha \*\s+fast\s+test-posterise\s+54\s/m);
    expect(r.stdout).toContain('skipped broken: model file broken.onnx is missing');
    // The skip is also logged (JSON, stderr) by name.
    expect(r.stderr).toContain('"model":"broken"');
  });

  it('models says clearly when no model is installed', async () => {
    const dir = tempDir();
    const r = await toonstream(['models', '--models', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`No model is installed in ${dir}`);
  });

  it('--help lists the commands', async () => {
    const r = await toonstream(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['serve', 'image', 'models']) expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    const sub = await toonstream(['image', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('usage: toonstream image IN OUT');
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['a missing input file', ['image', '/nonexistent/in.jpg', '/tmp/out.jpg'], {}, /cannot read \/nonexistent\/in\.jpg: no such file/],
    ['an unknown output format', ['image', astronautJpeg, '/tmp/out.gif'], {}, /cannot tell the output format/],
    ['an unknown model', ['image', astronautJpeg, '/tmp/out.jpg', '--model', 'nope'], {}, /unknown model "nope"; installed: tiny-test/],
    ['a text file as input', ['image', __filename, '/tmp/out.jpg'], {}, /not a JPEG, PNG or WebP image/],
    ['a bad PORT', ['serve'], { PORT: 'abc' }, /PORT must be an integer 1-65535, got "abc"/],
    ['an unknown command', ['frobnicate'], {}, /unknown command "frobnicate"/],
    ['an unknown flag', ['models', '--bogus'], {}, /Unknown option '--bogus'/],
    ['missing arguments', ['image', 'only-one.jpg'], {}, /usage: toonstream image IN OUT/],
    ['a device whose provider is not installed', ['models', '--device', 'cuda'], {}, /npm ci --onnxruntime-node-install=cuda12/],
  ])('fails on %s with one readable line', async (_name, args, env, message) => {
    expectOneLineError(await toonstream(args, env), message);
  });

  it('serve on a port in use fails with one line naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const r = await toonstream(['serve', '--port', String(port), '--host', '127.0.0.1'], { LOG_LEVEL: 'silent' });
      expectOneLineError(r, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1; set PORT or --port`));
    } finally {
      blocker.close();
    }
  });

  it('image with no model installed fails with the no-model message', async () => {
    const r = await toonstream(['image', astronautJpeg, join(tempDir(), 'x.jpg')], { TOONSTREAM_MODELS_DIR: tempDir() });
    expectOneLineError(r, /No model is installed in /);
  });

  it('serve starts, answers /healthz with the models, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
      env: { PATH: process.env.PATH ?? '', TOONSTREAM_MODELS_DIR: fixtureModelsDir, TOONSTREAM_THREADS: '1', TOONSTREAM_DATA_DIR: tempDir(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let health: unknown;
      for (let i = 0; i < 100 && health === undefined; i++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json(), () => undefined);
        if (health === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health).toMatchObject({ status: 'ok', models: ['tiny-test'], device: 'cpu' });
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
