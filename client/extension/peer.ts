// The WebRTC round trip: the real camera track to the server, its cartoon track back.
import type { OfferResult } from './messages';
import { connected, gathered, RTC_MESSAGES, watchConnection } from '../shared/peer';

const CONNECT_TIMEOUT_MS = 8000;

// Taken at document_start, before the page can wrap it.
const PeerConnection = globalThis.RTCPeerConnection;

export interface CartoonLink {
  readonly track: MediaStreamTrack;
  readonly session: string;
  /** Sends a style or strength change to the server; applied to the next frame. */
  update(change: { readonly model?: string; readonly strength?: number }): void;
  /** Called once if the connection dies while it is in use (not after close()). */
  onLost(listener: (reason: string) => void): void;
  close(): void;
}

function connectedWithTrack(pc: RTCPeerConnection, track: Promise<MediaStreamTrack>): Promise<MediaStreamTrack> {
  // One timeout covers the connection and the track's arrival.
  const up = connected(pc, null, RTC_MESSAGES, (message) => new Error(message));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(RTC_MESSAGES.timeout)), CONNECT_TIMEOUT_MS)));
  return Promise.race([Promise.all([up, track]).then(([, t]) => t), late]).finally(() => clearTimeout(timer));
}

/** Throws (with the peer connection closed) when the server cannot be reached or refuses. */
export async function openCartoon(camera: MediaStreamTrack, offer: (sdp: string) => Promise<OfferResult>): Promise<CartoonLink> {
  if (typeof PeerConnection !== 'function') throw new Error('this page has no WebRTC');
  const pc = new PeerConnection();
  try {
    pc.addTrack(camera, new MediaStream([camera]));
    const channel = pc.createDataChannel('control');
    const remote = new Promise<MediaStreamTrack>((resolve) => pc.addEventListener('track', (e) => resolve(e.track), { once: true }));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await offer(pc.localDescription!.sdp);
    if (!answer.ok) throw new Error(answer.error);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    const track = await connectedWithTrack(pc, remote);

    let closed = false;
    const lostListeners: ((reason: string) => void)[] = [];
    const lost = (reason: string): void => {
      if (closed) return;
      closed = true;
      pc.close();
      for (const listener of lostListeners) listener(reason);
    };
    watchConnection(pc, lost, RTC_MESSAGES);
    channel.addEventListener('close', () => lost('the server ended the session'));

    return {
      track,
      session: answer.session,
      update(change) {
        if (channel.readyState === 'open') channel.send(JSON.stringify({ type: 'settings', ...change }));
      },
      onLost: (listener) => void lostListeners.push(listener),
      close() {
        closed = true;
        pc.close();
      },
    };
  } catch (error) {
    pc.close();
    throw error;
  }
}
