// Screenshots of the image page with headless Debian Chromium (never downloads a browser):
//   node dist/scripts/screenshot.js [--models DIR (default: the shipped models/)] [--image FILE] [--out DIR]
// Writes <out>/image-page.png (a cartoonized photo) and <out>/image-page-no-model.png.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config';
import { createEngine } from '../src/engine';
import { buildServer } from '../src/http';
import { repoRoot } from '../src/paths';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function serve(modelsDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const config = loadConfig({ TOONSTREAM_MODELS_DIR: modelsDir, TOONSTREAM_DATA_DIR: mkdtempSync(join(tmpdir(), 'toonstream-data-')) });
  const registry = new Registry();
  const logger = pino({ level: 'silent' });
  const engine = await createEngine({ modelsDir: config.modelsDir, registry, logger });
  const app = buildServer({ config, engine, logger, registry });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, stop: async () => (await app.close(), await engine.close()) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { models: { type: 'string' }, image: { type: 'string' }, out: { type: 'string' }, chromium: { type: 'string' } },
  });
  const modelsDir = resolve(values.models ?? join(repoRoot, 'models'));
  const image = resolve(values.image ?? join(repoRoot, 'test', 'fixtures', 'images', 'coffee-640x427.jpg'));
  const out = resolve(values.out ?? join(repoRoot, 'docs', 'screenshots'));
  mkdirSync(out, { recursive: true });

  const browser = await chromium.launch({ executablePath: values.chromium ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });

    const withModel = await serve(modelsDir);
    await page.goto(withModel.url);
    await page.waitForSelector('#model:not([disabled])');
    await page.setInputFiles('#file', image);
    await page.waitForSelector('#cartoon:not([hidden])');
    await page.waitForFunction(() => (document.getElementById('cartoon') as HTMLImageElement).complete);
    await page.screenshot({ path: join(out, 'image-page.png'), fullPage: true });
    await withModel.stop();

    const empty = await serve(mkdtempSync(join(tmpdir(), 'toonstream-no-models-')));
    await page.goto(empty.url);
    await page.waitForSelector('#status:not([hidden])');
    await page.screenshot({ path: join(out, 'image-page-no-model.png'), fullPage: true });
    await empty.stop();
  } finally {
    await browser.close();
  }
  console.log(`wrote ${join(out, 'image-page.png')} and ${join(out, 'image-page-no-model.png')}`);
}

main().catch((error: unknown) => {
  console.error(`screenshot: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
