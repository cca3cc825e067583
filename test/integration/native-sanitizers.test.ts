import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/paths';

// native/ reads and writes frames through raw pointers (and whole RGB pixels as four floats):
// scripts/native-sanitize.sh builds its kernels with AddressSanitizer and UndefinedBehaviorSanitizer
// and runs both builds on random frame sizes down to 1x1, in buffers of exactly their size.
test('the native kernels stay inside their buffers at every frame size (ASan, UBSan)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toonstream-sanitize-'));
  try {
    const run = spawnSync('bash', [join(repoRoot, 'scripts', 'native-sanitize.sh'), dir], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    if (run.status !== 0) throw new Error(`native-sanitize.sh exited with ${run.status}:\n${output.slice(-4000)}`);
    expect(output).toMatch(/generic: 1500 rounds ok/);
    if (process.arch === 'x64') expect(output).toMatch(/avx2: 1500 rounds ok/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
