/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
// The browser extension in headless Debian Chromium with a fake camera: a test page on its own
// origin lists "toonstream camera" and gets the server's cartoon through it, or the real camera
// when the server is down.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { makeCameraClip } from '../../scripts/make-camera-clip';
import { collectWrtcGarbage, sessionsGone, sleep, startLiveServer, type LiveServer } from '../integration/transport-helpers';
import { repo, tempDir } from '../support/fixtures';
import { compareFrames, FRAME_SIZE } from './compare-frames';
import { CHROMIUM, requireChromium } from '../support/chromium';

const EXTENSION = join(repo, 'dist', 'extension');
const PAGE_DIR = join(repo, 'test', 'fixtures', 'extension');
const CLIP = join(tmpdir(), 'toonstream-camera-640x360-pingpong.y4m');
// `npm test` must not rewrite tracked files: the screenshot goes to a temp dir unless asked for, e.g.
// EXTENSION_SCREENSHOTS_DIR=docs/screenshots npx jest test/e2e/extension.test.ts
const SHOTS = process.env.EXTENSION_SCREENSHOTS_DIR ? join(repo, process.env.EXTENSION_SCREENSHOTS_DIR) : join(tmpdir(), 'toonstream-extension-screenshots');
const SIZE = FRAME_SIZE;

interface Opened {
  readonly firstFrameMs: number;
  readonly label: string;
  readonly deviceId: string;
  readonly audioTracks: number;
  readonly videoTracks: number;
}

interface Meeting {
  readonly frames: { chosen: number; original: number };
  listCameras(): Promise<{ deviceId: string; kind: string; label: string; groupId: string; isInfo: boolean }[]>;
  open(label: string): Promise<Opened>;
  stop(): string[];
  /** Resolves with the chosen video track's state once the page sees it end. */
  ended(): Promise<string>;
}
type MeetingWindow = Window & { meeting: Meeting };
/** The part of the extension API the test calls in the service worker. */
declare const chrome: { storage: { sync: { get(keys: null): Promise<Record<string, unknown>>; set(items: Record<string, unknown>): Promise<void> } } };

