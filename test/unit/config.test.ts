import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { engineThreads } from '../../src/cli/runtime';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config';
import { repoRoot } from '../../src/paths';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.device).toBe('cpu');
    expect(c.modelsDir).toBe(join(repoRoot, 'models'));
    expect(c.dataDir).toBe(join(repoRoot, 'data'));
    expect(c.maxBodyBytes).toBe(20 * 1024 * 1024);
    expect(c.maxPixels).toBe(40_000_000);
    expect(c.maxInferPixels).toBe(4_200_000);
    expect(c.logLevel).toBe('info');
    expect(c.intraOpThreads).toBe(DEFAULTS.intraOpThreads);
    expect(c.defaultModel).toBeUndefined();
  });

  it('reads the environment', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      TOONSTREAM_MODELS_DIR: '/tmp/m',
      TOONSTREAM_DEVICE: 'CUDA',
      TOONSTREAM_THREADS: '2',
      TOONSTREAM_INTER_OP_THREADS: '2',
      TOONSTREAM_SESSIONS: '3',
      TOONSTREAM_MAX_BODY_BYTES: '5MB',
      TOONSTREAM_MAX_PIXELS: '12M',
      TOONSTREAM_MAX_INFER_PIXELS: '250k',
      TOONSTREAM_DATA_DIR: '/tmp/d',
      TOONSTREAM_DEFAULT_MODEL: 'toon-fast',
      LOG_LEVEL: 'debug',
    });
    expect(c).toEqual({
      port: 9000,
      host: '127.0.0.1',
      modelsDir: '/tmp/m',
      device: 'cuda',
      intraOpThreads: 2,
      interOpThreads: 2,
      sessionsPerModel: 3,
      defaultModel: 'toon-fast',
      maxBodyBytes: 5 * 1024 * 1024,
      maxPixels: 12_000_000,
      maxInferPixels: 250_000,
      dataDir: '/tmp/d',
      logLevel: 'debug',
    });
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ PORT: '9000', TOONSTREAM_DEVICE: 'cuda' }, { port: '9100', device: 'cpu', models: 'rel/dir' });
    expect(c.port).toBe(9100);
    expect(c.device).toBe('cpu');
    expect(c.modelsDir).toBe(join(process.cwd(), 'rel/dir'));
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer 1-65535, got "abc"'],
    [{ PORT: '0' }, 'PORT must be an integer 1-65535, got "0"'],
    [{ PORT: '70000' }, 'PORT must be an integer 1-65535, got "70000"'],
    [{ PORT: '80.5' }, 'PORT must be an integer 1-65535, got "80.5"'],
    [{ TOONSTREAM_DEVICE: 'gpu' }, 'TOONSTREAM_DEVICE must be one of cpu|cuda|tensorrt, got "gpu"'],
    [{ TOONSTREAM_THREADS: '-1' }, 'TOONSTREAM_THREADS must be an integer 0-1024, got "-1"'],
    [{ TOONSTREAM_SESSIONS: '65' }, 'TOONSTREAM_SESSIONS must be an integer 0-64, got "65"'],
    [{ TOONSTREAM_MAX_BODY_BYTES: 'lots' }, 'TOONSTREAM_MAX_BODY_BYTES must be a positive size in bytes (e.g. 20971520 or 20MB), got "lots"'],
    [{ TOONSTREAM_MAX_PIXELS: '0' }, 'TOONSTREAM_MAX_PIXELS must be a positive integer (e.g. 40000000 or 40M), got "0"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal|error|warn|info|debug|trace|silent, got "loud"'],
    [{ HOST: '   ' }, 'HOST must not be empty'],
  ])('rejects %j with one readable line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names the flag, not the variable, when a flag is wrong', () => {
    expect(() => loadConfig({}, { port: 'x' })).toThrow('--port must be an integer 1-65535, got "x"');
  });
});

describe('engineThreads: how a command sets up ONNX Runtime', () => {
  const cores = Math.min(4, availableParallelism());

  it('gives the server and live commands one session per model with the configured threads', () => {
    expect(engineThreads(loadConfig({}), 'latency')).toEqual({ intraOpThreads: 0, sessionsPerModel: 1 });
    expect(engineThreads(loadConfig({ TOONSTREAM_THREADS: '2', TOONSTREAM_SESSIONS: '2' }), 'latency')).toEqual({ intraOpThreads: 2, sessionsPerModel: 2 });
  });

  it('gives `process` on a CPU one single-thread session per core, up to 4, unless threads or sessions are set', () => {
    expect(engineThreads(loadConfig({}), 'throughput')).toEqual({ intraOpThreads: 1, sessionsPerModel: cores });
    expect(engineThreads(loadConfig({ TOONSTREAM_THREADS: '2' }), 'throughput')).toEqual({ intraOpThreads: 2, sessionsPerModel: 1 });
    expect(engineThreads(loadConfig({}, { sessions: '3' }), 'throughput')).toEqual({ intraOpThreads: 0, sessionsPerModel: 3 });
    expect(engineThreads(loadConfig({ TOONSTREAM_DEVICE: 'cuda' }), 'throughput')).toEqual({ intraOpThreads: 0, sessionsPerModel: 1 });
  });
});
