import { resolve } from 'node:path';
import type { Device } from '../engine/types';
import { defaultDataDir, defaultModelsDir } from '../paths';
import { parseByteSize, parseChoice, parseCount, parseIntInRange, parseNonEmpty } from './parse';
import type { Config, ConfigFlags, LogLevel } from './types';

const DEVICES: readonly Device[] = ['cpu', 'cuda', 'tensorrt'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  device: 'cpu' as Device,
  intraOpThreads: 0,
  interOpThreads: 1,
  sessionsPerModel: 0,
  maxBodyBytes: 20 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxInferPixels: 4_200_000,
  logLevel: 'info' as LogLevel,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

interface Raw {
  readonly raw: string;
  /** How the user spelled the setting, for error messages: "--port" or "PORT". */
  readonly what: string;
}

/** A setting's raw text: the flag if given, else the non-empty environment variable. */
function pick(env: Env, envName: string, flag?: { value: string | undefined; name: string }): Raw | undefined {
  if (flag?.value !== undefined) return { raw: flag.value, what: flag.name };
  const fromEnv = env[envName];
  return fromEnv !== undefined && fromEnv !== '' ? { raw: fromEnv, what: envName } : undefined;
}

/**
 * Builds the configuration from environment variables overridden by CLI flags, validating every
 * value. Throws ConfigError with a one-line message naming the setting and the bad value.
 */
export function loadConfig(env: Env = process.env, flags: ConfigFlags = {}): Config {
  const port = pick(env, 'PORT', { value: flags.port, name: '--port' });
  const host = pick(env, 'HOST', { value: flags.host, name: '--host' });
  const models = pick(env, 'TOONSTREAM_MODELS_DIR', { value: flags.models, name: '--models' });
  const device = pick(env, 'TOONSTREAM_DEVICE', { value: flags.device, name: '--device' });
  const threads = pick(env, 'TOONSTREAM_THREADS', { value: flags.threads, name: '--threads' });
  const interOp = pick(env, 'TOONSTREAM_INTER_OP_THREADS');
  const sessions = pick(env, 'TOONSTREAM_SESSIONS', { value: flags.sessions, name: '--sessions' });
  const defaultModel = pick(env, 'TOONSTREAM_DEFAULT_MODEL');
  const maxBody = pick(env, 'TOONSTREAM_MAX_BODY_BYTES');
  const maxPixels = pick(env, 'TOONSTREAM_MAX_PIXELS');
  const maxInferPixels = pick(env, 'TOONSTREAM_MAX_INFER_PIXELS');
  const dataDir = pick(env, 'TOONSTREAM_DATA_DIR');
  const logLevel = pick(env, 'LOG_LEVEL', { value: flags.logLevel, name: '--log-level' });

  return {
    port: port ? parseIntInRange(port.what, port.raw, 1, 65535) : DEFAULTS.port,
    host: host ? parseNonEmpty(host.what, host.raw) : DEFAULTS.host,
    modelsDir: models ? resolve(parseNonEmpty(models.what, models.raw)) : defaultModelsDir,
    device: device ? parseChoice(device.what, device.raw, DEVICES) : DEFAULTS.device,
    intraOpThreads: threads ? parseIntInRange(threads.what, threads.raw, 0, 1024) : DEFAULTS.intraOpThreads,
    interOpThreads: interOp ? parseIntInRange(interOp.what, interOp.raw, 1, 1024) : DEFAULTS.interOpThreads,
    sessionsPerModel: sessions ? parseIntInRange(sessions.what, sessions.raw, 0, 64) : DEFAULTS.sessionsPerModel,
    defaultModel: defaultModel ? parseNonEmpty(defaultModel.what, defaultModel.raw) : undefined,
    maxBodyBytes: maxBody ? parseByteSize(maxBody.what, maxBody.raw) : DEFAULTS.maxBodyBytes,
    maxPixels: maxPixels ? parseCount(maxPixels.what, maxPixels.raw) : DEFAULTS.maxPixels,
    maxInferPixels: maxInferPixels ? parseCount(maxInferPixels.what, maxInferPixels.raw) : DEFAULTS.maxInferPixels,
    dataDir: dataDir ? resolve(parseNonEmpty(dataDir.what, dataDir.raw)) : defaultDataDir,
    logLevel: logLevel ? parseChoice(logLevel.what, logLevel.raw, LOG_LEVELS) : DEFAULTS.logLevel,
  };
}
