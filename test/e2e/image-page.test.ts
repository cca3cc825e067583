import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { astronautJpeg, fixtureModelsDir, freshRegistry, silentLogger, tempDir, testConfig } from '../support/fixtures';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function start(modelsDir: string): Promise<{ app: FastifyInstance; engine: OnnxEngine; url: string }> {
  const registry = freshRegistry();
  const engine = await createEngine({ modelsDir, intraOpThreads: 1, registry });
  const app = buildServer({ config: testConfig({ TOONSTREAM_MODELS_DIR: modelsDir }), engine, logger: silentLogger(), registry });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, engine, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/` };
}

// .ci/run installs Debian's chromium; without it there is no browser to drive (never downloaded).
(existsSync(CHROMIUM) ? describe : describe.skip)('image page in headless Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(() => page.close());

  it('lists the models, cartoonizes an uploaded photo beside it and offers the download', async () => {
    const server = await start(fixtureModelsDir);
    try {
      await page.goto(server.url);
      await page.waitForSelector('#model:not([disabled])');
      expect(await page.$$eval('#model option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['tiny-test']);
      await page.setInputFiles('#file', astronautJpeg);
      await page.waitForSelector('#cartoon:not([hidden])');
      await page.waitForFunction(() => (document.getElementById('cartoon') as HTMLImageElement).naturalWidth > 0);
      const size = await page.$eval('#cartoon', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
      expect(size).toEqual([320, 320]);
      expect(await page.isVisible('#original')).toBe(true);
      expect(await page.getAttribute('#download', 'download')).toBe('astronaut-320-cartoon.jpg');
      expect(await page.isHidden('#error')).toBe(true);
    } finally {
      await server.app.close();
      await server.engine.close();
    }
  });

  it('shows the server error for a broken image, readably', async () => {
    const server = await start(fixtureModelsDir);
    try {
      await page.goto(server.url);
      await page.waitForSelector('#model:not([disabled])');
      const jpeg = readFileSync(astronautJpeg);
      await page.setInputFiles('#file', { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: jpeg.subarray(0, jpeg.length / 2) });
      await page.waitForSelector('#error:not([hidden])');
      expect(await page.textContent('#error')).toMatch(/Could not cartoonize broken\.jpg: could not decode the JPEG image/);
    } finally {
      await server.app.close();
      await server.engine.close();
    }
  });

  it('says clearly that no model is installed', async () => {
    const modelsDir = tempDir();
    const server = await start(modelsDir);
    try {
      await page.goto(server.url);
      await page.waitForSelector('#status:not([hidden])');
      const text = await page.textContent('#status');
      expect(text).toContain('No model is installed');
      expect(text).toContain(modelsDir);
      expect(await page.isDisabled('#model')).toBe(true);
    } finally {
      await server.app.close();
      await server.engine.close();
    }
  });
});
