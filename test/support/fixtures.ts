import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../../src/config';
import type { Logger } from '../../src/logging';

export const repo = join(__dirname, '..', '..');
export const fixtureModelsDir = join(repo, 'test', 'fixtures', 'models');
export const astronautJpeg = join(repo, 'test', 'fixtures', 'images', 'astronaut-320.jpg');
export const coffeeJpeg = join(repo, 'test', 'fixtures', 'images', 'coffee-640x427.jpg');

export const silentLogger = (): Logger => pino({ level: 'silent' });

/** A fresh metrics registry, so tests never share metric state. */
export const freshRegistry = (): Registry => new Registry();

/** Config for a test server: the fixture model, one thread, and a private data dir (never <repo>/data). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    TOONSTREAM_MODELS_DIR: fixtureModelsDir,
    TOONSTREAM_THREADS: '1',
    TOONSTREAM_DATA_DIR: tempDir('toonstream-data-'),
    ...env,
  });
}

export function tempDir(prefix = 'toonstream-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A models dir holding a copy of the tiny-test fixture under `name`. */
export function copyTinyModel(dir: string, name: string, cardChanges: Record<string, unknown> = {}): void {
  const card = JSON.parse(readFileSync(join(fixtureModelsDir, 'tiny-test.json'), 'utf8'));
  copyFileSync(join(fixtureModelsDir, 'tiny-test.onnx'), join(dir, `${name}.onnx`));
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({ ...card, name, files: { fp32: `${name}.onnx` }, ...cardChanges }, null, 2),
  );
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A small valid-looking PNG whose header claims width x height (only a few pixel bytes follow). */
export function pngWithHeaderSize(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Mean absolute difference per channel value between two equally sized RGB buffers. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
