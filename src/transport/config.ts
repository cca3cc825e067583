import { randomBytes } from 'node:crypto';
import { parseIntInRange } from '../config/parse';
import { ConfigError } from '../config/types';

/** One STUN/TURN server, as RTCPeerConnection takes it. */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface LiveConfig {
  /** Given to the server peer; empty = host candidates only (same host or LAN). */
  readonly iceServers: readonly IceServer[];
  /** Live sessions (WebRTC + WebSocket) at once; more get 503 "server busy". */
  readonly maxSessions: number;
  /** A session that receives no frame for this long is closed, seconds. */
  readonly idleTimeoutS: number;
  /** WebSocket: frames a client may have in flight before older ones are dropped. */
  readonly wsMaxInFlight: number;
  /**
   * Frames of one session between arrival and result at once. 1 gives the lowest latency (the
   * frame processed next is always the newest one); 2 overlaps resizing and post-processing
   * with the next inference, for more fps at the cost of up to one more model time of latency.
   */
  readonly pipelineDepth: number;
  /** Frames older than this when their batch forms are dropped, ms. */
  readonly deadlineMs: number;
  /** Largest live frame side accepted (px); bigger frames are scaled down. */
  readonly maxSide: number;
  /**
   * Short side (px) live frames are cartoonized at; 0 = the model card's working size. Smaller
   * is faster (compute scales with the pixel count) and softer; the output keeps the camera size.
   */
  readonly workingShortSide: number;
  /** Longest time the offer handler waits for ICE gathering, ms. */
  readonly iceGatheringTimeoutMs: number;
  /** Bearer token required by /whip and /whep (POST, PATCH, DELETE). */
  readonly whipToken: string;
  /** True when TOONSTREAM_WHIP_TOKEN was unset and whipToken was made up for this process. */
  readonly whipTokenGenerated: boolean;
}

export const LIVE_DEFAULTS = {
  maxSessions: 8,
  idleTimeoutS: 10,
  wsMaxInFlight: 2,
  pipelineDepth: 1,
  deadlineMs: 250,
  maxSide: 1280,
  workingShortSide: 0,
  iceGatheringTimeoutMs: 5000,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * TOONSTREAM_ICE_SERVERS is either a JSON array of RTCIceServer objects or a comma-separated
 * list of URLs ("stun:stun.example.org:3478,turn:user:pass@turn.example.org" is not parsed:
 * TURN needs credentials, so give JSON for TURN).
 */
export function parseIceServers(raw: string): IceServer[] {
  const text = raw.trim();
  if (text === '') return [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError('TOONSTREAM_ICE_SERVERS is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new ConfigError('TOONSTREAM_ICE_SERVERS must be a JSON array');
    return parsed.map((entry: unknown, i) => iceServer(entry, i));
  }
  return text.split(',').map((url, i) => iceServer({ urls: url.trim() }, i));
}

function iceServer(entry: unknown, i: number): IceServer {
  const e = entry as Partial<Record<'urls' | 'username' | 'credential', unknown>> | null;
  const urls = e?.urls;
  const list = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : [];
  if (list.length === 0 || !list.every((u) => typeof u === 'string' && /^(stun|stuns|turn|turns):/.test(u))) {
    throw new ConfigError(`TOONSTREAM_ICE_SERVERS entry ${i + 1} needs "urls" starting with stun:, stuns:, turn: or turns:`);
  }
  const out: { urls: string | string[]; username?: string; credential?: string } = { urls: urls as string | string[] };
  if (typeof e?.username === 'string') out.username = e.username;
  if (typeof e?.credential === 'string') out.credential = e.credential;
  return out;
}

let generatedToken: string | null = null;

/**
 * TOONSTREAM_WHIP_TOKEN, or a random token made once per process, so WHIP/WHEP auth is never
 * off and every reader (the live plugin, `toonstream serve`) sees the same value.
 */
export function resolveWhipToken(env: Env = process.env): { readonly token: string; readonly generated: boolean } {
  const configured = env.TOONSTREAM_WHIP_TOKEN?.trim();
  if (configured) {
    if (!/^[\x21-\x7e]+$/.test(configured)) throw new ConfigError('TOONSTREAM_WHIP_TOKEN must be printable ASCII without spaces');
    return { token: configured, generated: false };
  }
  generatedToken ??= randomBytes(24).toString('base64url');
  return { token: generatedToken, generated: true };
}

/** Reads the live-webcam settings from the environment (README, "Live webcam"). */
export function loadLiveConfig(env: Env = process.env): LiveConfig {
  const v = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const int = (name: string, d: number, min: number, max: number): number => {
    const raw = v(name);
    return raw === undefined ? d : parseIntInRange(name, raw, min, max);
  };
  const whip = resolveWhipToken(env);
  return {
    iceServers: parseIceServers(v('TOONSTREAM_ICE_SERVERS') ?? ''),
    maxSessions: int('TOONSTREAM_LIVE_MAX_SESSIONS', LIVE_DEFAULTS.maxSessions, 1, 1000),
    idleTimeoutS: int('TOONSTREAM_LIVE_IDLE_TIMEOUT', LIVE_DEFAULTS.idleTimeoutS, 1, 3600),
    wsMaxInFlight: int('TOONSTREAM_WS_MAX_IN_FLIGHT', LIVE_DEFAULTS.wsMaxInFlight, 1, 16),
    pipelineDepth: int('TOONSTREAM_LIVE_PIPELINE_DEPTH', LIVE_DEFAULTS.pipelineDepth, 1, 4),
    deadlineMs: int('TOONSTREAM_LIVE_DEADLINE_MS', LIVE_DEFAULTS.deadlineMs, 10, 60_000),
    maxSide: int('TOONSTREAM_LIVE_MAX_SIDE', LIVE_DEFAULTS.maxSide, 64, 4096),
    workingShortSide: int('TOONSTREAM_LIVE_WORKING_SIZE', LIVE_DEFAULTS.workingShortSide, 0, 2048),
    iceGatheringTimeoutMs: LIVE_DEFAULTS.iceGatheringTimeoutMs,
    whipToken: whip.token,
    whipTokenGenerated: whip.generated,
  };
}
