// The /ws/live binary protocol (docs/PROTOCOL.md). Shared by the server and the browser client,
// so it uses only DataView and Uint8Array.

export const PROTOCOL_VERSION = 1;

export const MessageType = { frame: 1, result: 2, dropped: 3 } as const;
export const ImageFormat = { jpeg: 1, webp: 2 } as const;
export type ImageFormatCode = (typeof ImageFormat)[keyof typeof ImageFormat];

export const CLIENT_HEADER_BYTES = 16;
export const SERVER_HEADER_BYTES = 24;
export const FLAG_PASSTHROUGH = 1;

/** Client → server: one camera frame. */
export interface ClientFrame {
  readonly format: ImageFormatCode;
  /** Chosen by the client, echoed back; wraps at 2^32. */
  readonly frameId: number;
  /** Client clock (e.g. performance.now()), ms; echoed back untouched. */
  readonly clientTimestampMs: number;
  readonly image: Uint8Array;
}

/** Server → client: the cartoon (or passthrough) image for a frame, or a note that it was dropped. */
export interface ServerFrame {
  readonly type: typeof MessageType.result | typeof MessageType.dropped;
  readonly format: ImageFormatCode;
  readonly passthrough: boolean;
  readonly frameId: number;
  readonly clientTimestampMs: number;
  /** Frame received → cartoon ready (queueing, inference, post-processing), ms. */
  readonly processMs: number;
  /** Decoding the client's image + encoding the answer, ms. */
  readonly codecMs: number;
  /** Empty for `dropped`. */
  readonly image: Uint8Array;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

function isFormat(code: number): code is ImageFormatCode {
  return code === ImageFormat.jpeg || code === ImageFormat.webp;
}

export function encodeClientFrame(f: ClientFrame): Uint8Array {
  const out = new Uint8Array(CLIENT_HEADER_BYTES + f.image.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, MessageType.frame);
  view.setUint8(1, f.format);
  view.setUint16(2, PROTOCOL_VERSION);
  view.setUint32(4, f.frameId >>> 0);
  view.setFloat64(8, f.clientTimestampMs);
  out.set(f.image, CLIENT_HEADER_BYTES);
  return out;
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  if (bytes.length < CLIENT_HEADER_BYTES) throw new ProtocolError(`frame message shorter than its ${CLIENT_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== MessageType.frame) throw new ProtocolError(`unknown message type ${view.getUint8(0)}`);
  const format = view.getUint8(1);
  if (!isFormat(format)) throw new ProtocolError(`unknown image format ${format} (1 = JPEG, 2 = WebP)`);
  const version = view.getUint16(2);
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${version} is not supported (server speaks ${PROTOCOL_VERSION})`);
  return {
    format,
    frameId: view.getUint32(4),
    clientTimestampMs: view.getFloat64(8),
    image: bytes.subarray(CLIENT_HEADER_BYTES),
  };
}

export function encodeServerFrame(f: ServerFrame): Uint8Array {
  const out = new Uint8Array(SERVER_HEADER_BYTES + f.image.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, f.type);
  view.setUint8(1, f.format);
  view.setUint16(2, f.passthrough ? FLAG_PASSTHROUGH : 0);
  view.setUint32(4, f.frameId >>> 0);
  view.setFloat64(8, f.clientTimestampMs);
  view.setFloat32(16, f.processMs);
  view.setFloat32(20, f.codecMs);
  out.set(f.image, SERVER_HEADER_BYTES);
  return out;
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  if (bytes.length < SERVER_HEADER_BYTES) throw new ProtocolError(`server message shorter than its ${SERVER_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  if (type !== MessageType.result && type !== MessageType.dropped) throw new ProtocolError(`unknown message type ${type}`);
  const format = view.getUint8(1);
  if (!isFormat(format)) throw new ProtocolError(`unknown image format ${format}`);
  return {
    type,
    format,
    passthrough: (view.getUint16(2) & FLAG_PASSTHROUGH) !== 0,
    frameId: view.getUint32(4),
    clientTimestampMs: view.getFloat64(8),
    processMs: view.getFloat32(16),
    codecMs: view.getFloat32(20),
    image: bytes.subarray(SERVER_HEADER_BYTES),
  };
}

/** JSON text messages, both directions. */
export type ServerControl =
  | { readonly type: 'hello'; readonly session: string; readonly protocol: number; readonly maxInFlight: number; readonly settings: LiveSettingsShape }
  | { readonly type: 'settings'; readonly settings: LiveSettingsShape }
  | { readonly type: 'stats'; readonly stats: Readonly<Record<string, number>> }
  | { readonly type: 'error'; readonly error: string; readonly code?: 'busy' | 'protocol' | 'settings' | 'idle' };

export interface LiveSettingsShape {
  readonly model: string;
  readonly strength: number;
  readonly passthrough: boolean;
}
