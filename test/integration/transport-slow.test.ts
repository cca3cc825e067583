/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { connectLiveClient, type LiveClient } from '../../scripts/bench/live-client';
import type { Engine } from '../../src/engine';
import type { LiveSessionInfo } from '../../src/transport';
import { collectWrtcGarbage, getJson, photoI420, sleep, startLiveServer, type LiveServer } from './transport-helpers';

const MODEL_MS = 200;
const CAMERA_FPS = 30;
const SECONDS = 30;

/** The real engine, made deliberately slow: every batch takes at least MODEL_MS longer. */
function slowEngine(engine: Engine): Engine {
  return {
    device: engine.device,
    models: () => engine.models(),
    has: (m) => engine.has(m),
    defaultModel: () => engine.defaultModel(),
    run: async (model, batch) => {
      await sleep(MODEL_MS);
      return engine.run(model, batch);
    },
    close: () => engine.close(),
  };
}

describe('a model slower than the camera', () => {
  let server: LiveServer;
  let client: LiveClient | undefined;

  beforeAll(async () => {
    server = await startLiveServer({}, slowEngine);
  });
  afterAll(async () => {
    client?.close();
    client = undefined;
    await server.close();
    await collectWrtcGarbage();
  });

  it(`keeps latency bounded over ${SECONDS} s and drops frames instead of queueing them`, async () => {
    const frame = await photoI420(640, 360);
    const arrivals: number[] = [];
    client = await connectLiveClient({ baseUrl: server.url, frames: [frame], fps: CAMERA_FPS, onFrame: (_f, at) => void arrivals.push(at) });
    const started = performance.now();
    const samples: LiveSessionInfo['stats'][] = [];
    for (let t = 10; t <= SECONDS; t += 10) {
      await sleep(started + t * 1000 - performance.now());
      const { sessions } = await getJson<{ sessions: LiveSessionInfo[] }>(`${server.url}/api/live/sessions`);
      samples.push(sessions[0].stats);
    }
    const last = samples[samples.length - 1];
    // A queue would grow by ~(30 - 5) frames every second; the backlog here stays at most
    // one frame in flight plus one waiting.
    expect(last.received - last.processed - last.dropped - last.passedThrough).toBeLessThanOrEqual(2);
    expect(last.dropped).toBeGreaterThan(last.received * 0.5);
    expect(last.processed).toBeGreaterThan((SECONDS * 1000) / MODEL_MS / 3);
    // Latency over the recent frames is the same at 10, 20 and 30 s: about one model time plus
    // at most one camera frame interval of waiting (generous margin for a loaded 2-core machine).
    for (const s of samples) expect(s.latencyP95Ms).toBeLessThan(2 * MODEL_MS + 200);
    expect(samples[2].latencyMedianMs).toBeLessThan(samples[0].latencyMedianMs * 1.5 + 100);
    // Cartoon frames keep arriving through the last ten seconds.
    const lateFrames = arrivals.filter((at) => at > started + (SECONDS - 10) * 1000).length;
    expect(lateFrames).toBeGreaterThan(10);
    process.stdout.write(`slow model: ${JSON.stringify(samples)}\n`);
  }, (SECONDS + 30) * 1000);
});
