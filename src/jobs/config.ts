import { ConfigError } from '../config/types';
import { parseByteSize, parseCount, parseIntInRange } from '../config/parse';
import type { MediaLimits } from '../media/limits';

export interface JobsConfig {
  /** Holds jobs.sqlite, uploads/ and results/. */
  readonly dataDir: string;
  readonly maxUploadBytes: number;
  readonly limits: MediaLimits;
  /** Jobs processed at the same time. */
  readonly concurrency: number;
  /** Uploads and results are removed this long after their job finished. */
  readonly retentionS: number;
  /** Uploads are refused and jobs fail cleanly when less than this would stay free on the data disk. */
  readonly minFreeBytes: number;
  /** A job restarted this many times by crashes is failed instead of retried again. */
  readonly maxAttempts: number;
  /** Longest an upload request may take (Node's server-wide requestTimeout is raised to it). */
  readonly uploadTimeoutS: number;
}

export const JOBS_DEFAULTS = {
  maxUploadBytes: 2 * 1024 ** 3,
  maxDurationS: 600,
  maxPixels: 3840 * 2160,
  maxFps: 120,
  concurrency: 1,
  retentionS: 24 * 3600,
  minFreeBytes: 1024 ** 3,
  maxAttempts: 3,
  uploadTimeoutS: 3600,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/** Parses "90", "90s", "30m", "24h", "7d" into seconds. */
export function parseDuration(what: string, raw: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? DURATION_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  const value = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(value > 0)) throw new ConfigError(`${what} must be a positive duration (e.g. 600, 90s, 30m, 24h), got ${JSON.stringify(raw)}`);
  return value;
}

function pick(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Reads the video-job settings from the environment (see README, "Process a video"). */
export function loadJobsConfig(dataDir: string, env: Env = process.env): JobsConfig {
  const v = (name: string): string | undefined => pick(env, name);
  const bytes = (name: string, d: number): number => {
    const raw = v(name);
    return raw === undefined ? d : parseByteSize(name, raw);
  };
  const count = (name: string, d: number): number => {
    const raw = v(name);
    return raw === undefined ? d : parseCount(name, raw);
  };
  const dur = (name: string, d: number): number => {
    const raw = v(name);
    return raw === undefined ? d : parseDuration(name, raw);
  };
  const int = (name: string, d: number, min: number, max: number): number => {
    const raw = v(name);
    return raw === undefined ? d : parseIntInRange(name, raw, min, max);
  };
  const minFreeRaw = v('TOONSTREAM_MIN_FREE_DISK');
  return {
    dataDir,
    maxUploadBytes: bytes('TOONSTREAM_MAX_UPLOAD_BYTES', JOBS_DEFAULTS.maxUploadBytes),
    limits: {
      maxDurationS: dur('TOONSTREAM_MAX_VIDEO_DURATION', JOBS_DEFAULTS.maxDurationS),
      maxPixels: count('TOONSTREAM_MAX_VIDEO_PIXELS', JOBS_DEFAULTS.maxPixels),
      maxFps: int('TOONSTREAM_MAX_VIDEO_FPS', JOBS_DEFAULTS.maxFps, 1, 1000),
    },
    concurrency: int('TOONSTREAM_JOB_CONCURRENCY', JOBS_DEFAULTS.concurrency, 1, 64),
    retentionS: dur('TOONSTREAM_JOB_RETENTION', JOBS_DEFAULTS.retentionS),
    // "0" switches the guard off, so it is parsed separately from the positive byte sizes.
    minFreeBytes: minFreeRaw === '0' ? 0 : minFreeRaw === undefined ? JOBS_DEFAULTS.minFreeBytes : parseByteSize('TOONSTREAM_MIN_FREE_DISK', minFreeRaw),
    maxAttempts: JOBS_DEFAULTS.maxAttempts,
    uploadTimeoutS: dur('TOONSTREAM_UPLOAD_TIMEOUT', JOBS_DEFAULTS.uploadTimeoutS),
  };
}
