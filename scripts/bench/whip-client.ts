// WHIP publisher and WHEP player from Node (@roamhq/wrtc), as OBS and a WHEP player would be:
// one POST with the whole offer (candidates gathered first), the answer in the body, the
// resource URL in Location. Used by the WHIP integration tests and the whip bench section.
import { iceGatheringComplete } from '../../src/transport/webrtc/ice';
import { receiveTracks } from './live-client';
import { nonstandard, RTCPeerConnection, type I420Frame, type PeerConnection } from '../../src/transport/webrtc/wrtc';

export class WhipHttpError extends Error {
  override readonly name = 'WhipHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`${status} ${body}`);
  }
}

interface Endpoint {
  readonly baseUrl: string;
  readonly token: string;
}

/** POSTs the offer and applies the answer; returns the resource URL (absolute). */
async function signal(pc: PeerConnection, url: URL, token: string): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGatheringComplete(pc, 5000);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
    body: pc.localDescription!.sdp,
  });
  const text = await res.text();
  if (res.status !== 201) throw new WhipHttpError(res.status, text);
  await pc.setRemoteDescription({ type: 'answer', sdp: text });
  return new URL(res.headers.get('location')!, url).toString();
}

async function remove(resource: string, token: string): Promise<number> {
  const res = await fetch(resource, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  return res.status;
}

export interface WhipPublisherOptions extends Endpoint {
  /** The frame to send as the n-th (0-based). */
  readonly frame: (n: number) => I420Frame;
  readonly fps: number;
  /** Query string for /whip, e.g. "model=toon-invert". */
  readonly query?: string;
  /** Also send an audio track (a tone). */
  readonly audio?: boolean;
  /** Called with each frame's number and time just before it is handed to the source. */
  readonly onSent?: (n: number, atMs: number) => void;
}

export interface WhipPublisher {
  /** Absolute resource URL (DELETE ends the publication). */
  readonly resource: string;
  /** The publication id (last path segment of the resource). */
  readonly id: string;
  readonly sent: () => number;
  /** DELETE on the resource, then close; resolves with the DELETE status. */
  stop(): Promise<number>;
  /** Leaves without DELETE (a crash, a lost network). */
  close(): void;
}

export async function publishWhip(options: WhipPublisherOptions): Promise<WhipPublisher> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const source = new nonstandard.RTCVideoSource();
  const track = source.createTrack();
  pc.addTransceiver(track, { direction: 'sendonly' });
  const audioSource = options.audio ? new nonstandard.RTCAudioSource() : null;
  const audioTrack = audioSource?.createTrack();
  if (audioTrack) pc.addTransceiver(audioTrack, { direction: 'sendonly' });
  let resource: string;
  try {
    resource = await signal(pc, new URL(`/whip${options.query ? `?${options.query}` : ''}`, options.baseUrl), options.token);
  } catch (error) {
    track.stop();
    audioTrack?.stop();
    pc.close();
    throw error;
  }
  let sent = 0;
  const timer = setInterval(() => {
    const frame = options.frame(sent);
    options.onSent?.(sent, performance.now());
    source.onFrame(frame);
    sent++;
  }, 1000 / options.fps);
  const samples = new Int16Array(480).map((_, i) => Math.round(3000 * Math.sin(i / 4)));
  const audioTimer = audioSource ? setInterval(() => audioSource.onData({ samples, sampleRate: 48000 }), 10) : null;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    if (audioTimer) clearInterval(audioTimer);
    track.stop();
    audioTrack?.stop();
    pc.close();
  };
  return {
    resource,
    id: resource.split('/').pop()!,
    sent: () => sent,
    async stop() {
      const status = await remove(resource, options.token);
      close();
      return status;
    },
    close,
  };
}

export interface WhepPlayerOptions extends Endpoint {
  /** "/whep", "/whep/<id>" or "/whep?stream=<id>". */
  readonly path?: string;
  readonly audio?: boolean;
  readonly onFrame?: (frame: I420Frame, atMs: number) => void;
}

export interface WhepPlayer {
  readonly resource: string;
  readonly received: () => number;
  readonly audioChunksReceived: () => number;
  readonly connectionState: () => string;
  stop(): Promise<number>;
  close(): void;
}

export async function playWhep(options: WhepPlayerOptions): Promise<WhepPlayer> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver('video', { direction: 'recvonly' });
  if (options.audio) pc.addTransceiver('audio', { direction: 'recvonly' });
  const sinks = receiveTracks(pc, options.onFrame);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    sinks.stop();
    pc.close();
  };
  let resource: string;
  try {
    resource = await signal(pc, new URL(options.path ?? '/whep', options.baseUrl), options.token);
  } catch (error) {
    close();
    throw error;
  }
  return {
    resource,
    received: sinks.received,
    audioChunksReceived: sinks.audioChunks,
    connectionState: () => pc.connectionState,
    async stop() {
      const status = await remove(resource, options.token);
      close();
      return status;
    },
    close,
  };
}
