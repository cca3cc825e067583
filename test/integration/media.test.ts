import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../../src/engine/types';
import type { StreamResult } from '../../src/pipeline/types';
import { MediaError, probeVideo, transcode, type FrameSink, type MediaInfo, type OutputFormat } from '../../src/media';
import { badInputs, facts, ffmpeg, makeClip, meanAbsDiff, rgbFrames, type ClipSpec } from './media-helpers';

/** A stand-in for the pipeline with a known answer: the photographic negative. */
function invertingSink(): FrameSink & { close(): void } {
  return {
    async submit(frame: Frame): Promise<StreamResult> {
      const out = Buffer.allocUnsafe(frame.data.length);
      for (let i = 0; i < out.length; i++) out[i] = 255 - (frame.data[i] ?? 0);
      await new Promise((r) => setImmediate(r));
      return { frame: { data: out, width: frame.width, height: frame.height }, timestampMs: 0 };
    },
    close() {},
  };
}

const outDir = mkdtempSync(join(tmpdir(), 'toonstream-media-out-'));

async function run(input: string, format: OutputFormat = 'mp4', height?: number): Promise<{ out: string; info: MediaInfo }> {
  const info = await probeVideo(input);
  const out = join(outDir, `${Math.random().toString(36).slice(2)}.${format}`);
  await transcode({ input, info, output: out, format, height, openStream: () => invertingSink() });
  return { out, info };
}

function inverted(b: Buffer): Buffer {
  const o = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) o[i] = 255 - (b[i] ?? 0);
  return o;
}

describe('probe', () => {
  test('reads size, rate, frame count, audio and rotation', async () => {
    const info = await probeVideo(makeClip({ width: 320, height: 180, fps: 30, seconds: 1, audio: true, rotate: 90 }));
    expect(info.video).toMatchObject({ width: 320, height: 180, displayWidth: 180, displayHeight: 320, frameCount: 30 });
    expect([90, 270]).toContain(info.video.rotation);
    expect(info.video.frameRate).toEqual({ num: 30, den: 1 });
    expect(info.audio?.codec).toBe('aac');
  });

  const bad = badInputs();
  test.each([
    ['empty', 'empty', /empty/],
    ['text', 'not_media', /not a video/],
    ['image', 'still_image', /still image/],
    ['truncated', 'not_media', /truncated/],
    ['audioOnly', 'no_video', /no video stream/],
    ['unknownCodec', 'unsupported_codec', /unsupported video codec/],
  ])('rejects %s input', async (key, code, message) => {
    const err = await probeVideo(bad[key] as string).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe(code);
    expect((err as MediaError).message).toMatch(message);
  });
});

