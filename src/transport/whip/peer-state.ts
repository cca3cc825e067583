import type { PeerConnection } from '../webrtc/wrtc';

/**
 * Calls `gone` once the remote peer has left. A peer that closes sends a DTLS close_notify:
 * the DTLS transport reports "closed" at once, while ICE would take about 20 s to fail (players
 * and OBS that stop without DELETE, tabs that close). libwebrtc announces the DTLS change with a
 * connectionstatechange event even though the aggregate state stays "connected".
 */
export function watchPeer(pc: PeerConnection, gone: (reason: string) => void, change: (state: string) => void = () => undefined): void {
  pc.onconnectionstatechange = () => {
    const state = pc.connectionState;
    if (state === 'failed' || state === 'closed') return gone(`peer ${state}`);
    const transports = [...pc.getSenders(), ...pc.getReceivers()].map((t) => t.transport?.state);
    if (transports.some((s) => s === 'closed' || s === 'failed')) return gone('peer left');
    change(state);
  };
}
