export type TransportKind = 'webrtc' | 'websocket';

export interface Settings {
  readonly model: string;
  readonly strength: number;
  readonly passthrough: boolean;
}

export interface ServerMessage {
  readonly type: 'hello' | 'settings' | 'stats' | 'error';
  readonly session?: string;
  readonly settings?: Settings;
  readonly stats?: { readonly latencyMedianMs?: number; readonly fps?: number; readonly dropped?: number };
  readonly error?: string;
  readonly code?: string;
  readonly maxInFlight?: number;
}

/** A running live connection, whichever transport carries it. */
export interface Connection {
  readonly kind: TransportKind;
  readonly session: string;
  /** Sends a settings change; the server applies it to the next frame. */
  update(change: Partial<Settings>): void;
  /** Frames shown per second and glass-to-glass latency (ms; null until known). */
  measure(): Promise<{ fps: number; latencyMs: number | null; estimated: boolean }>;
  close(): void;
}

export interface ConnectionEvents {
  /** The connection died after it was up. */
  lost(reason: string): void;
  message(msg: ServerMessage): void;
  /** A cartoon frame was shown. */
  frame(): void;
}

export type LiveErrorKind = 'camera-denied' | 'no-camera' | 'camera-busy' | 'busy' | 'no-model' | 'unreachable' | 'failed';

/** An error with a message meant for the person in front of the camera. */
export class LiveError extends Error {
  override readonly name = 'LiveError';
  constructor(
    readonly kind: LiveErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** WebRTC could not carry the stream here; the WebSocket transport should be tried. */
export class FallbackError extends Error {
  override readonly name = 'FallbackError';
}
