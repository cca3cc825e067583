import type { IceServer } from '../config';
import { RTCPeerConnection, type PeerConnection } from './wrtc';

/**
 * Resolves once the peer has gathered all its candidates (or after `timeoutMs`), so the one
 * answer carries them: signalling is a single HTTP round trip, without trickle ICE.
 */
export function iceGatheringComplete(pc: PeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** The server's peer for one session, with the configured STUN/TURN servers. */
export function serverPeer(iceServers: readonly IceServer[]): PeerConnection {
  return new RTCPeerConnection({ iceServers: iceServers.map((s) => ({ ...s, urls: s.urls as string | string[] })) });
}
