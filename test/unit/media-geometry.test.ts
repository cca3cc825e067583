import { MediaError, checkLimits, checkOutputSize, outputGeometry, type MediaInfo } from '../../src/media';
import { decodeArgs } from '../../src/media/decoder';
import { audioArgs, encodeArgs, outputAudio } from '../../src/media/encoder';
import { lastStderrLine } from '../../src/media/errors';
import { formatRational, parseRational } from '../../src/media/rational';

function info(w: number, h: number, extra: Partial<MediaInfo['video']> = {}): MediaInfo {
  const rotation = extra.rotation ?? 0;
  const swap = rotation === 90 || rotation === 270;
  return {
    formatName: 'mp4', durationS: 2, sizeBytes: 1,
    video: {
      codec: 'h264', width: w, height: h, displayWidth: swap ? h : w, displayHeight: swap ? w : h, rotation,
      sar: { num: 1, den: 1 }, frameRate: { num: 30, den: 1 }, variableFrameRate: false, frameCount: 60, frameCountExact: true, durationS: 2,
      ...extra,
    },
  };
}

describe('output geometry', () => {
  test.each([
    [info(854, 480), undefined, [854, 480]],
    [info(641, 359), undefined, [642, 360]],
    [info(1920, 1080), 720, [1280, 720]],
    [info(3840, 2160), undefined, [1920, 1080]],
    [info(1920, 1080, { rotation: 90 }), undefined, [1080, 1920]],
    [info(1280, 720, { rotation: 270 }), 480, [270, 480]],
    [info(320, 240), 480, [640, 480]],
  ])('%#', (i, height, expected) => {
    const g = outputGeometry(i, height);
    expect([g.width, g.height]).toEqual(expected);
    expect(g.width % 2 + (g.height % 2)).toBe(0);
  });

  test('outputs wider than the pipeline handles are refused', () => {
    expect(() => checkOutputSize(outputGeometry(info(8000, 200)))).toThrow(/8000x200; sides above 4096 px/);
    expect(() => checkOutputSize(outputGeometry(info(8000, 200), 100))).not.toThrow();
  });

  test('a rotated non-square pixel aspect is swapped with the picture', () => {
    expect(outputGeometry(info(720, 480, { rotation: 90, sar: { num: 8, den: 9 } })).sar).toEqual({ num: 9, den: 8 });
  });
});

describe('limits', () => {
  const limits = { maxDurationS: 10, maxPixels: 1280 * 720, maxFps: 60 };
  test('within limits', () => expect(() => checkLimits(info(1280, 720), limits)).not.toThrow());
  test.each([
    [info(1920, 1080), 'too_large', /1920x1080 \(2073600 pixels\); the limit is 921600/],
    [{ ...info(64, 64), durationS: 11 }, 'too_long', /11\.0 s long; the limit is 10 s/],
    [info(64, 64, { frameRate: { num: 120000, den: 1001 } }), 'too_fast', /119\.88 fps; the limit is 60 fps/],
  ])('%#', (i, code, message) => {
    let err: unknown;
    try {
      checkLimits(i, limits);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe(code);
    expect((err as MediaError).status).toBe(422);
    expect((err as MediaError).message).toMatch(message);
  });
});

describe('ffmpeg arguments', () => {
  test('decode: exact rate passthrough, or constant rate for VFR', () => {
    const cfr = decodeArgs('/in.mp4', { width: 640, height: 360 });
    expect(cfr).toEqual(expect.arrayContaining(['-vsync', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']));
    expect(cfr.join(' ')).toContain('scale=640:360');
    const vfr = decodeArgs('/in.mp4', { width: 640, height: 360, constantRate: { num: 30000, den: 1001 } });
    expect(vfr.join(' ')).toContain('-vsync cfr -r 30000/1001');
  });

  test('encode: H.264 yuv420p faststart with the exact rate, audio copied or re-encoded', () => {
    const args = encodeArgs({
      output: '/o.tmp', format: 'mp4', width: 640, height: 360, frameRate: { num: 24000, den: 1001 }, audio: { path: '/in.mov', codec: 'pcm_s16le' },
    });
    const line = args.join(' ');
    expect(line).toContain('-framerate 24000/1001 -i pipe:0 -i /in.mov -map 0:v:0 -map 1:a:0');
    expect(line).toContain('-c:v libx264');
    expect(line).toContain('-movflags +faststart');
    expect(line).toContain('-pix_fmt yuv420p');
    expect(line).toContain('-c:a aac');
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/o.tmp']);
    expect(audioArgs('mp4', 'aac')).toEqual(['-c:a', 'copy']);
    expect(audioArgs('webm', 'aac')).toEqual(['-c:a', 'libopus', '-b:a', '128k']);
    expect(outputAudio('webm', 'opus')).toEqual({ codec: 'opus', copied: true });
    expect(encodeArgs({ output: '/o', format: 'webm', width: 2, height: 2, frameRate: { num: 25, den: 1 } }).join(' ')).toContain('-c:v libvpx-vp9');
  });
});

describe('small helpers', () => {
  test('rationals', () => {
    expect(parseRational('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('16:9')).toEqual({ num: 16, den: 9 });
    expect(parseRational('0/0')).toBeUndefined();
    expect(parseRational('N/A')).toBeUndefined();
    expect(formatRational({ num: 25, den: 1 })).toBe('25/1');
  });

  test('the last stderr line, without the server-side path', () => {
    expect(lastStderrLine('ffmpeg version 5\n[h264 @ 0x1] error\n/data/uploads/abc.upload: Invalid data found when processing input\n')).toBe(
      'Invalid data found when processing input',
    );
    expect(lastStderrLine('')).toBe('');
  });
});
