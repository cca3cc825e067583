/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { chromium, type Browser } from 'playwright-core';
import { publishWhip, type WhipPublisher } from '../../scripts/bench/whip-client';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { collectWrtcGarbage, photoI420, photoRgb, sessionsGone, sleep, startLiveServer, type LiveServer } from '../integration/transport-helpers';
import { CHROMIUM, requireChromium } from '../support/chromium';

const TOKEN = 'e2e-whep-token';
const SIZE = { w: 160, h: 90 };
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];

interface LiveHook {
  readonly __live: { readonly framesShown: number; readonly transport: string | null };
}

describe('output page playing WHEP in headless Chromium', () => {
  beforeAll(requireChromium);
  let browser: Browser;
  let server: LiveServer;
  let publisher: WhipPublisher | null = null;
  let photo: I420Frame;

  beforeAll(async () => {
    server = await startLiveServer({ TOONSTREAM_WHIP_TOKEN: TOKEN, TOONSTREAM_LIVE_IDLE_TIMEOUT: '8' });
    photo = await photoI420(640, 360);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);
  afterAll(async () => {
    publisher?.close();
    // Native sources still reachable at exit crash @roamhq/wrtc (see collectWrtcGarbage).
    publisher = null;
    await browser?.close();
    await server?.close();
    await collectWrtcGarbage();
  });

  it('waits for a publication, shows its cartoon full-window, reconnects after it ends, and frees the viewer when closed', async () => {
    const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    try {
      await page.goto(`${server.url}/output?whep=latest&token=${TOKEN}`);
      await page.waitForFunction(() => document.getElementById('error')?.textContent?.startsWith('Waiting for a WHIP publication'), undefined, { timeout: 10_000 });

      publisher = await publishWhip({ baseUrl: server.url, token: TOKEN, frame: () => photo, fps: 15, query: 'model=toon-invert' });
      await page.waitForSelector('body[data-transport="whep"][data-state="live"]', { timeout: 20_000 });
      await page.waitForFunction(() => (window as unknown as LiveHook).__live.framesShown >= 10, undefined, { timeout: 20_000 });
      expect(await page.isHidden('#error')).toBe(true);

      const shown = await page.evaluate(({ w, h }) => {
        const video = document.getElementById('cartoon') as HTMLVideoElement;
        const canvas = document.createElement('canvas');
        canvas.width = w;
        canvas.height = h;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(video, 0, 0, w, h);
        const box = video.getBoundingClientRect();
        return { rgba: Array.from(ctx.getImageData(0, 0, w, h).data), box: [box.width, box.height], size: [video.videoWidth, video.videoHeight] };
      }, SIZE);
      expect(shown.box).toEqual([640, 360]);
      expect(shown.size).toEqual([640, 360]);
      const original = await photoRgb(SIZE.w, SIZE.h);
      let inverse = 0;
      let diff = 0;
      for (let p = 0; p < SIZE.w * SIZE.h; p++) {
        for (let c = 0; c < 3; c++) {
          const a = shown.rgba[p * 4 + c];
          const b = original.data[p * 3 + c];
          inverse += Math.abs(a + b - 255);
          diff += Math.abs(a - b);
        }
      }
      const n = SIZE.w * SIZE.h * 3;
      // The cartoon of toon-invert is the photo's negative; the photo itself would be far off.
      expect(inverse / n).toBeLessThan(20);
      expect(diff / n).toBeGreaterThan(40);

      expect(await publisher.stop()).toBe(200);
      publisher = null;
      await page.waitForSelector('body[data-state="connecting"]', { timeout: 10_000 });
      expect(await sessionsGone(server.url, 3000)).toEqual([]);

      publisher = await publishWhip({ baseUrl: server.url, token: TOKEN, frame: () => photo, fps: 15 });
      await page.waitForSelector('body[data-state="live"]', { timeout: 20_000 });
    } finally {
      await page.close();
    }
    // The page's DELETE (pagehide) or its closed DTLS transport frees the viewer.
    await sleep(500);
    const { sessions } = (await (await fetch(`${server.url}/api/live/sessions`)).json()) as { sessions: Array<{ transport: string }> };
    expect(sessions.map((s) => s.transport)).toEqual(['whip']);
  });
});
