import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ServerContext } from '../../src/http/context';
import { createLiveRoutes, loadLiveConfig, type LiveSessionInfo } from '../../src/transport';
import { collectWrtcGarbage, connectLiveClient, waitFor, type LiveClient } from './live-client';
import { panI420Frames } from './photo';
import { pipelineModel } from './pipeline-common';
import { ms } from './stats';
import type { BenchSection } from './types';

const WIDTH = 640;
const HEIGHT = 360;
const CAMERA_FPS = 30;
const CLIENT_COUNTS = (process.env.LIVE_BENCH_CLIENTS ?? '1,2,4').split(',').map(Number);
const WARMUP_S = 4;
const MEASURE_S = Number(process.env.LIVE_BENCH_SECONDS ?? 12);

interface ClientRow {
  readonly clients: number;
  readonly client: number;
  readonly deliveredFps: number;
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  readonly droppedPct: number;
}

/**
 * N simulated webcams over real WebRTC (@roamhq/wrtc in this process as the browser) against
 * the live plugin on 127.0.0.1: delivered cartoon fps per client and server-added latency
 * (sink frame in → cartoon frame out, measured by the server per session).
 */
export const liveSection: BenchSection = {
  name: 'live',
  description: `N = ${CLIENT_COUNTS.join(', ')} WebRTC clients at ${WIDTH}x${HEIGHT} ${CAMERA_FPS} fps: delivered fps, server-added latency`,
  async run(ctx) {
    const model = pipelineModel(ctx);
    const frames = await panI420Frames(WIDTH, HEIGHT, CAMERA_FPS);
    const registry = new Registry();
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const app = Fastify({ loggerInstance: logger });
    const serverCtx: ServerContext = { config: ctx.config, engine: ctx.engine, logger, registry };
    await app.register(createLiveRoutes({ config: { maxSessions: 16 } }), serverCtx);
    const { workingShortSide, pipelineDepth } = loadLiveConfig();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const rows: ClientRow[] = [];
    try {
      for (const n of CLIENT_COUNTS) {
        ctx.log(`live: ${n} client(s), ${model}, ${WARMUP_S + MEASURE_S} s`);
        const clients: LiveClient[] = [];
        try {
          for (let i = 0; i < n; i++) clients.push(await connectLiveClient({ baseUrl: url, frames, fps: CAMERA_FPS, model }));
          await waitFor(() => clients.every((c) => c.received() > 0), 30_000, 'first cartoon frames');
          await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
          const before = clients.map((c) => c.received());
          const statsBefore = await sessionStats(url);
          const t0 = performance.now();
          await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
          const seconds = (performance.now() - t0) / 1000;
          const statsAfter = await sessionStats(url);
          clients.forEach((c, i) => {
            const a = statsAfter.get(c.session);
            const b = statsBefore.get(c.session);
            const received = (a?.received ?? 0) - (b?.received ?? 0);
            const dropped = (a?.dropped ?? 0) - (b?.dropped ?? 0);
            rows.push({
              clients: n,
              client: i + 1,
              deliveredFps: (c.received() - before[i]) / seconds,
              latencyMedianMs: a?.latencyMedianMs ?? NaN,
              latencyP95Ms: a?.latencyP95Ms ?? NaN,
              droppedPct: received > 0 ? (100 * dropped) / received : NaN,
            });
          });
        } finally {
          for (const c of clients) c.close();
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
    } finally {
      await app.close();
      await collectWrtcGarbage();
      // Whatever native WebRTC objects survive collection would crash the process in N-API's
      // cleanup after main() returns; ending from the 'exit' event skips that cleanup (the
      // report is written by then).
      process.once('exit', (code) => process.exit(code));
    }
    const goal = rows.find((r) => r.clients === 1);
    return {
      title: `Live WebRTC (${model}, ${WIDTH}x${HEIGHT} camera at ${CAMERA_FPS} fps, ${MEASURE_S} s measured per N; working size ${workingShortSide || 'from the card'}, pipeline depth ${pipelineDepth})`,
      columns: ['clients', 'client', 'delivered fps', 'server-added latency median ms', 'p95 ms', 'dropped %'],
      rows: rows.map((r) => [String(r.clients), String(r.client), r.deliveredFps.toFixed(1), ms(r.latencyMedianMs), ms(r.latencyP95Ms), r.droppedPct.toFixed(0)]),
      notes: [
        'server-added latency = frame out of the RTCVideoSink → cartoon frame handed to the RTCVideoSource, over the last 300 frames (server-side, per session)',
        'clients and server share this machine; WebRTC encoding/decoding of all clients competes with inference',
        goal ? `goal N=1: >= 20 fps and median <= 100 ms: ${goal.deliveredFps >= 20 && goal.latencyMedianMs <= 100 ? 'met' : 'NOT met'} on this run` : '',
      ].filter((n) => n !== ''),
      data: { model, workingShortSide, pipelineDepth, rows },
    };
  },
};

async function sessionStats(url: string): Promise<Map<string, LiveSessionInfo['stats']>> {
  const res = await fetch(`${url}/api/live/sessions`);
  const body = (await res.json()) as { sessions: LiveSessionInfo[] };
  return new Map(body.sessions.map((s) => [s.id, s.stats]));
}
