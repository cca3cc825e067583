import { Gauge, type Registry } from 'prom-client';
import { counter, histogram } from '../metrics';
import type { LiveStats } from './live-stream';
import type { LiveSettings } from './settings';

/** whip: a publisher (OBS, GStreamer) sending to /whip; whep: a viewer pulling its cartoon from /whep. */
export type TransportKind = 'webrtc' | 'websocket' | 'whip' | 'whep';
const TRANSPORTS: readonly TransportKind[] = ['webrtc', 'websocket', 'whip', 'whep'];

/** One row of GET /api/live/sessions. */
export interface LiveSessionInfo {
  readonly id: string;
  readonly transport: TransportKind;
  readonly startedAt: string;
  readonly settings: LiveSettings;
  /** Size of the frames received last (0x0 before the first). */
  readonly width: number;
  readonly height: number;
  readonly stats: LiveStats;
  /** whip rows: WHEP viewers watching now. */
  readonly viewers?: number;
  /** whep rows: the WHIP publication watched (the row's settings and stats are its). */
  readonly publication?: string;
}

/** The parts of a session that its info row is made of (shared by both transports). */
export interface SessionState {
  readonly id: string;
  readonly transport: TransportKind;
  readonly startedAt: Date;
  readonly size: { readonly width: number; readonly height: number };
  readonly live: { readonly current: LiveSettings; stats(): LiveStats };
}

export function describeSession(s: SessionState): LiveSessionInfo {
  return {
    id: s.id,
    transport: s.transport,
    startedAt: s.startedAt.toISOString(),
    settings: s.live.current,
    width: s.size.width,
    height: s.size.height,
    stats: s.live.stats(),
  };
}

export interface LiveSession {
  readonly id: string;
  readonly transport: TransportKind;
  info(): LiveSessionInfo;
  /** Frees everything the session holds; idempotent. */
  close(reason: string): void;
}

export class BusyError extends Error {
  override readonly name = 'BusyError';
}

const STAT_KEYS = ['received', 'processed', 'passedThrough', 'dropped'] as const;

/** The live sessions of one server, their limit, and their metrics. */
export class SessionRegistry {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly ended;
  private readonly latency;

  constructor(
    readonly maxSessions: number,
    registry: Registry,
  ) {
    this.ended = counter(registry, 'toonstream_live_sessions_ended_total', 'Live sessions ended, by transport and reason', ['transport', 'reason']);
    this.latency = histogram(registry, 'toonstream_live_server_latency_seconds',
      'Server-added latency per live frame sent back (received → result ready)', ['transport'],
      [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2]);
    const sessions = this.sessions;
    replaceGauge(registry, 'toonstream_live_sessions', 'Live sessions open now', ['transport'], function collect(this: Gauge<'transport'>) {
      this.reset();
      for (const t of TRANSPORTS) this.set({ transport: t }, [...sessions.values()].filter((s) => s.transport === t).length);
    });
    replaceGauge(registry, 'toonstream_live_stream_frames', 'Frames of each open live session so far, by outcome',
      ['session', 'transport', 'outcome'], function collect(this: Gauge<'session' | 'transport' | 'outcome'>) {
        this.reset();
        for (const s of sessions.values()) {
          const { stats } = s.info();
          for (const key of STAT_KEYS) this.set({ session: s.id, transport: s.transport, outcome: key }, stats[key]);
        }
      });
    replaceGauge(registry, 'toonstream_live_stream_latency_seconds', 'Server-added latency of each open live session over recent frames',
      ['session', 'transport', 'quantile'], function collect(this: Gauge<'session' | 'transport' | 'quantile'>) {
        this.reset();
        for (const s of sessions.values()) {
          const { stats } = s.info();
          this.set({ session: s.id, transport: s.transport, quantile: '0.5' }, stats.latencyMedianMs / 1000);
          this.set({ session: s.id, transport: s.transport, quantile: '0.95' }, stats.latencyP95Ms / 1000);
        }
      });
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Throws BusyError when the server already holds maxSessions. */
  reserve(): void {
    if (this.sessions.size >= this.maxSessions) {
      throw new BusyError(`the server is busy (${this.maxSessions} live sessions); try again in a minute`);
    }
  }

  add(session: LiveSession): void {
    this.reserve();
    this.sessions.set(session.id, session);
  }

  remove(session: LiveSession, reason: string): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.ended.inc({ transport: session.transport, reason });
  }

  observeLatency(transport: TransportKind, ms: number): void {
    this.latency.observe({ transport }, ms / 1000);
  }

  get(id: string): LiveSession | undefined {
    return this.sessions.get(id);
  }

  list(): LiveSessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  closeAll(reason: string): void {
    for (const s of [...this.sessions.values()]) s.close(reason);
  }
}

/** Gauges read the live sessions at scrape time; a re-created server replaces the old collector. */
function replaceGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], collect: (this: Gauge<L>) => void): void {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  new Gauge<L>({ name, help, labelNames, registers: [registry], collect });
}
