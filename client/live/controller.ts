import { openCamera, type Resolution } from './camera';
import { connectWebRtc } from './rtc';
import { FallbackError, LiveError, type Connection, type ServerMessage, type Settings, type TransportKind } from './types';
import { connectWebSocket } from './ws';

export type TransportChoice = 'auto' | TransportKind;

export interface ControllerView {
  readonly original: HTMLVideoElement;
  readonly cartoonVideo: HTMLVideoElement;
  readonly cartoonCanvas: HTMLCanvasElement;
  status(text: string, state: 'connecting' | 'live' | 'error' | 'stopped'): void;
  /** null clears the error. */
  error(message: string | null): void;
  transport(kind: TransportKind | null): void;
  server(msg: ServerMessage): void;
}

const RETRY_MS = [1000, 2000, 4000, 8000];
const BUSY_RETRY_MS = 10_000;

/**
 * Owns the camera and the connection: WebRTC first, the WebSocket when WebRTC cannot connect,
 * reconnecting with back-off when a connection is lost or the server is busy.
 */
export class LiveController {
  private camera: MediaStream | null = null;
  private connection: Connection | null = null;
  private retryTimer: number | undefined;
  private attempt = 0;
  private generation = 0;
  /** After WebRTC failed once, auto mode sticks to the WebSocket. */
  private webrtcFailed = false;
  framesShown = 0;

  constructor(
    private readonly view: ControllerView,
    private settings: Settings,
    private readonly choice: TransportChoice = 'auto',
  ) {
    // Frees the server session at once when the tab closes; the server would otherwise notice
    // only when frames stop arriving (its idle timeout).
    window.addEventListener('pagehide', () => {
      const session = this.connection?.session;
      if (session) void fetch(`/api/live/sessions/${encodeURIComponent(session)}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
      this.stop();
    });
  }

  get current(): Connection | null {
    return this.connection;
  }

  async start(deviceId: string | undefined, resolution: Resolution): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    this.view.status('Opening the camera…', 'connecting');
    try {
      const camera = await openCamera(deviceId, resolution);
      if (generation !== this.generation) {
        for (const t of camera.getTracks()) t.stop();
        return;
      }
      this.camera = camera;
      this.view.original.srcObject = new MediaStream(camera.getVideoTracks());
      await this.view.original.play().catch(() => undefined);
    } catch (error) {
      this.fail(error);
      return;
    }
    await this.connect(generation);
  }

  update(change: Partial<Settings>): void {
    this.settings = { ...this.settings, ...change };
    this.connection?.update(change);
  }

  stop(): void {
    this.generation++;
    window.clearTimeout(this.retryTimer);
    this.connection?.close();
    this.connection = null;
    for (const t of this.camera?.getTracks() ?? []) t.stop();
    this.camera = null;
    this.view.transport(null);
  }

  private async connect(generation: number): Promise<void> {
    const camera = this.camera;
    if (!camera || generation !== this.generation) return;
    this.view.status('Connecting to the server…', 'connecting');
    const events = {
      lost: (reason: string) => {
        if (generation !== this.generation) return;
        this.connection = null;
        this.retry(generation, new LiveError('unreachable', `Connection lost (${reason}).`));
      },
      message: (msg: ServerMessage) => this.view.server(msg),
      frame: () => {
        this.framesShown++;
      },
    };
    try {
      let connection: Connection | null = null;
      if (this.choice === 'webrtc' || (this.choice === 'auto' && !this.webrtcFailed)) {
        try {
          connection = await connectWebRtc(camera, this.view.cartoonVideo, this.settings, events);
        } catch (error) {
          if (!(error instanceof FallbackError) || this.choice === 'webrtc') throw error;
          this.webrtcFailed = true;
        }
      }
      if (generation !== this.generation) {
        connection?.close();
        return;
      }
      connection ??= await connectWebSocket(this.view.original, this.view.cartoonCanvas, this.settings, events);
      if (generation !== this.generation) {
        connection.close();
        return;
      }
      this.connection = connection;
      this.attempt = 0;
      this.view.transport(connection.kind);
      this.view.error(null);
      this.view.status(connection.kind === 'webrtc' ? 'Live over WebRTC' : `Live over WebSocket${this.webrtcFailed ? ' (WebRTC unavailable)' : ''}`, 'live');
    } catch (error) {
      this.retry(generation, error);
    }
  }

  private retry(generation: number, error: unknown): void {
    const e = error instanceof LiveError ? error : new LiveError('failed', `Could not connect: ${error instanceof Error ? error.message : String(error)}`);
    if (e.kind === 'no-model') {
      this.fail(e);
      return;
    }
    const delay = e.kind === 'busy' ? BUSY_RETRY_MS : RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt++;
    this.view.transport(null);
    this.view.error(`${sentence(e.message)} Retrying in ${Math.round(delay / 1000)} s…`);
    this.view.status('Reconnecting…', 'error');
    this.retryTimer = window.setTimeout(() => void this.connect(generation), delay);
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.view.error(message);
    this.view.status('Stopped', 'error');
  }
}

/** Server messages are lower-case fragments; shown to people they read as sentences. */
function sentence(text: string): string {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?…]$/.test(t) ? '' : '.'}`;
}