describe('transcode through a frame stream', () => {
  const cases: Array<[string, ClipSpec, OutputFormat, [number, number]]> = [
    ['854x480 30 fps with audio', { width: 854, height: 480, fps: 30, seconds: 1, audio: true }, 'mp4', [854, 480]],
    ['641x359 24 fps, odd size, no audio', { width: 641, height: 359, fps: 24, seconds: 1 }, 'mp4', [642, 360]],
    ['320x240 60 fps with audio', { width: 320, height: 240, fps: 60, seconds: 1, audio: true }, 'mp4', [320, 240]],
    ['NTSC rate 30000/1001', { width: 320, height: 240, fps: '30000/1001', seconds: 1, audio: true }, 'mp4', [320, 240]],
    ['phone video rotated 90', { width: 320, height: 180, fps: 30, seconds: 1, audio: true, rotate: 90 }, 'mp4', [180, 320]],
    ['WebM output (AAC becomes Opus)', { width: 320, height: 240, fps: 25, seconds: 1, audio: true }, 'webm', [320, 240]],
  ];

  test.each(cases)('%s', async (_name, spec, format, [w, h]) => {
    const input = makeClip(spec);
    const { out } = await run(input, format);
    const i = facts(input);
    const o = facts(out);
    expect([o.width, o.height]).toEqual([w, h]);
    expect(o.frames).toBe(i.frames);
    const frameS = 1 / (i.frames / i.durationS);
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(frameS + 1e-3);
    expect(o.rFrameRate).toBe(i.rFrameRate);
    expect(o.hasAudio).toBe(Boolean(spec.audio));
    expect(o.codec).toBe(format === 'mp4' ? 'h264' : 'vp9');
    expect(o.pixFmt).toBe('yuv420p');
    expect(o.rotation).toBe(0);
    if (format === 'mp4' && spec.audio) expect(o.audioCodec).toBe('aac');
    if (format === 'webm') expect(o.audioCodec).toBe('opus');
    // Orientation and content: the output is the negative of the upright input.
    const [a] = rgbFrames(input, w, h, 1);
    const [b] = rgbFrames(out, w, h, 1);
    expect(meanAbsDiff(inverted(a as Buffer), b as Buffer)).toBeLessThan(12);
    expect(meanAbsDiff(a as Buffer, b as Buffer)).toBeGreaterThan(40);
  });

  test('variable frame rate input is resampled to its average rate, same duration', async () => {
    const input = join(outDir, 'vfr.mp4');
    // Keep 3 frames of every 5: irregular gaps, r_frame_rate 30 but average 18.6.
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=duration=2',
      '-vf', "select='lt(mod(n\\,5)\\,3)'", '-vsync', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', input,
    ]);
    const info = await probeVideo(input);
    expect(info.video.variableFrameRate).toBe(true);
    const { out } = await run(input);
    const i = facts(input);
    const o = facts(out);
    expect(o.rFrameRate).toBe(`${info.video.frameRate.num}/${info.video.frameRate.den}`);
    const frameS = info.video.frameRate.den / info.video.frameRate.num;
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(frameS + 1e-3);
    expect(Math.abs(o.frames - i.frames)).toBeLessThanOrEqual(1);
    expect(o.hasAudio).toBe(true);
  });

  test('MKV with a subtitle track in: subtitles dropped, audio kept', async () => {
    const srt = join(outDir, 'subs.srt');
    writeFileSync(srt, '1\n00:00:00,000 --> 00:00:00,900\nhello\n');
    const input = join(outDir, 'with-subs.mkv');
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1', '-f', 'lavfi', '-i', 'sine=duration=1', '-i', srt,
      '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'libopus', '-c:s', 'srt', input,
    ]);
    const { out } = await run(input);
    const types = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', out], { encoding: 'utf8' });
    expect(types.trim().split('\n').sort()).toEqual(['audio', 'video']);
    expect(facts(out)).toMatchObject({ frames: 25, audioCodec: 'aac' }); // Opus re-encoded for MP4
  });

  test('WebM (VP9 + Opus) in, MP4 out', async () => {
    const input = makeClip({ width: 320, height: 240, fps: 30, seconds: 1, audio: true, container: 'webm' });
    const { out } = await run(input);
    const i = facts(input);
    const o = facts(out);
    expect([o.codec, o.audioCodec, o.frames]).toEqual(['h264', 'aac', i.frames]);
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(1 / 30 + 1e-3);
  });

  test('keeps a non-square pixel aspect ratio', async () => {
    const input = makeClip({ width: 352, height: 288, fps: 25, seconds: 1, sar: '12/11' });
    const { out } = await run(input);
    expect(facts(out).sar).toBe('12:11');
  });

  test('scales to a requested height, keeping the aspect ratio', async () => {
    const input = makeClip({ width: 854, height: 480, fps: 30, seconds: 1, audio: true });
    const { out } = await run(input, 'mp4', 240);
    const o = facts(out);
    expect([o.width, o.height]).toEqual([428, 240]);
    expect(o.frames).toBe(30);
  });

  test('a file cut in its media data fails as truncated, leaving no output', async () => {
    const input = badInputs().cutMdat as string;
    const info = await probeVideo(input);
    const out = join(outDir, 'cut.mp4');
    const err = await transcode({ input, info, output: out, format: 'mp4', openStream: () => invertingSink() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).message).toMatch(/truncated|decode/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(outDir).filter((f) => f.includes('cut.mp4'))).toEqual([]);
  });

  test('cancel kills both ffmpeg processes and removes the partial file', async () => {
    const input = makeClip({ width: 640, height: 360, fps: 30, seconds: 4, audio: true });
    const info = await probeVideo(input);
    const out = join(outDir, 'cancelled.mp4');
    const pids: number[] = [];
    const ac = new AbortController();
    const err = await transcode({
      input, info, output: out, format: 'mp4', openStream: () => invertingSink(), signal: ac.signal,
      onSpawn: (pid) => pids.push(pid),
      onProgress: (p) => { if (p.framesDone === 10) ac.abort(); },
    }).catch((e: unknown) => e);
    expect((err as MediaError).code).toBe('cancelled');
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(readdirSync(outDir).filter((f) => f.includes('cancelled.mp4'))).toEqual([]);
  });
});
