import { decodeServerFrame, encodeClientFrame, ImageFormat, MessageType } from '../../src/transport/ws/protocol';
import { LiveError, type Connection, type ConnectionEvents, type ServerMessage, type Settings } from './types';

const HELLO_TIMEOUT_MS = 5000;
const JPEG_QUALITY = 0.8;
const LATENCY_WINDOW = 30;

/**
 * The WebSocket transport: grabs camera frames onto a canvas, sends them as JPEG with at most
 * the server's K frames in flight (newer camera frames are skipped meanwhile), and paints the
 * cartoon JPEGs that come back onto `output`.
 */
export async function connectWebSocket(camera: HTMLVideoElement, output: HTMLCanvasElement, settings: Settings, events: ConnectionEvents): Promise<Connection> {
  const params = new URLSearchParams({ model: settings.model, strength: String(settings.strength), passthrough: String(settings.passthrough) });
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/live?${params}`);
  ws.binaryType = 'arraybuffer';
  const hello = await new Promise<ServerMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LiveError('unreachable', 'The server did not answer on the WebSocket.')), HELLO_TIMEOUT_MS);
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      const msg = JSON.parse(event.data) as ServerMessage;
      clearTimeout(timer);
      if (msg.type === 'hello') resolve(msg);
      else if (msg.code === 'busy') reject(new LiveError('busy', msg.error ?? 'The server is busy.'));
      else reject(new LiveError('failed', msg.error ?? 'The server refused the connection.'));
    };
    ws.onclose = () => {
      clearTimeout(timer);
      reject(new LiveError('unreachable', 'The server cannot be reached.'));
    };
  });

  const maxInFlight = hello.maxInFlight ?? 2;
  const grab = document.createElement('canvas');
  const ctx = output.getContext('2d')!;
  let inFlight = 0;
  let nextId = 1;
  let closed = false;
  let shown = 0;
  let painting: Promise<void> = Promise.resolve();
  const latencies: number[] = [];
  let fpsMark = { at: performance.now(), shown: 0 };

  const send = async (): Promise<void> => {
    if (closed || inFlight >= maxInFlight || ws.readyState !== WebSocket.OPEN || camera.videoWidth === 0) return;
    inFlight++;
    grab.width = camera.videoWidth;
    grab.height = camera.videoHeight;
    grab.getContext('2d')!.drawImage(camera, 0, 0);
    const at = performance.now();
    const blob = await new Promise<Blob | null>((r) => grab.toBlob(r, 'image/jpeg', JPEG_QUALITY));
    if (!blob || closed) {
      inFlight--;
      return;
    }
    const image = new Uint8Array(await blob.arrayBuffer());
    ws.send(encodeClientFrame({ format: ImageFormat.jpeg, frameId: nextId++, clientTimestampMs: at, image }));
  };

  const onResult = (data: ArrayBuffer): void => {
    const msg = decodeServerFrame(new Uint8Array(data));
    inFlight = Math.max(0, inFlight - 1);
    void send();
    if (msg.type !== MessageType.result) return;
    const blob = new Blob([msg.image.slice()], { type: msg.format === ImageFormat.webp ? 'image/webp' : 'image/jpeg' });
    // Paint in arrival order; decoding is asynchronous.
    const bitmap = createImageBitmap(blob);
    painting = painting.then(async () => {
      const bmp = await bitmap.catch(() => null);
      if (!bmp || closed) return;
      if (output.width !== bmp.width || output.height !== bmp.height) {
        output.width = bmp.width;
        output.height = bmp.height;
      }
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
      latencies.push(performance.now() - msg.clientTimestampMs);
      if (latencies.length > LATENCY_WINDOW) latencies.shift();
      shown++;
      events.frame();
    });
  };

  ws.onmessage = (event) => {
    if (typeof event.data === 'string') events.message(JSON.parse(event.data) as ServerMessage);
    else onResult(event.data as ArrayBuffer);
  };
  ws.onclose = (event) => {
    window.clearInterval(pump);
    if (closed) return;
    closed = true;
    events.lost(event.reason ? `the server closed the connection (${event.reason})` : 'the WebSocket connection was lost');
  };

  // Offers a frame at the camera's rate; it is sent only when a slot is free (newest wins).
  // A timer, not requestVideoFrameCallback: that stops firing while the original is hidden.
  const pump = window.setInterval(() => void send(), 1000 / 30);

  return {
    kind: 'websocket',
    session: hello.session ?? '',
    update(change) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'settings', ...change }));
    },
    async measure() {
      const now = performance.now();
      const fps = ((shown - fpsMark.shown) * 1000) / Math.max(1, now - fpsMark.at);
      fpsMark = { at: now, shown };
      const sorted = [...latencies].sort((a, b) => a - b);
      return { fps, latencyMs: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null, estimated: false };
    },
    close() {
      closed = true;
      window.clearInterval(pump);
      ws.close(1000, 'client left');
    },
  };
}