/** The test page's files over http on 127.0.0.1, an origin other than the server's. */
async function servePage(): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript' };
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'page.html';
    const file = join(PAGE_DIR, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/page.html`, server };
}

/** A URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Both videos drawn at SIZE, as RGBA bytes. */
async function grab(page: Page): Promise<number[][]> {
  return page.evaluate(
    ({ w, h }) =>
      ['chosen', 'original'].map((id) => {
        const canvas = document.createElement('canvas');
        canvas.width = w;
        canvas.height = h;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(document.getElementById(id) as HTMLVideoElement, 0, 0, w, h);
        return Array.from(ctx.getImageData(0, 0, w, h).data);
      }),
    SIZE,
  );
}

/**
 * How far the cartoon lags the real camera, in ms: the clip pans at a known speed, so the shift
 * that lines the (inverted) cartoon up with the real camera measures the lag. Median of 7 looks,
 * measured in the page; informational, not asserted.
 */
async function lagMs(page: Page): Promise<number> {
  const samples: number[] = [];
  for (let k = 0; k < 7; k++) {
    samples.push(
      await page.evaluate(() => {
        const [w, h] = [640, 360];
        const frame = (id: string): Uint8ClampedArray => {
          const ctx = Object.assign(document.createElement('canvas'), { width: w, height: h }).getContext('2d')!;
          ctx.drawImage(document.getElementById(id) as HTMLVideoElement, 0, 0, w, h);
          return ctx.getImageData(0, 0, w, h).data;
        };
        const cartoon = frame('chosen');
        const original = frame('original');
        // The clip's window crosses 0.25 x 640 px in x and (800 - 360) / 4 px in y every 3 s (make-camera-clip).
        const speed = { x: (640 * 0.25) / 3000, y: 440 / 4 / 3000 };
        let best = { err: Infinity, ms: 0 };
        for (let ms = -800; ms <= 800; ms += 10) {
          const dx = Math.round(ms * speed.x);
          const dy = Math.round(ms * speed.y);
          let err = 0;
          for (let y = 48; y < h - 48; y += 2) {
            for (let x = 80; x < w - 80; x += 2) {
              const i = (y * w + x) * 4;
              const j = ((y + dy) * w + (x + dx)) * 4;
              for (let c = 0; c < 3; c++) err += Math.abs(cartoon[i + c] + original[j + c] - 255);
            }
          }
          if (err < best.err) best = { err, ms };
        }
        return Math.abs(best.ms);
      }),
    );
    await sleep(250);
  }
  return samples.sort((a, b) => a - b)[3];
}

async function framesAfter(page: Page, extra: number): Promise<void> {
  const now = await page.evaluate(() => (window as unknown as MeetingWindow).meeting.frames);
  await page.waitForFunction(
    (n) => {
      const f = (window as unknown as MeetingWindow).meeting.frames;
      return f.chosen >= n.chosen + n.extra && f.original >= n.original + n.extra;
    },
    { ...now, extra },
    { timeout: 20_000 },
  );
}

async function extensionWorker(context: BrowserContext): Promise<Worker> {
  const found = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  if (found) return found;
  // No worker: this Chromium ignored --load-extension (newer builds need
  // --disable-features=DisableLoadExtensionCommandLineSwitch).
  return context.waitForEvent('serviceworker', { timeout: 15_000 });
}

describe('browser extension in headless Chromium with a fake camera', () => {
  beforeAll(requireChromium);
  let context: BrowserContext;
  let worker: Worker;
  let server: LiveServer;
  let page: { url: string; server: Server };
  let userDir: string;

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION, 'manifest.json'))) throw new Error('dist/extension is missing: run `npm run build` first');
    await makeCameraClip(CLIP, { width: 640, height: 360, fps: 30, seconds: 6 });
    mkdirSync(SHOTS, { recursive: true });
    server = await startLiveServer({ TOONSTREAM_LIVE_IDLE_TIMEOUT: '8' });
    page = await servePage();
    userDir = tempDir('toonstream-extension-profile-');
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      // Playwright turns extensions off by default.
      ignoreDefaultArgs: ['--disable-extensions'],
      args: [
        `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`,
        '--no-sandbox', '--disable-gpu', '--disable-sync', '--no-first-run',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${CLIP}`,
      ],
    });
    worker = await extensionWorker(context);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (page?.server ? page.server.close(resolve) : resolve(undefined)));
    await server?.close();
    await collectWrtcGarbage();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('the options page saves the server and style; the page lists "toonstream camera" and receives the cartoon; stopping it ends the session', async () => {
    const options = await context.newPage();
    const extensionId = new URL(worker.url()).host;
    await options.goto(`chrome-extension://${extensionId}/options.html`);
    await options.waitForSelector('body[data-ready="true"]');
    await options.fill('#server-url', server.url);
    await options.click('#test');
    await options.waitForSelector('#connection[data-ok="true"]:has-text("model(s)")', { timeout: 15_000 });
    await options.waitForSelector('#style option[value="toon-invert"]', { state: 'attached' });
    await options.selectOption('#style', 'toon-invert');
    await options.click('#save');
    await options.waitForSelector('#status:has-text("Saved")');
    await options.close();
    expect(await worker.evaluate(() => chrome.storage.sync.get(null))).toMatchObject({ serverUrl: server.url, model: 'toon-invert', enabled: true });

    const tab = await context.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    try {
      await tab.setViewportSize({ width: 1040, height: 440 });
      await tab.goto(page.url);
      const devices = await tab.evaluate(() => (window as unknown as MeetingWindow).meeting.listCameras());
      const toon = devices.filter((d) => d.label === 'toonstream camera');
      expect(toon).toEqual([{ deviceId: 'toonstream-camera', kind: 'videoinput', label: 'toonstream camera', groupId: 'toonstream', isInfo: true }]);
      expect(devices.filter((d) => d.kind === 'videoinput').length).toBeGreaterThanOrEqual(2);

      const opened = await tab.evaluate(() => (window as unknown as MeetingWindow).meeting.open('toonstream camera'));
      expect(opened).toMatchObject({ label: 'toonstream camera', deviceId: 'toonstream-camera', audioTracks: 1, videoTracks: 1 });
      const [session] = (await (await fetch(`${server.url}/api/live/sessions`)).json()).sessions as { transport: string; settings: { model: string } }[];
      expect(session).toMatchObject({ transport: 'webrtc', settings: { model: 'toon-invert' } });

      await framesAfter(tab, 20);
      const [cartoon, original] = await grab(tab);
      const seen = compareFrames(cartoon, original);
      const stats = ((await (await fetch(`${server.url}/api/live/sessions`)).json()).sessions as { stats: { latencyMedianMs: number } }[])[0].stats;
      process.stdout.write(`extension: cartoon vs real ${JSON.stringify(seen)}; first cartoon frame after ${Math.round(opened.firstFrameMs)} ms; server latency median ${stats.latencyMedianMs} ms\n`);
      process.stdout.write(`extension: the cartoon lags the real camera by about ${await lagMs(tab)} ms (median of 7)\n`);
      // The toon-invert model inverts colours: cartoon + real ≈ 255 everywhere, unlike the real camera.
      expect(seen.inverse).toBeLessThan(seen.diff / 3);
      expect(warnings).toEqual([]);
      await tab.screenshot({ path: join(SHOTS, 'extension.png') });

      // A clone stopped first, then the tracks: the peer connection closes, so the server's session ends.
      expect(await tab.evaluate(() => (window as unknown as MeetingWindow).meeting.stop())).toEqual(['ended', 'ended']);
      expect(await sessionsGone(server.url, 3000)).toEqual([]);
    } finally {
      await tab.close();
      await sessionsGone(server.url, 12_000);
    }
  }, 120_000);

  it('passes the real camera through, with one console warning, when the server is down', async () => {
    const down = await deadUrl();
    await worker.evaluate((url) => chrome.storage.sync.set({ serverUrl: url }), down);
    const tab = await context.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    try {
      await tab.goto(page.url);
      const opened = await tab.evaluate(() => (window as unknown as MeetingWindow).meeting.open('toonstream camera'));
      expect(opened).toMatchObject({ audioTracks: 1, videoTracks: 1 });
      expect(opened.label).not.toBe('toonstream camera');
      await framesAfter(tab, 20);
      const [chosen, original] = await grab(tab);
      const seen = compareFrames(chosen, original);
      process.stdout.write(`extension, server down: chosen vs real ${JSON.stringify(seen)}\n`);
      // The real camera itself: close to the comparison camera, far from its inverse.
      expect(seen.diff).toBeLessThan(seen.inverse / 3);
      await sleep(200);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`toonstream: no cartoon from ${down}`);
    } finally {
      await tab.close();
    }
  }, 60_000);

  it('cartoonizes a real camera request with "use for every camera", follows option changes during the call, and ends the track when the server ends the session', async () => {
    await worker.evaluate((url) => chrome.storage.sync.set({ serverUrl: url, model: 'toon-invert', useForAll: true }), server.url);
    const tab = await context.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    try {
      await tab.goto(page.url);
      const real = (await tab.evaluate(() => (window as unknown as MeetingWindow).meeting.listCameras())).find((d) => d.kind === 'videoinput')!;
      expect(real.label).not.toBe('toonstream camera');
      // Both the page's request for the real camera and its comparison request are cartoonized.
      const opened = await tab.evaluate((label) => (window as unknown as MeetingWindow).meeting.open(label), real.label);
      expect(opened).toMatchObject({ label: 'toonstream camera', deviceId: 'toonstream-camera' });
      const sessions = async (): Promise<{ id: string; settings: { model: string; strength: number } }[]> =>
        ((await (await fetch(`${server.url}/api/live/sessions`)).json()) as { sessions: { id: string; settings: { model: string; strength: number } }[] }).sessions;
      expect(await sessions()).toHaveLength(2);

      await worker.evaluate(() => chrome.storage.sync.set({ model: 'tiny-test', strength: 0.5 }));
      const until = Date.now() + 10_000;
      while ((await sessions()).some((x) => x.settings.model !== 'tiny-test' || x.settings.strength !== 0.5) && Date.now() < until) await sleep(100);
      expect((await sessions()).map((x) => x.settings)).toEqual([
        expect.objectContaining({ model: 'tiny-test', strength: 0.5 }),
        expect.objectContaining({ model: 'tiny-test', strength: 0.5 }),
      ]);

      const ended = tab.evaluate(() => (window as unknown as MeetingWindow).meeting.ended());
      for (const x of await sessions()) expect((await fetch(`${server.url}/api/live/sessions/${x.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await ended).toBe('ended');
      // One warning for each of the two cartoon cameras.
      const stopped = (): string[] => warnings.filter((w) => w.startsWith('toonstream: the cartoon camera stopped'));
      for (const until = Date.now() + 5000; stopped().length < 2 && Date.now() < until; ) await sleep(100);
      expect(stopped()).toHaveLength(2);
    } finally {
      await tab.close();
      await worker.evaluate(() => chrome.storage.sync.set({ useForAll: false }));
      await sessionsGone(server.url, 12_000);
    }
  }, 60_000);
});
