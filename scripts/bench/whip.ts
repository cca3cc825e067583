import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ServerContext } from '../../src/http/context';
import { createLiveRoutes, loadLiveConfig, type LiveSessionInfo } from '../../src/transport';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { readTag, tagFrame } from './frame-tag';
import { liveH264Video } from './h264-encoder';
import { publishH264 } from './h264-publisher';
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

type Mode = 'cartoon' | 'passthrough';
type PublisherKind = 'vp8' | 'h264';
const PUBLISHER_LABEL: Record<PublisherKind, string> = { vp8: 'VP8 publisher (libwebrtc)', h264: 'H.264 publisher (werift)' };

interface Row {
  readonly mode: Mode;
  readonly publisher: PublisherKind;
  readonly viewers: number;
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  readonly serverMedianMs: number;
  readonly serverP95Ms: number;
  readonly deliveredFps: number;
  readonly tagged: number;
}

/** What the section needs of either publisher. */
interface BenchPublisher {
  readonly id: string;
  stop(): Promise<number>;
  close(): void;
}

interface Run {
  readonly publisher: PublisherKind;
  readonly mode: Mode;
  readonly viewers: number;
}

/**
 * One WHIP publisher and N WHEP viewers over real WebRTC, in this process, against the live
 * plugin on 127.0.0.1. Each sent frame carries its number as blocks in the picture; a viewer
 * reads it back from the cartoon, so the latency is per frame, glass to glass minus capture and
 * display: publisher encode, server decode, cartoonize, server encode (per viewer), viewer
 * decode. Passthrough is the same route without inference. Viewers are @roamhq/wrtc peers
 * (VP8). Publishers:
 * - vp8: an @roamhq/wrtc peer (libwebrtc encodes), with each of WHIP_BENCH_VIEWERS viewers;
 * - h264: a werift peer sending what ffmpeg's libx264 encodes live, as OBS's x264 would (the
 *   server's werift + ffmpeg route), with 1 viewer: the viewers' side is the same as for vp8.
 * Environment: WHIP_BENCH_SECONDS (measured seconds per row, default 12), WHIP_BENCH_VIEWERS
 * (default 1,3), WHIP_BENCH_PUBLISHERS (default vp8,h264).
 */
export const whipSection: BenchSection = {
  name: 'whip',
  description: `WHIP publisher (VP8, H.264) → WHEP viewers (${VIEWERS.join(', ')}) at ${WIDTH}x${HEIGHT} ${FPS} fps: per-frame route latency, fps`,
  async run(ctx) {
    const publishers = publisherKinds(process.env.WHIP_BENCH_PUBLISHERS ?? 'vp8,h264');
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
      for (const run of benchRuns(publishers)) {
        ctx.log(`whip: ${run.mode}, ${PUBLISHER_LABEL[run.publisher]}, ${run.viewers} viewer(s), ${model}, ${WARMUP_S + MEASURE_S} s`);
        rows.push(await measure(baseUrl, frames, model, run, ctx.log));
        await new Promise((r) => setTimeout(r, 1500));
      }
    } finally {
      await app.close();
      await collectWrtcGarbage();
      // As in the live section: native WebRTC objects alive at exit crash N-API's cleanup.
      process.once('exit', (code) => process.exit(code));
    }
    return {
      title: `WHIP → WHEP route (${model}, ${WIDTH}x${HEIGHT} at ${FPS} fps, VP8 to the viewers, ${MEASURE_S} s measured; working size ${workingShortSide || 'from the card'}, pipeline depth ${pipelineDepth})`,
      columns: ['mode', 'viewers', 'route latency median ms', 'p95 ms', 'server-added median ms', 'p95 ms', 'fps per viewer', 'frames matched'],
      rows: rows.map((r) => [`${r.mode}, ${PUBLISHER_LABEL[r.publisher]}`, String(r.viewers), ms(r.latencyMedianMs), ms(r.latencyP95Ms), ms(r.serverMedianMs), ms(r.serverP95Ms), r.deliveredFps.toFixed(1), String(r.tagged)]),
      notes: [
        'route latency = frame handed to the publisher (VP8: its RTCVideoSource; H.264: the stdin of the ffmpeg that encodes it) → same frame out of a viewer RTCVideoSink (frame number read from blocks in the picture), all viewers pooled; either way the publisher\'s encoder is part of the route',
        'H.264 publisher: ffmpeg libx264 ultrafast, zerolatency, baseline, a keyframe a second; its FLV output cut into pictures and sent as RTP (RFC 6184) by werift; the server receives with werift and decodes with ffmpeg',
        'server-added = publication frame out of its ingest (RTCVideoSink, or the H.264 decoder) → cartoon ready for the shared RTCVideoSource (server-side, last 300 frames)',
        'publisher, server and viewers share this machine; every encode and decode competes with inference',
      ],
      data: { model, workingShortSide, pipelineDepth, rows },
    };
  },
};

function publisherKinds(list: string): PublisherKind[] {
  const kinds = list.split(',').map((s) => s.trim());
  const unknown = kinds.filter((k) => !Object.hasOwn(PUBLISHER_LABEL, k));
  if (unknown.length > 0) throw new Error(`WHIP_BENCH_PUBLISHERS: unknown ${unknown.join(', ')}; known: ${Object.keys(PUBLISHER_LABEL).join(', ')}`);
  return kinds as PublisherKind[];
}

function benchRuns(publishers: readonly PublisherKind[]): Run[] {
  const modes: Mode[] = ['cartoon', 'passthrough'];
  return publishers.flatMap((publisher) => modes.flatMap((mode) => (publisher === 'vp8' ? VIEWERS : [1]).map((viewers) => ({ publisher, mode, viewers }))));
}

interface PublishOptions {
  readonly baseUrl: string;
  readonly query: string;
  readonly frame: (n: number) => I420Frame;
  readonly onSent: (n: number, atMs: number) => void;
  readonly log: (line: string) => void;
}

function publish(kind: PublisherKind, { baseUrl, query, frame, onSent, log }: PublishOptions): Promise<BenchPublisher> {
  if (kind === 'vp8') return publishWhip({ baseUrl, token: TOKEN, fps: FPS, query, frame, onSent });
  const video = liveH264Video({ width: WIDTH, height: HEIGHT, fps: FPS, frame, onSent, failed: (reason) => log(`whip: ${reason}`) });
  return publishH264({ baseUrl, token: TOKEN, query, video });
}

async function measure(baseUrl: string, frames: readonly I420Frame[], model: string, run: Run, log: (line: string) => void): Promise<Row> {
  const { mode, viewers } = run;
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let measuring = false;
  const publisher = await publish(run.publisher, {
    baseUrl,
    query: `model=${encodeURIComponent(model)}${mode === 'passthrough' ? '&passthrough=true' : ''}`,
    frame: (n) => tagFrame(frames[n % frames.length], n),
    onSent: (n, at) => {
      sentAt.set(n & 4095, at);
      sentAt.delete((n - 2048) & 4095);
    },
    log,
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
      publisher: run.publisher,
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
