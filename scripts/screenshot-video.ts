// Screenshots of the video page with headless Debian Chromium (never downloads a browser):
//   node dist/scripts/screenshot-video.js [--models DIR (default: the shipped models/)] [--out DIR] [--chromium PATH]
// Makes a clip (a slow zoom over a fixture photo, with a tone), uploads it through the page and
// writes <out>/video-page-processing.png (mid-way) and <out>/video-page.png (done, before/after).
import { execFileSync } from 'node:child_process';
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
import { ffmpegBinaries } from '../src/media/binaries';
import { repoRoot } from '../src/paths';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function makeClip(dir: string): string {
  const photo = join(repoRoot, 'test', 'fixtures', 'images', 'coffee-640x427.jpg');
  const out = join(dir, 'coffee-zoom.mp4');
  execFileSync(ffmpegBinaries().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-loop', '1', '-framerate', '30', '-i', photo,
    '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000:duration=6',
    '-vf', "scale=1280:-2,zoompan=z='1+0.0015*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=640x426:fps=30",
    '-t', '6', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', out,
  ]);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { models: { type: 'string' }, out: { type: 'string' }, chromium: { type: 'string' } } });
  const modelsDir = resolve(values.models ?? join(repoRoot, 'models'));
  const out = resolve(values.out ?? join(repoRoot, 'docs', 'screenshots'));
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'toonstream-shot-'));
  const clip = makeClip(work);

  const config = loadConfig({ TOONSTREAM_MODELS_DIR: modelsDir, TOONSTREAM_DATA_DIR: join(work, 'data') });
  const registry = new Registry();
  const logger = pino({ level: 'silent' });
  const engine = await createEngine({ modelsDir: config.modelsDir, registry, logger });
  const app = buildServer({ config, engine, logger, registry });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/video.html`;

  const browser = await chromium.launch({ executablePath: values.chromium ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => console.error(`browser: ${m.text()}`));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('#model:not([disabled])');
    await page.setInputFiles('#file', clip);
    await page.waitForFunction(() => /frame \d+ of/.test(document.getElementById('process-text')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => /fps .* left/.test(document.getElementById('process-text')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.screenshot({ path: join(out, 'video-page-processing.png'), fullPage: true });
    await page.waitForSelector('#download:not([hidden])', { timeout: 180_000 });
    // Show the same moment in both players.
    await page.evaluate(async () => {
      const seek = (v: HTMLVideoElement): Promise<void> =>
        new Promise((done) => {
          const go = (): void => {
            v.addEventListener('seeked', () => done(), { once: true });
            v.currentTime = 3;
          };
          if (v.readyState >= 1) go();
          else v.addEventListener('loadedmetadata', go, { once: true });
        });
      await Promise.all([seek(document.getElementById('before') as HTMLVideoElement), seek(document.getElementById('after') as HTMLVideoElement)]);
    });
    await page.waitForFunction(() => (['before', 'after'] as const).every((id) => (document.getElementById(id) as HTMLVideoElement).readyState >= 4 && !(document.getElementById(id) as HTMLVideoElement).seeking));
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(out, 'video-page.png'), fullPage: true });
  } catch (error) {
    const page = browser.contexts()[0]?.pages()[0];
    if (page) {
      console.error(`process: ${await page.textContent('#process-text')}; upload: ${await page.textContent('#upload-text')}; error: ${await page.textContent('#error')}`);
      await page.screenshot({ path: join(work, 'failure.png'), fullPage: true });
      console.error(`failure screenshot: ${join(work, 'failure.png')}`);
    }
    throw error;
  } finally {
    await browser.close();
    await app.close();
    await engine.close();
  }
  console.log(`wrote ${join(out, 'video-page-processing.png')} and ${join(out, 'video-page.png')}`);
}

main().catch((error: unknown) => {
  console.error(`screenshot-video: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
