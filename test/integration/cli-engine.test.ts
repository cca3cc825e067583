import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../../src/cli/command';
import { openEngineForModel } from '../../src/cli/runtime';
import { loadConfig } from '../../src/config';
import { copyTinyModel, silentLogger, tempDir } from '../support/fixtures';

// One-shot commands (process, image, camera) load only the model they use.

function modelsDir(): string {
  const dir = tempDir();
  copyTinyModel(dir, 'alpha-hq', { kind: 'hq' });
  copyTinyModel(dir, 'beta-fast');
  copyTinyModel(dir, 'gamma-fast');
  // A card whose model file is not an ONNX model: it fails only when loaded.
  copyTinyModel(dir, 'broken');
  writeFileSync(join(dir, 'broken.onnx'), 'not an onnx model');
  return dir;
}

const config = (dir: string, env: Record<string, string> = {}) => loadConfig({ TOONSTREAM_MODELS_DIR: dir, TOONSTREAM_THREADS: '1', ...env }, {});

describe('openEngineForModel', () => {
  test('loads only the default model: the first fast one by name, or the configured default', async () => {
    const dir = modelsDir();
    const first = await openEngineForModel(config(dir), silentLogger(), undefined);
    expect(first.model).toBe('beta-fast');
    expect(first.engine.models().map((m) => m.name)).toEqual(['beta-fast']);
    expect(first.engine.skipped()).toEqual([]); // the broken model was never touched
    await first.engine.close();
    const configured = await openEngineForModel(config(dir, { TOONSTREAM_DEFAULT_MODEL: 'gamma-fast' }), silentLogger(), undefined);
    expect(configured.engine.models().map((m) => m.name)).toEqual(['gamma-fast']);
    await configured.engine.close();
  });

  test('loads only the requested model', async () => {
    const { engine, model } = await openEngineForModel(config(modelsDir()), silentLogger(), 'alpha-hq', 'throughput');
    expect(model).toBe('alpha-hq');
    expect(engine.models().map((m) => m.name)).toEqual(['alpha-hq']);
    await engine.close();
  });

  test('an unknown or unloadable model, or none installed, is one readable error', async () => {
    const dir = modelsDir();
    await expect(openEngineForModel(config(dir), silentLogger(), 'nope')).rejects.toThrow(
      new CliError('unknown model "nope"; installed: alpha-hq, beta-fast, broken, gamma-fast'),
    );
    await expect(openEngineForModel(config(dir), silentLogger(), 'broken')).rejects.toThrow(/^model broken could not be loaded: /);
    await expect(openEngineForModel(config(tempDir()), silentLogger(), undefined)).rejects.toThrow(/No model is installed/);
  });
});
