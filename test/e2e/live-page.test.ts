/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { makeCameraClip } from '../../scripts/make-camera-clip';
import { collectWrtcGarbage, sessionsGone, sleep, startLiveServer, type LiveServer } from '../integration/transport-helpers';
import { repo } from '../support/fixtures';
import { compareFrames, FRAME_SIZE } from './compare-frames';
import { CHROMIUM, requireChromium } from '../support/chromium';

const CLIP = join(tmpdir(), 'toonstream-camera-640x360-pingpong.y4m');
// `npm test` must not rewrite tracked files: screenshots go to a temp dir unless asked for, e.g.
// LIVE_SCREENSHOTS_DIR=docs/screenshots npx jest test/e2e/live-page.test.ts
const SHOTS = process.env.LIVE_SCREENSHOTS_DIR ? join(repo, process.env.LIVE_SCREENSHOTS_DIR) : join(tmpdir(), 'toonstream-live-screenshots');
const SIZE = FRAME_SIZE;
const FAKE_CAMERA_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${CLIP}`,
];

/** Both panes drawn at SIZE, as RGBA bytes. */
async function grab(page: Page, ids: readonly string[]): Promise<number[][]> {
  return page.evaluate(
    ({ ids, w, h }) =>
      ids.map((id) => {
        const canvas = document.createElement('canvas');
        canvas.width = w;
        canvas.height = h;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(document.getElementById(id) as CanvasImageSource, 0, 0, w, h);
        return Array.from(ctx.getImageData(0, 0, w, h).data);
      }),
    { ids, w: SIZE.w, h: SIZE.h },
  );
}

async function framesAfter(page: Page, extra: number): Promise<void> {
  const now = await page.evaluate(() => (window as unknown as { __live: { framesShown: number } }).__live.framesShown);
  await page.waitForFunction((n) => (window as unknown as { __live: { framesShown: number } }).__live.framesShown >= n, now + extra, { timeout: 20_000 });
}

interface SessionView {
  readonly transport: string;
  readonly settings: { readonly model: string; readonly passthrough: boolean };
  readonly stats: { readonly processed: number; readonly passedThrough: number };
}

async function liveSessions(url: string): Promise<SessionView[]> {
  return ((await (await fetch(`${url}/api/live/sessions`)).json()) as { sessions: SessionView[] }).sessions;
}

/** Waits until the server runs the page's session with `want` and has sent frames made with it, then for frames painted after that. */
async function settled(page: Page, url: string, want: { model: string; passthrough: boolean }): Promise<void> {
  const until = Date.now() + 15_000;
  let mark: number | null = null;
  for (;;) {
    const [s] = await liveSessions(url);
    const done = s ? (want.passthrough ? s.stats.passedThrough : s.stats.processed) : 0;
    if (s && s.settings.model === want.model && s.settings.passthrough === want.passthrough) {
      mark ??= done;
      if (done >= mark + 5) break;
    }
    if (Date.now() > until) throw new Error(`the session never ran ${JSON.stringify(want)}: ${JSON.stringify(s)}`);
    await sleep(100);
  }
  await framesAfter(page, 8);
}

describe('live page in headless Chromium with a fake camera', () => {
  beforeAll(requireChromium);
  let browser: Browser;
  let server: LiveServer;

  beforeAll(async () => {
    await makeCameraClip(CLIP, { width: 640, height: 360, fps: 30, seconds: 6 });
    mkdirSync(SHOTS, { recursive: true });
    // Generous: on a loaded 2-core machine the browser's frames can pause for seconds.
    server = await startLiveServer({ TOONSTREAM_LIVE_IDLE_TIMEOUT: '8' }, undefined, ['toon-fast']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FAKE_CAMERA_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await collectWrtcGarbage();
  });

  describe.each([
    ['webrtc', 'cartoon'],
    ['websocket', 'cartoon-canvas'],
  ] as const)('over %s', (transport, cartoonId) => {
    it('shows cartoon frames beside the camera, switches style and passthrough, and frees the session when the tab closes', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      try {
        await page.goto(`${server.url}/live?transport=${transport === 'websocket' ? 'ws' : 'webrtc'}`);
        await page.waitForSelector(`body[data-transport="${transport}"][data-state="live"]`, { timeout: 30_000 });
        await framesAfter(page, 15);
        expect(await page.isHidden('#error')).toBe(true);

        const [original, cartoon] = await grab(page, ['original', cartoonId]);
        const posterised = compareFrames(cartoon, original);
        // Cartoon frames, not the camera's: the fixture model posterises and outlines.
        expect(posterised.diff).toBeGreaterThan(12);

        // The screenshot shows the shipped default model's look.
        await page.selectOption('#style', 'toon-fast');
        await settled(page, server.url, { model: 'toon-fast', passthrough: false });
        const [o1, c1] = await grab(page, ['original', cartoonId]);
        expect(compareFrames(c1, o1).diff).toBeGreaterThan(3);
        await sleep(3000); // let the overlay's chart fill a little
        await page.screenshot({ path: join(SHOTS, `live-${transport}.png`) });

        await page.selectOption('#style', 'toon-invert');
        await settled(page, server.url, { model: 'toon-invert', passthrough: false });
        const [o2, c2] = await grab(page, ['original', cartoonId]);
        const inverted = compareFrames(c2, o2);
        expect(inverted.inverse).toBeLessThan(posterised.inverse / 2);

        await page.check('#passthrough');
        await settled(page, server.url, { model: 'toon-invert', passthrough: true });
        const [o3, c3] = await grab(page, ['original', cartoonId]);
        const passthrough = compareFrames(c3, o3);
        const measured = `posterised ${JSON.stringify(posterised)} inverted ${JSON.stringify(inverted)} passthrough ${JSON.stringify(passthrough)}`;
        process.stdout.write(`${transport}: ${measured}\n`);
        // The camera frames come back as they are (not inverted although toon-invert is still
        // chosen), up to video coding.
        expect(passthrough.inverse).toBeGreaterThan(3 * inverted.inverse);
        expect(passthrough.diff).toBeLessThan(posterised.diff / 2);

        const sessions = (await liveSessions(server.url)).filter((x) => x.transport === transport);
        expect(sessions).toHaveLength(1);
        expect(sessions[0]).toMatchObject({ transport, settings: { model: 'toon-invert', passthrough: true } });

        await page.close();
        // Well before the idle timeout: the page says goodbye and the peer's channel closes.
        expect(await sessionsGone(server.url, 2500)).toEqual([]);
      } finally {
        if (!page.isClosed()) await page.close();
        await sessionsGone(server.url, 12_000);
      }
    }, 90_000);
  });

  it('says readably when the camera is denied and when the server is busy', async () => {
    // Without the fake-UI flag headless Chromium refuses camera requests, as a user clicking "Block" would.
    const strict = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream'] });
    try {
      const denied = await strict.newPage();
      await denied.goto(`${server.url}/live`);
      await denied.waitForSelector('#error:not([hidden])', { timeout: 20_000 });
      expect(await denied.textContent('#error')).toMatch(/^Camera access was denied\. Allow the camera for this site/);
    } finally {
      await strict.close();
    }

    const busyServer = await startLiveServer({ TOONSTREAM_LIVE_MAX_SESSIONS: '1' });
    const holder = new WebSocket(`${busyServer.url.replace('http', 'ws')}/ws/live`);
    const page = await browser.newPage();
    try {
      await new Promise((resolve) => holder.once('message', resolve));
      await page.goto(`${busyServer.url}/live?transport=ws`);
      await page.waitForSelector('#error:not([hidden])', { timeout: 20_000 });
      expect(await page.textContent('#error')).toMatch(/^The server is busy \(1 live sessions\); try again in a minute\. Retrying in 10 s…$/);
      expect(await page.getAttribute('body', 'data-state')).toBe('error');
    } finally {
      await page.close();
      holder.close();
      await busyServer.close();
    }
  }, 60_000);

  it('falls back to the WebSocket where WebRTC is blocked, and reconnects after losing the connection', async () => {
    // A network that drops WebRTC's UDP: signalling gets through, but with the ICE candidates
    // of both peers removed from it no path can connect.
    const blocked = await browser.newContext();
    try {
      const page = await blocked.newPage();
      await page.route('**/api/webrtc/offer', async (route) => {
        const strip = (sdp: string): string => sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate')).join('\r\n');
        const offer = route.request().postDataJSON() as { sdp: string };
        const response = await route.fetch({ postData: JSON.stringify({ ...offer, sdp: strip(offer.sdp) }) });
        const body = (await response.json()) as { sdp: string };
        await route.fulfill({ response, json: { ...body, sdp: strip(body.sdp) } });
      });
      await page.goto(`${server.url}/live`);
      await page.waitForSelector('body[data-transport="websocket"][data-state="live"]', { timeout: 30_000 });
      expect(await page.textContent('#status')).toBe('Live over WebSocket (WebRTC unavailable)');
      await framesAfter(page, 5);
      // (The abandoned WebRTC attempt's server peer ends by itself: it never gets a frame.)
      expect((await liveSessions(server.url)).map((x) => x.transport)).toContain('websocket');

      const session = await page.evaluate(() => (window as unknown as { __live: { session: string } }).__live.session);
      expect((await fetch(`${server.url}/api/live/sessions/${session}`, { method: 'DELETE' })).status).toBe(204);
      await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
      expect(await page.textContent('#error')).toMatch(/^Connection lost \(the server closed the connection \(deleted\)\)\. Retrying in 1 s…$/);
      await page.waitForFunction((old) => {
        const live = (window as unknown as { __live: { session: string | null } }).__live;
        return live.session !== null && live.session !== old;
      }, session, { timeout: 15_000 });
      await framesAfter(page, 5);
      expect(await page.isHidden('#error')).toBe(true);
      await page.close();
    } finally {
      await blocked.close();
      // The abandoned WebRTC attempt ends with the idle timeout.
      await sessionsGone(server.url, 12_000);
    }
  }, 60_000);

  it('the /output page shows only the cartoon, full-window', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 540 } });
    await page.goto(`${server.url}/output?model=toon-fast&res=360p`);
    await page.waitForSelector('body[data-transport="webrtc"][data-state="live"]', { timeout: 30_000 });
    await framesAfter(page, 15);
    const box = await page.locator('#cartoon').boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 960, height: 540 });
    expect(await page.isVisible('#original')).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'live-output.png') });
    await page.close();
    expect(await sessionsGone(server.url, 2500)).toEqual([]);
  }, 60_000);
});
