import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ServerContext } from '../../src/http/context';
import { createLiveRoutes, loadLiveConfig, type LiveSessionInfo } from '../../src/transport';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { readTag, tagFrame } from './frame-tag';
import { collectWrtcGarbage, waitFor } from './live-client';
import { panI420Frames } from './photo';
import { pipelineModel } from './pipeline-common';
import { ms, summarize } from './stats';
import type { BenchSection } from './types';
import { playWhep, publishWhip, type WhepPlayer } from './whip-client';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;
const WARMUP_S = 4;
const MEASURE_S = Number(process.env.WHIP_BENCH_SECONDS ?? 12);
const VIEWERS = (process.env.WHIP_BENCH_VIEWERS ?? '1,3').split(',').map(Number);
const TOKEN = 'bench';

interface Row {
  readonly mode: string;
  readonly viewers: number;
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  readonly serverMedianMs: number;
  readonly serverP95Ms: number;
  readonly deliveredFps: number;
  readonly tagged: number;
}

/**
 * One WHIP publisher and N WHEP viewers over real WebRTC (@roamhq/wrtc in this process on both
 * ends) against the live plugin on 127.0.0.1. Each sent frame carries its number as blocks in
 * the picture; a viewer reads it back from the cartoon, so the latency is per frame, glass to
 * glass minus capture and display: publisher encode, server decode, cartoonize, server encode
 * (per viewer), viewer decode. Passthrough is the same route without inference.
 */
export const whipSection: BenchSection = {
  name: 'whip',
  description: `WHIP publisher → WHEP viewers (${VIEWERS.join(', ')}) at ${WIDTH}x${HEIGHT} ${FPS} fps: per-frame route latency, fps`,
  async run(ctx) {
    const model = pipelineModel(ctx);
    const frames = await panI420Frames(WIDTH, HEIGHT, FPS);
    const registry = new Registry();
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const app = Fastify({ loggerInstance: logger });
    const serverCtx: ServerContext = { config: ctx.config, engine: ctx.engine, logger, registry };
    await app.register(createLiveRoutes({ config: { maxSessions: 16, whipToken: TOKEN, whipTokenGenerated: false } }), serverCtx);
    const { workingShortSide, pipelineDepth } = loadLiveConfig();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const rows: Row[] = [];
    try {
      for (const mode of ['cartoon', 'passthrough'] as const) {
        for (const n of VIEWERS) {
          ctx.log(`whip: ${mode}, 1 publisher, ${n} viewer(s), ${model}, ${WARMUP_S + MEASURE_S} s`);
          rows.push(await measure(baseUrl, frames, model, mode, n));
          await new Promise((r) => setTimeout(r, 1500));
        }
      }
    } finally {
      await app.close();
      await collectWrtcGarbage();
      // As in the live section: native WebRTC objects alive at exit crash N-API's cleanup.
      process.once('exit', (code) => process.exit(code));
    }
    return {
      title: `WHIP → WHEP route (${model}, ${WIDTH}x${HEIGHT} at ${FPS} fps, VP8 both ways, ${MEASURE_S} s measured; working size ${workingShortSide || 'from the card'}, pipeline depth ${pipelineDepth})`,
      columns: ['mode', 'viewers', 'route latency median ms', 'p95 ms', 'server-added median ms', 'p95 ms', 'fps per viewer', 'frames matched'],
      rows: rows.map((r) => [r.mode, String(r.viewers), ms(r.latencyMedianMs), ms(r.latencyP95Ms), ms(r.serverMedianMs), ms(r.serverP95Ms), r.deliveredFps.toFixed(1), String(r.tagged)]),
      notes: [
        'route latency = frame handed to the publisher RTCVideoSource → same frame out of a viewer RTCVideoSink (frame number read from blocks in the picture), all viewers pooled',
        'server-added = publication frame out of its RTCVideoSink → cartoon ready for the shared RTCVideoSource (server-side, last 300 frames)',
        'publisher, server and viewers share this machine; every VP8 encode and decode competes with inference',
      ],
      data: { model, workingShortSide, pipelineDepth, rows },
    };
  },
};

async function measure(baseUrl: string, frames: readonly I420Frame[], model: string, mode: 'cartoon' | 'passthrough', viewers: number): Promise<Row> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let measuring = false;
  const publisher = await publishWhip({
    baseUrl,
    token: TOKEN,
    fps: FPS,
    query: `model=${encodeURIComponent(model)}${mode === 'passthrough' ? '&passthrough=true' : ''}`,
    frame: (n) => tagFrame(frames[n % frames.length], n),
    onSent: (n, at) => {
      sentAt.set(n & 4095, at);
      sentAt.delete((n - 2048) & 4095);
    },
  });
  const players: WhepPlayer[] = [];
  try {
    for (let i = 0; i < viewers; i++) {
      players.push(
        await playWhep({
          baseUrl,
          token: TOKEN,
          path: `/whep/${publisher.id}`,
          onFrame: (frame, at) => {
            if (!measuring) return;
            const n = readTag(frame);
            const sent = n === null ? undefined : sentAt.get(n);
            if (sent !== undefined) latencies.push(at - sent);
          },
        }),
      );
    }
    await waitFor(() => players.every((p) => p.received() > 0), 30_000, 'first cartoon frames');
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const before = players.map((p) => p.received());
    measuring = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const delivered = players.reduce((sum, p, i) => sum + p.received() - before[i], 0) / viewers / seconds;
    const server = await publicationStats(baseUrl, publisher.id);
    const s = summarize(latencies);
    return {
      mode,
      viewers,
      latencyMedianMs: s.median,
      latencyP95Ms: s.p95,
      serverMedianMs: server?.latencyMedianMs ?? NaN,
      serverP95Ms: server?.latencyP95Ms ?? NaN,
      deliveredFps: delivered,
      tagged: latencies.length,
    };
  } finally {
    for (const p of players) p.close();
    await publisher.stop().catch(() => publisher.close());
  }
}

async function publicationStats(url: string, id: string): Promise<LiveSessionInfo['stats'] | undefined> {
  const res = await fetch(`${url}/api/live/sessions`);
  const body = (await res.json()) as { sessions: LiveSessionInfo[] };
  return body.sessions.find((s) => s.id === id)?.stats;
}
