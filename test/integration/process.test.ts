import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixtureModelsDir, repo, tempDir } from '../support/fixtures';
import { badInputs, facts, makeClip, meanAbsDiff, rgbFrames } from './media-helpers';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function toonstream(args: string[], opts: { killAfterMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, 'bin', 'toonstream.js'), ...args], {
      env: { ...process.env, TOONSTREAM_MODELS_DIR: fixtureModelsDir, TOONSTREAM_THREADS: '1', LOG_LEVEL: '', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.killAfterMs !== undefined && /progress/.test(stdout)) {
        setTimeout(() => child.kill('SIGINT'), opts.killAfterMs);
        opts.killAfterMs = undefined;
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const out = tempDir('toonstream-process-');

describe('toonstream process', () => {
  test('cartoonizes a clip with sound: plain progress lines off a TTY, then a summary', async () => {
    const input = makeClip({ width: 854, height: 480, fps: 30, seconds: 1, audio: true });
    const dest = join(out, 'cartoon.mp4');
    const r = await toonstream(['process', input, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => /^progress +\d+%  \d+\/30 frames  (--|[\d.]+) fps  ETA/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(
      /cartoon\.mp4: 854x480 mp4, 30 frames at 30\.00 fps, audio copied \(aac\); model tiny-test; 0:\d\d \([\d.]+ fps, [\d.]+x real time\)$/,
    );
    const i = facts(input);
    const o = facts(dest);
    expect([o.width, o.height, o.frames, o.hasAudio]).toEqual([854, 480, i.frames, true]);
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(1 / 30 + 1e-3);
    const [a] = rgbFrames(input, 854, 480, 1);
    const [b] = rgbFrames(dest, 854, 480, 1);
    expect(meanAbsDiff(a as Buffer, b as Buffer)).toBeGreaterThan(4);
  });

  test('WebM from the extension, with --height and --strength', async () => {
    const input = makeClip({ width: 641, height: 359, fps: 24, seconds: 1 });
    const dest = join(out, 'small.webm');
    const r = await toonstream(['process', input, dest, '--height', '180', '--strength', '0.5', '--crf', '40']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/small\.webm: 322x180 webm, 24 frames at 24\.00 fps, no audio/);
    expect(facts(dest)).toMatchObject({ width: 322, height: 180, frames: 24, codec: 'vp9', hasAudio: false });
  });

  test('without ffmpeg on the PATH it uses the binaries from @ffmpeg-installer / @ffprobe-installer', async () => {
    const input = makeClip({ width: 320, height: 180, fps: 30, seconds: 1, audio: true, rotate: 90 });
    const dest = join(out, 'installer.mp4');
    const r = await toonstream(['process', input, dest], { env: { PATH: dirname(process.execPath) } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(facts(dest)).toMatchObject({ width: 180, height: 320, frames: 30, hasAudio: true, rotation: 0 });
  });

  const bad = badInputs();
  test.each([
    [['process', '/no/such/file.mp4', 'x.mp4'], 1, /^toonstream: cannot read \/no\/such\/file\.mp4: no such file$/],
    [['process', bad.text as string, 'x.mp4'], 1, /^toonstream: .*text\.mp4: not a video file \(ffprobe cannot read it\)$/],
    [['process', bad.audioOnly as string, 'x.mp4'], 1, /^toonstream: .*: the file has audio but no video stream$/],
    [['process', bad.empty as string, 'x.mp4'], 1, /^toonstream: .*: the file is empty \(0 bytes\)$/],
    [['process', bad.cutMdat as string, join(out, 'cut.mp4')], 1, /^toonstream: .*: the video stopped after \d+ of 60 frames: the file looks truncated or damaged$/],
    [['process', 'IN', 'OUT', '--strength', '2'], 1, /cannot read IN/],
    [['process', '__CLIP__', 'x.mp4', '--strength', '2'], 2, /^toonstream: strength must be a number 0-1, got "2"$/],
    [['process', '__CLIP__', 'x.mp4', '--model', 'nope'], 1, /^toonstream: unknown model "nope"; installed: tiny-test$/],
    [['process', '__CLIP__', 'x.mp4', '--format', 'avi'], 2, /^toonstream: format must be mp4 or webm, got "avi"$/],
    [['process', 'only-one-arg'], 2, /^toonstream: usage: toonstream process IN OUT/],
    [['process', '__CLIP__', '/no/such/dir/x.mp4'], 1, /^toonstream: cannot write \/no\/such\/dir\/x\.mp4: no such directory$/],
  ])('fails with one readable line: %j', async (args, code, message) => {
    const clip = makeClip({ width: 160, height: 120, fps: 30, seconds: 1 });
    const r = await toonstream(args.map((a) => (a === '__CLIP__' ? clip : a)));
    expect(r.code).toBe(code);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(existsSync(join(out, 'cut.mp4'))).toBe(false);
  });

  test('Ctrl-C stops it and leaves no partial file', async () => {
    const input = makeClip({ width: 640, height: 360, fps: 30, seconds: 5, audio: true });
    const dir = tempDir('toonstream-sigint-');
    const r = await toonstream(['process', input, join(dir, 'never.mp4')], { killAfterMs: 300 });
    expect(r.code).toBe(130);
    expect(r.stderr.trim()).toBe('toonstream: cancelled; nothing was written');
    expect(readdirSync(dir)).toEqual([]);
  });
});
