import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import type { Frame } from '../engine/types';
import { i420ToRgb } from '../transport/webrtc/color';
import { iceGatheringComplete } from '../transport/webrtc/ice';
import { nonstandard, RTCPeerConnection, type I420Frame, type PeerConnection } from '../transport/webrtc/wrtc';
import { sleep, type CartoonFrame, type Processor, type ProcessorStats } from './processor';
import { CameraError, type RawFrame, type Size } from './types';

type VideoSink = InstanceType<typeof nonstandard.RTCVideoSink>;
type Track = ConstructorParameters<typeof nonstandard.RTCVideoSink>[0];
type DataChannel = ReturnType<PeerConnection['createDataChannel']>;

export interface RemoteProcessorOptions {
  /** The server's base URL (http://host:8080). */
  readonly server: string;
  readonly token?: string;
  readonly model?: string;
  readonly strength?: number;
  /** Output size: cartoons that come back smaller (WebRTC adapts the resolution) are scaled to it. */
  readonly size: Size;
  readonly onCartoon: (cartoon: CartoonFrame) => void;
  readonly onError?: (error: unknown) => void;
  readonly connectTimeoutMs?: number;
}

interface ServerStats {
  readonly latencyMedianMs?: number;
  readonly dropped?: number;
}

const QUIET_MS = 500;
const DRAIN_TIMEOUT_MS = 3000;

/** The answer's error for people: the server's JSON {"error"} when there is one. */
async function refusal(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/**
 * A WebRTC client of a toonstream server (POST /api/webrtc/offer): publishes the source frames
 * from an RTCVideoSource, takes the cartoon track back through an RTCVideoSink. The server does
 * the newest-frame-wins dropping; its stats arrive on the "control" data channel.
 */
export class RemoteProcessor implements Processor {
  readonly pixelFormat = 'yuv420p' as const;
  private readonly pc: PeerConnection;
  private readonly source = new nonstandard.RTCVideoSource();
  private readonly track: Track;
  private readonly channel: DataChannel;
  private sink: VideoSink | undefined;
  private serverStats: ServerStats = {};
  private lastCartoonAt = 0;
  private deliverTail: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: RemoteProcessorOptions) {
    this.pc = new RTCPeerConnection({ iceServers: [] });
    this.track = this.source.createTrack();
    this.pc.addTrack(this.track);
    this.channel = this.pc.createDataChannel('control');
    this.channel.onmessage = (event: { data: string }) => {
      try {
        const msg = JSON.parse(event.data) as { type?: string; stats?: ServerStats };
        if (msg.type === 'stats' && msg.stats) this.serverStats = msg.stats;
      } catch {
        // not for us
      }
    };
    this.pc.ontrack = (event) => {
      if (event.track.kind !== 'video') return;
      this.sink = new nonstandard.RTCVideoSink(event.track);
      this.sink.onframe = ({ frame }: { frame: I420Frame }) => this.receive(frame);
    };
  }

  /** Negotiates with the server and waits until the peers are connected; throws CameraError readably. */
  static async connect(options: RemoteProcessorOptions): Promise<RemoteProcessor> {
    const remote = new RemoteProcessor(options);
    try {
      await remote.negotiate();
      return remote;
    } catch (error) {
      await remote.close();
      throw error;
    }
  }

  push(frame: RawFrame): void {
    if (!this.closed) this.source.onFrame({ width: frame.width, height: frame.height, data: frame.data });
  }

  async drain(): Promise<void> {
    const until = performance.now() + DRAIN_TIMEOUT_MS;
    const started = performance.now();
    while (performance.now() < until && performance.now() - Math.max(this.lastCartoonAt, started) < QUIET_MS) await sleep(20);
    await this.deliverTail;
  }

  stats(): ProcessorStats {
    return { dropped: this.serverStats.dropped ?? 0, serverLatencyMedianMs: this.serverStats.latencyMedianMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink?.stop();
    this.track.stop();
    try {
      this.channel.close();
    } catch {
      // already closed
    }
    this.pc.close();
    await this.deliverTail;
  }

  private async negotiate(): Promise<void> {
    const { server, token, model, strength } = this.options;
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await iceGatheringComplete(this.pc, 5000);
    const url = `${server}/api/webrtc/offer`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ type: 'offer', sdp: this.pc.localDescription?.sdp, model, strength }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CameraError(`cannot reach ${server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    if (!res.ok) throw new CameraError(`${server} refused the stream: ${await refusal(res)}`);
    const body = (await res.json()) as { sdp?: unknown };
    if (typeof body.sdp !== 'string') throw new CameraError(`${server} answered without an SDP answer: is it a toonstream server?`);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });
    await this.connected(this.options.connectTimeoutMs ?? 10_000);
  }

  private connected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new CameraError(`no WebRTC connection to ${this.options.server} (${why}): UDP between this machine and the server must be open`));
      };
      const timer = setTimeout(() => fail(`not connected after ${timeoutMs / 1000} s`), timeoutMs);
      const check = (): void => {
        const state = this.pc.connectionState;
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (state === 'failed' || state === 'closed') fail(`connection ${state}`);
      };
      this.pc.onconnectionstatechange = check;
      check();
    });
  }

  private receive(i420: I420Frame): void {
    if (this.closed) return;
    this.lastCartoonAt = performance.now();
    const work = this.toOutput(i420);
    // Conversions may finish out of order; cartoons are delivered in order.
    this.deliverTail = Promise.all([work, this.deliverTail]).then(
      ([frame]) => {
        if (!this.closed) this.options.onCartoon({ frame, readAt: NaN });
      },
      (error: unknown) => this.options.onError?.(error),
    );
  }

  private async toOutput(i420: I420Frame): Promise<Frame> {
    const rgb = await i420ToRgb(i420);
    const { width, height } = this.options.size;
    if (rgb.width === width && rgb.height === height) return rgb;
    const data = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
  }
}

/**
 * @roamhq/wrtc 0.10 crashes the process at exit (SIGSEGV in N-API cleanup) while a video source
 * is still alive; once collected, exit is clean (see scripts/bench/live-client.ts). Call when
 * every RemoteProcessor is closed and dropped. Whatever survives collection would still crash
 * N-API's cleanup after the last callback: leaving from the 'exit' event skips that cleanup.
 */
export async function releaseWebRtc(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 4; i++) {
    await sleep(20);
    gc();
  }
  await sleep(20);
  process.once('exit', (code) => process.exit(code));
}
