/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { fixtureModelsDir, silentLogger, tempDir, testConfig } from '../support/fixtures';
import { badInputs, makeClip } from './media-helpers';
import { CHROMIUM, requireChromium } from '../support/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// Debian's chromium only (never downloaded); the page is served from dist/client (npm run build).
describe('video page in headless Chromium', () => {
  beforeAll(requireChromium);
  let browser: Browser;
  let page: Page;
  let app: FastifyInstance;
  let engine: OnnxEngine;
  let url: string;

  beforeAll(async () => {
    const registry = new Registry();
    engine = await createEngine({ modelsDir: fixtureModelsDir, intraOpThreads: 1, registry });
    app = buildServer({ config: testConfig({ TOONSTREAM_DATA_DIR: tempDir('toonstream-page-') }), engine, logger: silentLogger(), registry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/video.html`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await engine?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(() => page.close());

  it('uploads a video, shows progress, then the cartoon beside the original and a download', async () => {
    await page.goto(url);
    await page.waitForSelector('#model:not([disabled])');
    await page.selectOption('#format', 'webm');
    await page.setInputFiles('#file', makeClip({ width: 320, height: 240, fps: 30, seconds: 2, audio: true }));
    await page.waitForSelector('#download:not([hidden])', { timeout: 60_000 });
    expect(await page.getAttribute('#download', 'download')).toMatch(/^clip-320x240-30-2-a-0-sq-fs-cartoon\.webm$/);
    expect(await page.textContent('#upload-text')).toMatch(/^done/);
    expect(await page.textContent('#process-text')).toMatch(/^done · 60 frames/);
    expect(await page.isVisible('#before')).toBe(true);
    await page.waitForFunction(() => (document.getElementById('after') as HTMLVideoElement).readyState >= 1);
    const duration = await page.$eval('#after', (v) => (v as HTMLVideoElement).duration);
    expect(duration).toBeCloseTo(2, 1);
    expect(await page.isHidden('#error')).toBe(true);
    expect(page.url()).toMatch(/\?job=[A-Za-z0-9_-]{16}$/);
  });

  it('cancels a running job from the page', async () => {
    await page.goto(url);
    await page.waitForSelector('#model:not([disabled])');
    await page.setInputFiles('#file', makeClip({ width: 640, height: 360, fps: 30, seconds: 5 }));
    await page.waitForFunction(() => /frame \d+ of 150/.test(document.getElementById('process-text')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.click('#cancel');
    await page.waitForFunction(() => document.getElementById('process-text')?.textContent === 'cancelled');
    expect(await page.isHidden('#download')).toBe(true);
    expect(await page.isHidden('#cancel')).toBe(true);
  });

  it('shows the server error for a file that is not a video, readably', async () => {
    await page.goto(url);
    await page.waitForSelector('#model:not([disabled])');
    await page.setInputFiles('#file', badInputs().text as string);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toBe('not a video file (ffprobe cannot read it)');
    expect(await page.isEnabled('#file')).toBe(true);
  });
});
