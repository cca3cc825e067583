import type { ModelCard } from '../../src/engine/types';
import { loadJobsConfig, parseDuration, parseJobOptions, type ModelCatalog } from '../../src/jobs';
import { checkOption } from '../../src/jobs/options';

const card = (name: string): ModelCard => ({ name } as ModelCard);
const catalog = (names: string[], def?: string): ModelCatalog => ({
  has: (n) => names.includes(n),
  defaultModel: () => def,
  models: () => names.map(card),
});

describe('job options', () => {
  const models = catalog(['toon-fast', 'toon-hq'], 'toon-fast');

  test('defaults', () => {
    expect(parseJobOptions({}, models)).toEqual({ model: 'toon-fast', height: undefined, strength: 1, format: 'mp4', crf: undefined });
  });

  test('all set', () => {
    expect(parseJobOptions({ model: 'toon-hq', height: '720', strength: '0.25', format: 'WEBM', crf: '33' }, models)).toEqual({
      model: 'toon-hq', height: 720, strength: 0.25, format: 'webm', crf: 33,
    });
  });

  test.each([
    [{ model: 'x' }, /unknown model "x"; available: toon-fast, toon-hq/],
    [{ height: '15' }, /height must be a whole number 16-2160/],
    [{ height: '720.5' }, /height/],
    [{ height: '-720' }, /height/],
    [{ strength: 'NaN' }, /strength must be a number 0-1/],
    [{ strength: '-0.1' }, /strength/],
    [{ format: 'gif' }, /format must be mp4 or webm/],
    [{ crf: '52' }, /crf must be a whole number 0-51/],
    [{ crf: '64', format: 'webm' }, /crf must be a whole number 0-63/],
  ])('%j is refused', (raw, message) => {
    expect(() => parseJobOptions(raw, models)).toThrow(message);
  });

  test('no model loaded', () => {
    expect(() => parseJobOptions({}, catalog([]))).toThrow(/no model is loaded/);
  });

  test('single options are checked alone, CRF against the widest range', () => {
    expect(() => checkOption('crf', '60', models)).not.toThrow();
    expect(() => checkOption('crf', '70', models)).toThrow(/0-63/);
    expect(() => checkOption('model', 'nope', models)).toThrow(/unknown model/);
  });
});

describe('jobs config', () => {
  test('defaults', () => {
    const c = loadJobsConfig('/data', {});
    expect(c).toMatchObject({
      dataDir: '/data', maxUploadBytes: 2 * 1024 ** 3, concurrency: 1, retentionS: 86400, minFreeBytes: 1024 ** 3, uploadTimeoutS: 3600,
      limits: { maxDurationS: 600, maxPixels: 3840 * 2160, maxFps: 120 },
    });
  });

  test('from the environment', () => {
    const c = loadJobsConfig('/data', {
      TOONSTREAM_MAX_UPLOAD_BYTES: '500MB', TOONSTREAM_MAX_VIDEO_DURATION: '2m', TOONSTREAM_MAX_VIDEO_PIXELS: '2M',
      TOONSTREAM_MAX_VIDEO_FPS: '60', TOONSTREAM_JOB_CONCURRENCY: '2', TOONSTREAM_JOB_RETENTION: '7d', TOONSTREAM_MIN_FREE_DISK: '0',
    });
    expect(c).toMatchObject({
      maxUploadBytes: 500 * 1024 ** 2, concurrency: 2, retentionS: 7 * 86400, minFreeBytes: 0,
      limits: { maxDurationS: 120, maxPixels: 2_000_000, maxFps: 60 },
    });
  });

  test.each([
    ['TOONSTREAM_JOB_CONCURRENCY', '0', /TOONSTREAM_JOB_CONCURRENCY must be an integer 1-64/],
    ['TOONSTREAM_JOB_RETENTION', 'forever', /TOONSTREAM_JOB_RETENTION must be a positive duration/],
    ['TOONSTREAM_MAX_UPLOAD_BYTES', 'lots', /TOONSTREAM_MAX_UPLOAD_BYTES must be a positive size/],
  ])('%s=%s is refused', (name, value, message) => {
    expect(() => loadJobsConfig('/data', { [name]: value })).toThrow(message);
  });

  test('durations', () => {
    expect(parseDuration('x', '90')).toBe(90);
    expect(parseDuration('x', '1.5h')).toBe(5400);
    expect(() => parseDuration('x', '0')).toThrow();
  });
});
