import type { WebSocket } from 'ws';
import type { Frame } from '../../engine/types';
import type { Logger } from '../../logging';
import type { Pipeline } from '../../pipeline';
import type { LiveConfig } from '../config';
import { LiveStream, liveStreamBase, type LiveResult } from '../live-stream';
import { describeSession, type LiveSession, type LiveSessionInfo, type SessionRegistry } from '../sessions';
import { parseControl, SettingsError, type LiveSettings } from '../settings';
import { decodeImage, encodeImage } from './codec';
import { decodeClientFrame, encodeServerFrame, MessageType, ProtocolError, PROTOCOL_VERSION, type ClientFrame, type ServerControl } from './protocol';

export interface WsDeps {
  readonly pipeline: Pipeline;
  readonly sessions: SessionRegistry;
  readonly config: LiveConfig;
  readonly hasModel: (name: string) => boolean;
  readonly logger: Logger;
}

/** A received frame and what its decoding cost. */
interface Incoming {
  readonly frame: ClientFrame;
  decodeMs: number;
}

const STATS_INTERVAL_MS = 1000;
/** Results are dropped rather than queued behind a slow client connection. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const CLOSE_IDLE = 4408;

/** One /ws/live client: JPEG/WebP frames in, cartoon frames out in the same format. */
export class WsSession implements LiveSession {
  readonly transport = 'websocket' as const;
  private readonly live: LiveStream<Incoming>;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private lastFrameAt = performance.now();
  private size = { width: 0, height: 0 };
  private sendTail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    settings: LiveSettings,
    private readonly deps: WsDeps,
  ) {
    this.live = new LiveStream<Incoming>({
      id: `ws-${id}`,
      ...liveStreamBase(deps.pipeline, deps.config),
      settings,
      toRgb: (input) => this.decode(input),
      onResult: (r) => this.reply(r),
      onError: (error) => this.control({ type: 'error', code: 'protocol', error: `could not decode frame: ${(error as Error).message}` }),
    });
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('close', () => this.close('peer left'));
    socket.on('error', () => this.close('socket error'));
    this.timer = setInterval(() => this.tick(), STATS_INTERVAL_MS);
    this.control({ type: 'hello', session: id, protocol: PROTOCOL_VERSION, maxInFlight: deps.config.wsMaxInFlight, settings });
  }

  info(): LiveSessionInfo {
    return describeSession({ id: this.id, transport: this.transport, startedAt: this.startedAt, size: this.size, live: this.live });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.live.close();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(reason === 'no frames' ? CLOSE_IDLE : 1000, reason);
    this.deps.sessions.remove(this, reason);
    this.deps.logger.info({ session: this.id, reason, stats: this.live.stats() }, 'websocket session closed');
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) {
      try {
        this.control({ type: 'settings', settings: this.live.apply(parseControl(data.toString('utf8'), this.deps.hasModel)) });
      } catch (error) {
        this.control({ type: 'error', code: 'settings', error: error instanceof SettingsError ? error.message : 'could not apply the settings' });
      }
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      this.control({ type: 'error', code: 'protocol', error: error instanceof ProtocolError ? error.message : 'bad frame message' });
      return;
    }
    this.lastFrameAt = performance.now();
    this.live.push({ frame, decodeMs: 0 });
  }

  private async decode(input: Incoming): Promise<Frame> {
    const t = performance.now();
    const rgb = await decodeImage(input.frame.image, this.deps.config.maxSide);
    input.decodeMs = performance.now() - t;
    this.size = { width: rgb.width, height: rgb.height };
    return rgb;
  }

  private reply(result: LiveResult<Incoming>): void {
    if (this.closed) return;
    const { frame } = result.input;
    const header = { format: frame.format, frameId: frame.frameId, clientTimestampMs: frame.clientTimestampMs };
    const dropped = encodeServerFrame({ ...header, type: MessageType.dropped, passthrough: false, processMs: 0, codecMs: 0, image: new Uint8Array(0) });
    let out: Promise<Uint8Array>;
    if (result.kind === 'dropped' || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      out = Promise.resolve(dropped);
    } else {
      this.deps.sessions.observeLatency(this.transport, result.doneAt - result.receivedAt);
      const processMs = result.doneAt - result.receivedAt - result.input.decodeMs;
      const t = performance.now();
      const image = result.kind === 'passthrough' ? Promise.resolve(frame.image) : encodeImage(result.frame, frame.format);
      out = image.then(
        (bytes) => encodeServerFrame({ ...header, type: MessageType.result, passthrough: result.kind === 'passthrough', processMs, codecMs: result.input.decodeMs + performance.now() - t, image: bytes }),
        () => dropped,
      );
    }
    // Encodes may finish out of order; answers leave in order.
    this.sendTail = Promise.all([out, this.sendTail]).then(([bytes]) => {
      if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(bytes);
    });
  }

  private control(message: ServerControl): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private tick(): void {
    if (performance.now() - this.lastFrameAt > this.deps.config.idleTimeoutS * 1000) {
      this.control({ type: 'error', code: 'idle', error: `no frames for ${this.deps.config.idleTimeoutS} s` });
      this.close('no frames');
      return;
    }
    this.control({ type: 'stats', stats: { ...this.live.stats() } });
  }
}
