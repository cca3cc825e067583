import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEngine, type OnnxEngine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { astronautJpeg, fixtureModelsDir, freshRegistry, silentLogger, tempDir, testConfig } from '../support/fixtures';
import { CHROMIUM, requireChromium } from '../support/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function start(modelsDir: string): Promise<{ app: FastifyInstance; engine: OnnxEngine; url: string }> {
  const registry = freshRegistry();
  const engine = await createEngine({ modelsDir, intraOpThreads: 1, registry });
  const app = buildServer({ config: testConfig({ TOONSTREAM_MODELS_DIR: modelsDir }), engine, logger: silentLogger(), registry });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, engine, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/` };
}

// .ci/run installs Debian's chromium; without it there is no browser to drive (never downloaded).
describe('image page in headless Chromium', () => {
  beforeAll(requireChromium);
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(() => browser?.close());

  /**
   * Runs `fn` with a fresh page on a fresh server. The page closes first: Chromium keeps spare
   * (pre)connections open, and the server's close() waits for connections that never sent a request.
   */
  async function withPage(modelsDir: string, fn: (page: Page, url: string) => Promise<void>): Promise<void> {
    const server = await start(modelsDir);
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await fn(page, server.url);
    } finally {
      await page.close();
      await server.app.close();
      await server.engine.close();
    }
  }

  it('lists the models, cartoonizes an uploaded photo beside it and offers the download', async () => {
    await withPage(fixtureModelsDir, async (page, url) => {
      await page.goto(url);
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
    });
  });

  it('shows the server error for a broken image, readably', async () => {
    await withPage(fixtureModelsDir, async (page, url) => {
      await page.goto(url);
      await page.waitForSelector('#model:not([disabled])');
      const jpeg = readFileSync(astronautJpeg);
      const broken = jpeg.subarray(0, Math.floor(jpeg.length / 2));
      await page.setInputFiles('#file', { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: broken });
      await page.waitForSelector('#error:not([hidden])');
      expect(await page.textContent('#error')).toMatch(/Could not cartoonize broken\.jpg: could not decode the JPEG image/);
    });
  });

  it('says clearly that no model is installed', async () => {
    const modelsDir = tempDir();
    await withPage(modelsDir, async (page, url) => {
      await page.goto(url);
      await page.waitForSelector('#status:not([hidden])');
      const text = await page.textContent('#status');
      expect(text).toContain('No model is installed');
      expect(text).toContain(modelsDir);
      expect(await page.isDisabled('#model')).toBe(true);
    });
  });
});
